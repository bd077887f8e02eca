from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from civicnlp.normalize import normalize_text
from civicnlp.pii import PLACEHOLDERS, mask_pii, mask_pii_series

MASKED_PHONES = [
    ("경품 받을 번호 010 1234 5678 입니다", "경품 받을 번호 <전화번호> 입니다"),
    ("당첨되면 010-1234-5678로 연락주세요", "당첨되면 <전화번호>로 연락주세요"),
    ("연락처010-1234-5678로", "연락처<전화번호>로"),
    ("번호는01098765432요", "번호는<전화번호>요"),
    ("010.1234.5678 문자 주세요", "<전화번호> 문자 주세요"),
    ("010ㅡ1234ㅡ5678 입니다", "<전화번호> 입니다"),
    ("010 - 1234 - 5678", "<전화번호>"),
    ("010/1111/2209", "<전화번호>"),
    ("010_1111_2209", "<전화번호>"),
    ("010~1111~2209", "<전화번호>"),
    ("010,1111,2209", "<전화번호>"),
    ("010:1111:2209", "<전화번호>"),
    ("010−1111−2209", "<전화번호>"),
    ("010-1234-5678,010-2345-6789", "<전화번호>,<전화번호>"),
    ("010-1111.2209", "<전화번호>"),
    ("010 1111-2209", "<전화번호>"),
    ("0 1 0 - 1 1 1 1 - 2 2 0 8", "<전화번호>"),
    ("0 1 0 1 1 1 1 2 2 0 8", "<전화번호>"),
    ("옛날 번호 011-123-4567 아직 써요", "옛날 번호 <전화번호> 아직 써요"),
    ("016 234 5678", "<전화번호>"),
    ("해외에서 +82 10 1234 5678 로", "해외에서 <전화번호> 로"),
    ("+82-10-1234-5678", "<전화번호>"),
    ("+821012345678", "<전화번호>"),
    ("+82 (0)10-1234-5678", "<전화번호>"),
    ("82 10 1234 5678 카톡", "<전화번호> 카톡"),
    ("82-10-1234-5678", "<전화번호>"),
    ("0082-10-1234-5678", "<전화번호>"),
    ("사무실 02-123-4567 로 문의", "사무실 <전화번호> 로 문의"),
    ("(02) 1234-5678", "<전화번호>"),
    ("(02)1234-5678", "<전화번호>"),
    ("(010-1234-5678)", "(<전화번호>)"),
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
    ("010-1234-5678-010-2222-3333", "<전화번호>-<전화번호>"),
]

MASKED_EMAILS = [
    ("당첨 메일 abc@naver.com 으로", "당첨 메일 <이메일> 으로"),
    ("kim.ys_01@daum.net", "<이메일>"),
    ("메일로 드릴게요.joon@naver.com 입니다", "메일로 드릴게요.<이메일> 입니다"),
    ("메일은abc@naver.com입니다", "메일은<이메일>입니다"),
    ("연락처: hong+event@incheon.go.kr", "연락처: <이메일>"),
    ("홍길동@한국.kr", "<이메일>"),
    ("메일 abc@도메인.한국 으로", "메일 <이메일> 으로"),
    ("abc@naver。com", "<이메일>"),
    ("abc @ naver.com 입니다", "<이메일> 입니다"),
    ("abc(at)gmail.com", "<이메일>"),
    ("abc [at] hanmail.net", "<이메일>"),
    ("abc 골뱅이 nate.com", "<이메일>"),
    ("abc(골뱅이)nate.com", "<이메일>"),
    ("메일: abc@naver.com,010-1234-5678", "메일: <이메일>,<전화번호>"),
    ("kim at gmail.com 으로", "<이메일> 으로"),
    ("kim(at)gmail(dot)com", "<이메일>"),
    ("kim at naver dot com", "<이메일>"),
]

