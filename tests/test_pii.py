from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicnlp.normalize import normalize_text
from civicnlp.pii import PLACEHOLDERS, mask_pii, mask_pii_series

MUST_MASK = [
    # phones
    ("경품 받을 번호 010 1234 5678 입니다", "경품 받을 번호 <전화번호> 입니다"),
    ("당첨되면 010-1234-5678로 연락주세요", "당첨되면 <전화번호>로 연락주세요"),
    ("번호는01098765432요", "번호는<전화번호>요"),
    ("010.1234.5678 문자 주세요", "<전화번호> 문자 주세요"),
    ("010ㅡ1234ㅡ5678 입니다", "<전화번호> 입니다"),
    ("010 - 1234 - 5678", "<전화번호>"),
    ("옛날 번호 011-123-4567 아직 써요", "옛날 번호 <전화번호> 아직 써요"),
    ("016 234 5678", "<전화번호>"),
    ("해외에서 +82 10 1234 5678 로", "해외에서 <전화번호> 로"),
    ("+82-10-1234-5678", "<전화번호>"),
    ("+821012345678", "<전화번호>"),
    ("+82 (0)10-1234-5678", "<전화번호>"),
    ("82 10 1234 5678 카톡", "<전화번호> 카톡"),
    ("사무실 02-123-4567 로 문의", "사무실 <전화번호> 로 문의"),
    ("(02) 1234-5678", "<전화번호>"),
    ("인천시청 032-440-1234", "인천시청 <전화번호>"),
    ("경기 031 123 4567", "경기 <전화번호>"),
    ("부산 051-123-4567", "부산 <전화번호>"),
    ("인터넷전화 070-1234-5678", "인터넷전화 <전화번호>"),
    ("안심번호 0505-123-4567", "안심번호 <전화번호>"),
    ("대출 상담 1588-1234 로 전화!", "대출 상담 <전화번호> 로 전화!"),
    ("1644.5678 고객센터", "<전화번호> 고객센터"),
    ("공일공-1234-5678 로 주세요", "<전화번호> 로 주세요"),
    ("공일공 일이삼사 오육칠팔이에요", "<전화번호>이에요"),
    ("010 일이삼사 5678", "<전화번호>"),
    # e-mail
    ("당첨 메일 abc@naver.com 으로", "당첨 메일 <이메일> 으로"),
    ("kim.ys_01@daum.net", "<이메일>"),
    ("메일로 드릴게요.joon@naver.com 입니다", "메일로 드릴게요.<이메일> 입니다"),
    ("연락처: hong+event@incheon.go.kr", "연락처: <이메일>"),
    ("abc @ naver.com 입니다", "<이메일> 입니다"),
    ("abc(at)gmail.com", "<이메일>"),
    ("abc [at] hanmail.net", "<이메일>"),
    ("abc 골뱅이 nate.com", "<이메일>"),
    # resident registration numbers
    ("주민번호 900101-1234567", "주민번호 <주민번호>"),
    ("9001012345678 맞나요", "<주민번호> 맞나요"),
    ("900101 - 2234567", "<주민번호>"),
    ("050505-3123456", "<주민번호>"),
    ("외국인 850315-5123456", "외국인 <주민번호>"),
    ("900101-1******", "<주민번호>"),
    # cards
    ("카드 1234-5678-9012-3456 결제", "카드 <카드번호> 결제"),
    ("1234 5678 9012 3456", "<카드번호>"),
    ("1234567890123456", "<카드번호>"),
    ("1234.5678.9012.3456", "<카드번호>"),
    ("1234-56**-****-3456", "<카드번호>"),
    ("아멕스 3782-822463-10005", "아멕스 <카드번호>"),
    # accounts
    ("국민 123456-01-123456 으로 보내주세요", "국민 <계좌번호> 으로 보내주세요"),
    ("110-123-456789", "<계좌번호>"),
    ("123-45-678901", "<계좌번호>"),
    ("카카오뱅크 3333-01-1234567", "카카오뱅크 <계좌번호>"),
    ("농협 352-1234-5678-13", "농협 <계좌번호>"),
    ("우리 1002-123-456789", "우리 <계좌번호>"),
    ("신한은행 110123456789 으로 입금", "신한은행 <계좌번호> 으로 입금"),
    ("계좌: 352 1234 5678 13", "계좌: <계좌번호>"),
    ("입금은 1002987654321 로", "입금은 <계좌번호> 로"),
    # several kinds in one comment
    (
        "홍길동 010-1111-2222 / hong@naver.com / 900101-1234567",
        "홍길동 <전화번호> / <이메일> / <주민번호>",
    ),
]