MASKED_IDS = [
    # resident and foreigner registration numbers
    ("주민번호 900101-1234567", "주민번호 <주민번호>"),
    ("9001011234568 맞나요", "<주민번호> 맞나요"),
    ("900101 - 2234567", "<주민번호>"),
    ("900101.1234514", "<주민번호>"),
    ("900101/1234514", "<주민번호>"),
    ("9 0 0 1 0 1 - 1 2 3 4 5 1 4", "<주민번호>"),
    ("050505-3123456", "<주민번호>"),
    ("외국인 850315-5123456", "외국인 <주민번호>"),
    ("900101-1******", "<주민번호>"),
    ("900101-*******", "<주민번호>"),
    # cards
    ("카드 4123-4567-8901-2345 결제", "카드 <카드번호> 결제"),
    ("4123 4567 8901 2345", "<카드번호>"),
    ("4111111111111111", "<카드번호>"),
    ("5123.4567.8901.2345", "<카드번호>"),
    ("4123-4567 8901.2345", "<카드번호>"),
    ("4123/4567_8901:2345", "<카드번호>"),
    ("5123-45**-****-3456", "<카드번호>"),
    ("9410 1234 5678 9012", "<카드번호>"),
    ("아멕스 3782-822463-10005", "아멕스 <카드번호>"),
    # driver's licences and passports
    ("면허 11-12-345678-90", "면허 <면허번호>"),
    ("서울 12-345678-90", "<면허번호>"),
    ("여권 M12345678 입니다", "여권 <여권번호> 입니다"),
    ("여권번호는M123A4567", "여권번호는<여권번호>"),
    # accounts
    ("국민 123456-01-123456 으로 보내주세요", "국민 <계좌번호> 으로 보내주세요"),
    ("110-123-456789", "<계좌번호>"),
    ("110.123.456789", "<계좌번호>"),
    ("123-45-678901", "<계좌번호>"),
    ("카카오뱅크 3333-01-1234567", "카카오뱅크 <계좌번호>"),
    ("농협 352-1234-5678-13", "농협 <계좌번호>"),
    ("우리 1002-123-456789", "우리 <계좌번호>"),
    ("신한은행 110123456789 으로 입금", "신한은행 <계좌번호> 으로 입금"),
    ("신한 110 123 456789", "신한 <계좌번호>"),
    ("계좌: 352 1234 5678 13", "계좌: <계좌번호>"),
    ("입금은 1002987654321 로", "입금은 <계좌번호> 로"),
    # several kinds in one comment
    (
        "홍길동 010-1111-2222 / hong@naver.com / 900101-1234567",
        "홍길동 <전화번호> / <이메일> / <주민번호>",
    ),
]