MUST_STAY = [
    "2025 APEC 정상회의 화이팅",
    "추첨을 통해 총 150여 명에게",
    "누적 가입자 3500만 명 이상",
    "9100번 버스 타고 가요",
    "1400번 버스",
    "2024-05-16 에 시작",
    "2024.05.16 오후 05:13",
    "5/16 부터 5/24 까지",
    "2024. 5. 16. 발표",
    "입장료 15,000원",
    "상금 1,234,567원",
    "참여율 30% 증가, 21.5% 감소",
    "제94회 인천 공직자아카데미",
    "개항 140주년",
    "2.5배 올랐어요",
    "10~20명 정도",
    "1500-2000원 사이",
    "1600-1700년대 건물",
    "123-4567 은 지역번호가 없어요",
    "1234-5678",
    "010으로 시작하는 번호 말고요",
    "우리 동네 2025년 행사",
    "@kim_99 님 축하해요",
    "3차원 지도",
    "1883년 개항",
    "우편번호 21554",
    "2024-05-16 10:30 시작",
    "ISBN 978-89-1234-567-8",
    "v1.2.3 업데이트",
    "02:30 에 만나요",
    "주문번호 20240516-000123",
    "영일만 친구",
    "사진 30장, 댓글 1,024개",
    "12345678901 은 11자리 숫자",
    "",
]


@pytest.mark.parametrize(("text_in", "expected"), MUST_MASK)
def test_must_mask(text_in, expected):
    assert mask_pii(text_in) == expected


@pytest.mark.parametrize("text_in", MUST_STAY)
def test_must_stay(text_in):
    assert mask_pii(text_in) == text_in


@pytest.mark.parametrize("text_in", [t for t, _ in MUST_MASK] + MUST_STAY)
def test_idempotent(text_in):
    once = mask_pii(text_in)
    assert mask_pii(once) == once


@pytest.mark.parametrize(
    ("text_in", "expected"),
    [
        # RRN before phone: a 13-digit registration number must not become a phone with a leftover
        ("900101-1012345", "<주민번호>"),
        ("9001011012345", "<주민번호>"),
        # card before account: 4-4-4-4 is a card, not an account plus four digits
        ("1234-5678-9012-3456", "<카드번호>"),
        # e-mail before phone: digits in a local part belong to the address
        ("01012345678@naver.com", "<이메일>"),
        # a 13-digit number that reads as a registration number wins over an account cue (documented)
        ("입금은 1002123456789 로", "입금은 <주민번호> 로"),
        # phone before account: 031-123-4567 has an account's shape (3 groups, 10 digits)
        ("031-123-4567", "<전화번호>"),
        ("010-1234-5678", "<전화번호>"),
    ],
)
def test_order_of_kinds(text_in, expected):
    assert mask_pii(text_in) == expected


def test_placeholders():
    assert PLACEHOLDERS == {
        "email": "<이메일>",
        "rrn": "<주민번호>",
        "card": "<카드번호>",
        "phone": "<전화번호>",
        "account": "<계좌번호>",
    }


@pytest.mark.parametrize(
    ("value", "expected"), [(None, ""), (float("nan"), ""), (pd.NA, ""), (1012345678, "1012345678")]
)
def test_missing_and_non_text(value, expected):
    assert mask_pii(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>연락처</b> abc @naver.com ㅋㅋㅋㅋ", "연락처 <이메일> ㅋㅋ"),
        ("번호\u200b 010\u00a01234\u00a05678!!!!", "번호 <전화번호>!!"),
        ("＠홍길동 ０１０-１２３４-５６７８", "<MENTION> <전화번호>"),
    ],
)
def test_after_normalize(raw, expected):
    assert mask_pii(normalize_text(raw)) == expected


MIXED = pd.Series(
    [
        "경품 받을 번호 010 1234 5678 입니다",
        None,
        np.nan,
        "",
        "2025 APEC",
        "경품 받을 번호 010 1234 5678 입니다",
        "hong@naver.com 900101-1234567",
    ],
    index=list("abcdefg"),
    name="text_masked",
    dtype=object,
)


@pytest.mark.parametrize("dtype", [object, "str"])
def test_series_equals_scalar(dtype):
    series = MIXED.astype(dtype)
    result = mask_pii_series(series)
    assert result.tolist() == [mask_pii(v) for v in series]
    assert result.index.equals(series.index) and result.name == "text_masked"
    assert result.tolist()[:3] == ["경품 받을 번호 <전화번호> 입니다", "", ""]


_PIECES = [
    "010", "-", " ", ".", "1234", "5678", "9001011234567", "0", "1", "*", "@", " @ ", "abc", "naver.com",
    "공", "일", "계좌 ", "국민 ", "<전화번호>", "ㅡ", "+82", "(02)", "\n", "가",
]  # fmt: skip


def test_idempotent_on_random_mixes():
    rng = np.random.default_rng(0)
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES, size=rng.integers(0, 16)))
        once = mask_pii(text)
        assert mask_pii(once) == once, repr(text)