# raw cells (not normalized): matched on the folded view, everything outside a masked span kept as it was
MASKED_RAW = [
    ("０１０-１２３４-５６７８", "<전화번호>"),
    ("０１０－１２３４－５６７８ 연락", "<전화번호> 연락"),
    ("𝟎𝟏𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "<전화번호>"),
    ("٠١٠١٢٣٤٥٦٧٨", "<전화번호>"),
    ("0\u200b1\u200b0-1234-5678", "<전화번호>"),
    ("010\u20601234\ufeff5678", "<전화번호>"),
    ("0\u03321\u03320\u0332 1234 5678", "<전화번호>"),
    ("010\x001234\x005678", "<전화번호>"),
    ("0\u31641\u31640 1234 5678", "<전화번호>"),
    ("abc＠naver．com", "<이메일>"),
    ("❤️ ０１０-１２３４-５６７８ ＡＢＣ\u200b", "❤️ <전화번호> ＡＢＣ\u200b"),
    ("\u200b010-1234-5678\u200b", "\u200b<전화번호>\u200b"),
    ("９００１０１－１２３４５６７", "<주민번호>"),
]

MASKED = MASKED_PHONES + MASKED_EMAILS + MASKED_IDS + MASKED_RAW

KEPT = [
    "2025 APEC 정상회의 화이팅",
    "추첨을 통해 총 150여 명에게",
    "누적 가입자 3500만 명 이상",
    "9100번 버스 타고 가요",
    "1400번 버스",
    "2024-05-16 에 시작",
    "2024.05.16 오후 05:13",
    "2024/05/16 10:30:00",
    "24.05.16 공고",
    "5/16 부터 5/24 까지",
    "2024. 5. 16. 발표",
    "2024-05-16 10:30 시작",
    "02:30 에 만나요",
    "입금 2024.05.16 10:30 완료",
    "문서번호 2024-05-16-001",
    "2024.05.16.0012 공문",
    "주문번호 20240516-000123",
    "제2024-1234호 공고",
    "바코드 8801234567893",
    "8801234567893",
    "입장료 15,000원",
    "상금 1,234,567원",
    "총 1,000,000원",
    "이체 1,000,000,000원",
    "참여율 30% 증가, 21.5% 감소",
    "제94회 인천 공직자아카데미",
    "개항 140주년",
    "2.5배 올랐어요",
    "10~20명 정도",
    "1500-2000원 사이",
    "1600-1700년대 건물",
    "1600~1800 사이",
    "2023~2024 시즌",
    "2021 2022 2023 2024",
    "2021, 2022, 2023, 2024년",
    "작전계획 5026, 5027, 5028, 5029",
    "2024051612345678",
    "123-4567 은 지역번호가 없어요",
    "1234-5678",
    "010으로 시작하는 번호 말고요",
    "우리 동네 2025년 행사",
    "@kim_99 님 축하해요",
    "3차원 지도",
    "1883년 개항",
    "우편번호 21554",
    "ISBN 978-89-1234-567-8",
    "ISBN 9788912345678",
    "v1.2.3 업데이트",
    "10.0.19045.2965 버전",
    "영일만 친구",
    "사진 30장, 댓글 1,024개",
    "12345678901 은 11자리 숫자",
    "2.223423434324434",
    "원주율 3.1415926535897932",
    "0000000000000000",
    "01 02 03 04 05 번 자리",
    "로또 03 12 19 25 33 41",
    "캠페인 #2024-05 참여",
    "C-2024-0516 캠페인",
    "",
]


@pytest.mark.parametrize(("text_in", "expected"), MASKED)
def test_masks_each_format(text_in, expected):
    assert mask_pii(text_in) == expected


@pytest.mark.parametrize("text_in", KEPT)
def test_keeps_dates_prices_counts_and_codes(text_in):
    assert mask_pii(text_in) == text_in


@pytest.mark.parametrize("text_in", [t for t, _ in MASKED] + KEPT)
def test_masking_is_idempotent(text_in):
    once = mask_pii(text_in)
    assert mask_pii(once) == once


@pytest.mark.parametrize(
    ("text_in", "expected"),
    [
        # RRN before phone: a 13-digit registration number must not become a phone with a leftover
        ("900101-1012345", "<주민번호>"),
        ("9001011012345", "<주민번호>"),
        # card before account: 4-4-4-4 is a card, not an account plus four digits
        ("4123-5678-9012-3456", "<카드번호>"),
        # licence before account: 2-2-6-2 has an account's shape
        ("11-12-345678-90", "<면허번호>"),
        # e-mail before phone: digits in a local part belong to the address
        ("01012345678@naver.com", "<이메일>"),
        # a 13-digit number that reads as a registration number wins over an account cue (documented)
        ("입금은 1002123456789 로", "입금은 <주민번호> 로"),
        # phone before account: 031-123-4567 has an account's shape (3 groups, 10 digits)
        ("031-123-4567", "<전화번호>"),
        ("010-1234-5678", "<전화번호>"),
    ],
)
def test_earlier_kind_wins(text_in, expected):
    assert mask_pii(text_in) == expected


@pytest.mark.parametrize(
    ("text_in", "expected"),
    [
        ("8801234567893", "8801234567893"),  # EAN-13 check digit right, registration checksum wrong
        ("8801234567890", "<주민번호>"),  # registration checksum right: a person's number
        ("880123-4567893", "<주민번호>"),  # written with a separator: a registration number, never a barcode
        ("2011053234566", "<주민번호>"),  # born 2020 or later: no checksum to tell it from a barcode
        ("8801235234561", "<주민번호>"),  # foreigner's number: no checksum either
    ],
)
def test_barcode_is_kept_only_when_it_cannot_be_a_registration_number(text_in, expected):
    assert mask_pii(text_in) == expected


def test_placeholders_hold_no_digits_and_no_at_sign():
    assert PLACEHOLDERS == {
        "email": "<이메일>",
        "rrn": "<주민번호>",
        "card": "<카드번호>",
        "phone": "<전화번호>",
        "account": "<계좌번호>",
        "passport": "<여권번호>",
        "licence": "<면허번호>",
    }
    assert not any(re.search(r"[\d@]", p) for p in PLACEHOLDERS.values())


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
def test_masks_normalized_text(raw, expected):
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


# --- generated variants -------------------------------------------------------------------------------
_NUMBERS = {  # the groups of each kind as people write them, and the separators masking accepts between them
    "phone": [["010", "1234", "5678"], ["02", "123", "4567"], ["031", "1234", "5678"],
              ["070", "1234", "5678"], ["0505", "123", "4567"], ["+82 10", "1234", "5678"],
              ["82-10", "1234", "5678"]],
    "rrn": [["900101", "1234568"], ["850315", "5123456"], ["020202", "4123456"]],
    "card": [["4123", "4567", "8901", "2345"], ["5412", "3456", "7890", "1234"], ["3782", "822463", "10005"]],
    "account": [["110", "123", "456789"], ["3333", "01", "1234567"], ["352", "1234", "5678", "13"]],
}  # fmt: skip
_SEPARATORS = {
    "phone": ["-", ".", "/", "_", "~", ",", " ", "", " - ", "ㅡ", "·", "–"],
    "rrn": ["-", ".", "/", " ", "", " - ", "ㅡ", "–"],
    "card": ["-", ".", "/", "_", " ", "", " - "],
    "account": ["-", ".", "/", "_", " - ", "–"],
}
_CONTEXT = ["", " ", "연락처", "번호는 ", "로", " 입니다", "(", ")", "!", "\n", "ㅋㅋ", ": ", "🙏"]
_ZERO_WIDTH = ["\u200b", "\u200c", "\ufeff", "\u2060"]


def _variant(rng: np.random.Generator, kind: str) -> str:
    groups = _NUMBERS[kind][rng.integers(len(_NUMBERS[kind]))]
    spaced = kind != "account" and rng.random() < 0.2  # typed digit by digit
    parts = [" ".join(g) if spaced and g.isdigit() else g for g in groups]
    text = parts[0]
    for part in parts[1:]:
        sep = str(rng.choice(_SEPARATORS[kind]))
        text += (sep or " " if spaced else sep) + part
    chars = []
    for char in text:
        if char.isdigit() and rng.random() < 0.1:
            char = chr(ord(char) + 0xFEE0)  # full-width digit
        chars.append(char)
        if char.isdigit() and rng.random() < 0.05:
            chars.append(str(rng.choice(_ZERO_WIDTH)))
    return str(rng.choice(_CONTEXT)) + "".join(chars) + str(rng.choice(_CONTEXT))


@pytest.mark.parametrize("kind", list(_NUMBERS))
def test_no_digit_of_a_masked_number_survives_in_generated_variants(kind):
    rng = np.random.default_rng(14)
    for _ in range(2000):
        text = _variant(rng, kind)
        masked = mask_pii(text)
        assert not re.search(r"\d", masked), repr(text)
        assert mask_pii(masked) == masked, repr(text)


_ADDRESSES = [
    ("abc", "naver.com"), ("kim.ys_01", "daum.net"), ("홍길동", "한국.kr"), ("hong+event", "incheon.go.kr"),
    ("lee", "도메인.한국"),
]  # fmt: skip
_AT = ["@", "＠", " @ ", "(at)", " [at] ", " at ", "골뱅이", " 골뱅이 "]
_DOT = [".", " . ", "(dot)", " dot ", " 쩜 "]


def test_no_part_of_an_email_survives_in_generated_variants():
    rng = np.random.default_rng(14)
    for _ in range(2000):
        local, domain = _ADDRESSES[rng.integers(len(_ADDRESSES))]
        address = local + str(rng.choice(_AT)) + domain.replace(".", str(rng.choice(_DOT)))
        before = str(rng.choice([" ", "메일 ", "(", "\n", ": "]))
        after = str(rng.choice(["", " ", " 으로", "!", ")"]))
        assert mask_pii(before + address + after) == before + "<이메일>" + after, repr(address)


_KEPT_NUMBERS = [
    "2024-05-16", "2024.05.16.", "2024/05/16", "2024. 5. 16.", "24.05.16", "05:13", "10:30:00", "5/16",
    "2024-05-16-001", "20240516-000123", "8801234567893", "1,000,000원", "15,000원", "2024년", "150명",
    "3500만", "1500~2000원", "2023~2024", "제94회", "9100번", "30%", "2.5배", "123-4567", "21554",
]  # fmt: skip
_WORDS = ["", " ", "그리고 ", "오늘 ", "참여합니다 ", "ㅋㅋ ", "\n"]


def test_kept_numbers_survive_in_generated_contexts():
    rng = np.random.default_rng(14)
    for _ in range(2000):
        items = rng.choice(_KEPT_NUMBERS, size=rng.integers(1, 4))
        text = " 그리고 ".join(str(rng.choice(_WORDS)) + str(item) for item in items)
        assert mask_pii(text) == text, repr(text)


_PIECES = [
    "010", "-", " ", ".", "1234", "5678", "9001011234567", "0", "1", "*", "@", " @ ", "abc", "naver.com",
    "공", "일", "계좌 ", "국민 ", "<전화번호>", "<이메일>", "ㅡ", "+82", "(02)", "\n", "가", "/",
    "at", "한국", "\u200b", "０", "M", "~", ",", "11-",
]  # fmt: skip


def test_idempotent_on_random_mixes():
    rng = np.random.default_rng(0)
    for _ in range(5000):
        text = "".join(rng.choice(_PIECES, size=rng.integers(0, 16)))
        once = mask_pii(text)
        assert mask_pii(once) == once, repr(text)


@pytest.mark.parametrize(
    "text_in",
    [
        "a@b" + ".b" * 40_000,  # quadratic before the RFC length bounds
        "a." * 50_000 + "@",
        "0 " * 50_000,
        "1-" * 50_000,
        "국민" + "1 " * 50_000,
        "0\u200b" * 50_000,
    ],
)
def test_long_hostile_paste_is_masked_quickly(text_in):
    start = time.process_time()
    mask_pii(text_in)
    assert time.process_time() - start < 5
