"""Channel adapters: each channel's export shape in, one validated, pseudonymised comments table out."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from civicnlp import campaigns, channels, config, io, labels, pii, synthetic
from civicnlp.cli import main
from civicnlp.exceptions import CapturedAtRequired, DataContractError, ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "channels"
SAMPLE = "incheon-danggeun-apec-2024"  # shipped as its channels' raw exports
EXPORTS = config.sample_dir() / "raw" / SAMPLE
CAPTURED = "2024-05-20 00:05"
RAW_NAMES = (
    "김하늘",
    "박서준",
    "이도윤",
    "sky_incheon",
    "incheonian_official",
    "인천토박이",
    "송도댁",
    "푸른바다",
)


@pytest.fixture(autouse=True)
def _own_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(pii.KEY_ENV, "test-key")


def read(names: str | list[str], **kwargs: object) -> io.LoadResult:
    files = [FIXTURES / n for n in ([names] if isinstance(names, str) else names)]
    kwargs.setdefault("campaign_id", "c")
    return channels.read_channel(files, **kwargs)  # type: ignore[arg-type]


def accounted(result: io.LoadResult) -> None:
    assert result.rows_in == len(result.data) + len(result.quarantine)


# files, read_channel keywords, channel, kept texts, {reason: count}
NORMAL = [
    (
        ["facebook_page1.json", "facebook_page2.json"],
        {},
        "facebook",
        [
            "인천에서 APEC 열리면 좋겠어요! 참여합니다",
            "저도 응원합니다~",
            "경품 발표는 언제 하나요?",
            "주차는 어디에 하면 되나요?",
        ],
        {"blank text": 1, "duplicate comment_id": 1},
    ),
    (
        ["instagram.json"],
        {},
        "instagram",
        ["#인천당근이지 참여합니다 🙌", "@ig_1c6e51cb469baece 참여 감사합니다!"],
        {"blank text": 1},
    ),
    (
        ["danggeun_pasted.txt"],
        {"captured_at": CAPTURED},
        "danggeun",
        [
            "참여합니다! 인천에서 APEC 꼭 열렸으면 좋겠어요",
            "참여해 주셔서 감사합니다 😊",
            "경품은 언제 발송되나요?\n주소 입력하는 곳이 안 보여요",
            "좋은 소식이네요",
            "당첨 기원합니다",
        ],
        {"deleted comment": 1},
    ),
    (
        ["blog_pasted.txt"],
        {"captured_at": "2024-05-25 09:00"},
        "blog",
        [
            "블로그 글 잘 봤습니다. 이벤트 참여했어요",
            "감사합니다! 당첨 발표는 5월 31일입니다.",
            "행사장 교통편도 알려주세요",
        ],
        {},
    ),
    (
        ["danggeun_template.csv"],
        {"captured_at": CAPTURED},
        "danggeun",
        ["참여합니다!", "감사합니다"],
        {"blank text": 1, "bad likes": 1},
    ),
]


@pytest.mark.parametrize(("files", "kwargs", "channel", "texts", "reasons"), NORMAL)
def test_normal_exports_detected_and_accounted(
    files: list[str], kwargs: dict[str, object], channel: str, texts: list[str], reasons: dict[str, int]
) -> None:
    result = read(files, **kwargs)
    accounted(result)
    assert result.data["text"].tolist() == texts
    assert set(result.data["channel"]) == {channel}
    assert result.reasons().to_dict() == reasons
    assert list(result.data.columns[: len(channels.OUTPUT_COLUMNS)]) == list(channels.OUTPUT_COLUMNS)
    assert str(result.data["created_at"].dtype) == "datetime64[ns, Asia/Seoul]"
    assert result.data["comment_id"].is_unique


@pytest.mark.parametrize(("files", "kwargs", "channel", "texts", "reasons"), NORMAL)
def test_explicit_channel_gives_the_same(
    files: list[str], kwargs: dict[str, object], channel: str, texts: list[str], reasons: dict[str, int]
) -> None:
    assert read(files, channel=channel, **kwargs).data["text"].tolist() == texts


# files, kwargs, {text: text of its parent}
REPLIES = [
    (["facebook_page1.json"], {}, {"저도 응원합니다~": "인천에서 APEC 열리면 좋겠어요! 참여합니다"}),
    (["instagram.json"], {}, {"@ig_1c6e51cb469baece 참여 감사합니다!": "#인천당근이지 참여합니다 🙌"}),
    (
        ["danggeun_pasted.txt"],
        {"captured_at": CAPTURED},
        {"참여해 주셔서 감사합니다 😊": "참여합니다! 인천에서 APEC 꼭 열렸으면 좋겠어요"},
    ),
    (
        ["blog_pasted.txt"],
        {"captured_at": CAPTURED},
        {"감사합니다! 당첨 발표는 5월 31일입니다.": "블로그 글 잘 봤습니다. 이벤트 참여했어요"},
    ),
    (["danggeun_template.csv"], {"captured_at": CAPTURED}, {"감사합니다": "참여합니다!"}),
]


@pytest.mark.parametrize(("files", "kwargs", "expected"), REPLIES)
def test_replies_point_at_their_parent(files: list[str], kwargs: dict[str, object], expected: dict) -> None:
    data = read(files, **kwargs).data
    text_of = dict(zip(data["comment_id"], data["text"], strict=True))
    replies = data[data["parent_id"].notna()]
    assert {t: text_of[p] for t, p in zip(replies["text"], replies["parent_id"], strict=True)} == expected


def test_paged_files_dedupe_by_id_and_keep_file_and_row() -> None:
    result = read(["facebook_page1.json", "facebook_page2.json"])
    dup = result.quarantine[result.quarantine["reason"] == "duplicate comment_id"]
    assert dup[["source_file", "source_row"]].values.tolist() == [["facebook_page2.json", 1]]
    assert (result.data["comment_id"] == "812345678901234_1004").sum() == 1


def test_timezone_conversion_to_seoul() -> None:
    data = read("facebook_page1.json").data
    # 2024-05-16T15:30:00+0000 is past midnight in Seoul
    assert data.loc[data["text"] == "경품 발표는 언제 하나요?", "created_at"].iloc[0] == pd.Timestamp(
        "2024-05-17 00:30", tz="Asia/Seoul"
    )


MALFORMED = [
    ("facebook", "facebook_truncated.json", "broken JSON"),
    ("instagram", "facebook_page1.json", "'text' and 'timestamp'"),
    ("facebook", "instagram.json", "'message' and 'created_time'"),
    ("danggeun", "facebook_page1.json", "내용"),
    ("blog", "instagram.json", "pasted into a .txt"),
]


@pytest.mark.parametrize(("channel", "name", "expected"), MALFORMED)
def test_malformed_file_names_channel_file_and_expectation(channel: str, name: str, expected: str) -> None:
    kwargs = {"captured_at": CAPTURED} if channel == "danggeun" else {}
    with pytest.raises(DataContractError) as info:
        read(name, channel=channel, **kwargs)
    message = str(info.value)
    assert channel in message and name in message and expected in message


@pytest.mark.parametrize(
    ("channel", "text", "expected"),
    [
        ("facebook", '{"comments": []}', "expected a Graph API page"),
        ("danggeun", "이것은 댓글 목록이 아닙니다\n그냥 메모", "expected blocks of a nickname line"),
        ("blog", "닉네임,내용\n푸른바다,좋아요\n", "missing column(s) ['작성일시']"),
    ],
)
def test_malformed_written_files(tmp_path: Path, channel: str, text: str, expected: str) -> None:
    path = tmp_path / (
        "export.json" if channel == "facebook" else "export.txt" if "\n그냥" in text else "t.csv"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataContractError, match=re.escape(expected)) as info:
        channels.read_channel(path, channel, campaign_id="c", captured_at=CAPTURED)
    assert channel in str(info.value) and path.name in str(info.value)


def test_pasted_text_needs_captured_at() -> None:
    with pytest.raises(CapturedAtRequired, match="captured_at is required"):
        read("danggeun_pasted.txt")


def test_channel_exports_need_a_campaign() -> None:
    with pytest.raises(ParameterError, match="pass campaign_id"):
        read("instagram.json", campaign_id=None)


# raw time, captured at (Seoul unless an offset is given), expected Seoul time
TIMES = [
    ("방금 전", "2024-05-17 00:05", "2024-05-17 00:05"),
    ("10분 전", "2024-05-17 00:05", "2024-05-16 23:55"),
    ("2시간 전", "2024-05-17 01:00", "2024-05-16 23:00"),
    ("어제", "2024-05-17 00:05", "2024-05-16 00:05"),
    ("어제", "2024-05-16T15:05:00+00:00", "2024-05-16 00:05"),  # 00:05 on the 17th in Seoul
    ("그제", "2024-03-01 08:00", "2024-02-28 08:00"),
    ("3일 전", "2024-03-01 00:30", "2024-02-27 00:30"),
    ("1주 전", "2024-05-03 12:00", "2024-04-26 12:00"),
    ("1개월 전", "2024-03-31 10:00", "2024-02-29 10:00"),
    ("1년 전", "2024-02-29 10:00", "2023-02-28 10:00"),
    ("5월 16일", "2024-05-25 09:00", "2024-05-16 00:00"),
    ("12월 31일", "2025-01-01 00:10", "2024-12-31 00:00"),
    ("12월 31일 오후 11:50", "2025-01-01 00:10", "2024-12-31 23:50"),
    ("2024.05.16", "2024-05-25 09:00", "2024-05-16 00:00"),
    ("2024. 5. 31. 23:59", "2024-06-01 00:00", "2024-05-31 23:59"),
]


@pytest.mark.parametrize(("raw", "captured", "expected"), TIMES)
def test_relative_and_absolute_times(raw: str, captured: str, expected: str) -> None:
    resolved = channels.resolve_times(pd.Series([raw], dtype="str"), captured).iloc[0]
    assert resolved == pd.Timestamp(expected, tz="Asia/Seoul")


@pytest.mark.parametrize(("raw", "captured"), [("3분 전", None), ("어느 날", "2024-05-17 00:05"), ("", None)])
def test_unresolvable_times_are_nat(raw: str, captured: str | None) -> None:
    assert pd.isna(channels.resolve_times(pd.Series([raw], dtype="str"), captured).iloc[0])


def test_bad_captured_at_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="not a date"):
        channels.resolve_times(pd.Series(["3분 전"]), "sometime")


def test_pasted_times_around_midnight(tmp_path: Path) -> None:
    path = tmp_path / "dg.txt"
    path.write_text(
        "야간산책\n부평동 · 10분 전\n밤에 보니 좋네요\n\n새벽러\n부평동 · 어제\n참여합니다\n",
        encoding="utf-8",
    )
    data = channels.read_channel(path, campaign_id="c", captured_at="2024-06-01 00:05").data
    assert data["created_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-05-31 23:55",
        "2024-05-31 00:05",
    ]
    assert data["neighbourhood"].tolist() == ["부평동", "부평동"]


# ---------------------------------------------------------------- pseudonyms


@pytest.mark.parametrize(
    ("files", "kwargs"),
    [(["facebook_page1.json", "facebook_page2.json"], {}), (["instagram.json"], {})]
    + [
        ([f], {"captured_at": CAPTURED})
        for f in ("danggeun_pasted.txt", "blog_pasted.txt", "danggeun_template.csv")
    ],
)
def test_no_raw_name_in_output(files: list[str], kwargs: dict[str, object]) -> None:
    result = read(files, **kwargs)
    dumped = result.data.to_csv() + result.quarantine.to_csv()
    assert not [n for n in RAW_NAMES if n in dumped]
    assert "7300000000000001" not in dumped  # Facebook user ids are hashed too
    assert result.data["author_id"].dropna().str.fullmatch(r"(fb|ig|dg|bl)_[0-9a-f]{16}").all()


def test_pseudonyms_stable_for_a_key_and_different_across_keys() -> None:
    names = pd.Series(["김하늘", "박서준", "김하늘", None])
    first = pii.pseudonymize(names, "facebook", key="k1")
    assert first[0] == first[2] != first[1]
    assert pd.isna(first[3])
    assert pii.pseudonymize(names, "facebook", key="k1").equals(first)
    assert (pii.pseudonymize(names, "facebook", key="k2")[:3] != first[:3]).all()
    assert pii.pseudonymize(names, "instagram", key="k1")[0] != first[0]


def test_same_person_same_author_id_across_pages() -> None:
    data = read(["facebook_page1.json", "facebook_page2.json"], key="k").data
    ids = data.set_index("text")["author_id"]
    assert ids["인천에서 APEC 열리면 좋겠어요! 참여합니다"] == ids["경품 발표는 언제 하나요?"]


def test_key_from_setting_then_from_a_private_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pii.KEY_ENV, "from-env")
    assert pii.pseudonym_key() == b"from-env"
    monkeypatch.delenv(pii.KEY_ENV)
    made = pii.pseudonym_key()
    path = config.cache_dir() / pii.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pii.pseudonym_key() == made and len(made) == 64


def test_key_never_written_to_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pii.KEY_ENV, "secret-key-xyz")
    out = tmp_path / "c.parquet"
    q = tmp_path / "q.csv"
    channels.write_comments(read(["facebook_page1.json", "facebook_page2.json"]), out, quarantine=q)
    assert b"secret-key-xyz" not in out.read_bytes() + q.read_bytes()


# ---------------------------------------------------------------- plain tables and the CLI


def test_plain_table_goes_through_io_mapping(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text(
        "id,채널,글,날짜,작성자\n1,blog,좋아요,2024-05-16 13:05,홍길동\n2,blog,,2024-05-16,홍길동\n"
    )
    result = channels.read_channel(path, campaign_id="c", columns="comment_id=id,text=글,created_at=날짜")
    accounted(result)
    assert result.data["text"].tolist() == ["좋아요"]
    assert "홍길동" not in result.data.to_csv() + result.quarantine.to_csv()


def test_cli_ingest_writes_parquet_and_per_channel_lines(tmp_path: Path) -> None:
    out = tmp_path / "comments.parquet"
    files = [str(FIXTURES / n) for n in ("facebook_page1.json", "facebook_page2.json", "danggeun_pasted.txt")]
    run = CliRunner().invoke(
        main, ["ingest", *files, "--campaign", "c", "--captured-at", CAPTURED, "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert (
        "facebook: 6 rows read, 4 kept, 2 quarantined; 2024-05-16 17:13 – 2024-05-17 10:02 KST" in run.output
    )
    assert "danggeun: 6 rows read, 5 kept, 1 quarantined" in run.output
    table = pd.read_parquet(out)
    assert len(table) == 9 and set(table["channel"]) == {"facebook", "danggeun"}


def test_cli_ingest_error_is_one_line(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        main,
        [
            "ingest",
            str(FIXTURES / "danggeun_pasted.txt"),
            "--campaign",
            "c",
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert run.exit_code == 2 and "captured_at is required" in run.output


# ---------------------------------------------------------------- the shipped sample exports


def test_sample_exports_carry_the_generated_comments() -> None:
    """Every comment the generated table keeps arrives, per channel; the only extras are rows the table
    quarantines for what the shapes do not carry (ids repeated across channels, '어제' without a capture
    time, likes of -1). (`tests/test_synthetic.py` checks the files regenerate byte for byte.)"""
    captured_at = campaigns.load_campaign(SAMPLE).info["captured_at"]
    result = channels.read_channel(EXPORTS, campaign_id=SAMPLE, captured_at=captured_at)
    accounted(result)
    generated = synthetic.sample_comments(SAMPLE).drop(columns=["sentiment", "comment_type"])
    table = io.validate_comments(generated)
    for channel in labels.CHANNELS:
        got = Counter(result.data.loc[result.data["channel"] == channel, "text"].str.strip())
        kept = Counter(table.data.loc[table.data["channel"] == channel, "text"].str.strip())
        assert not kept - got, channel
        q = table.quarantine[table.quarantine["channel"] == channel]
        explained = Counter(
            q.loc[q["reason"].isin(["duplicate comment_id", "bad created_at", "bad likes"]), "text"]
        )
        assert not (got - kept) - Counter({t.strip(): n for t, n in explained.items()}), channel
    assert result.data.loc[result.data["channel"] == "danggeun", "neighbourhood"].notna().all()


def test_xlsx_template_named_blog_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "blog_comments.xlsx"
    pd.DataFrame(
        {
            "닉네임": ["푸른바다", "산책하는곰"],
            "작성일시": ["2024. 5. 16. 13:05", "3시간 전"],
            "내용": ["좋아요", "궁금해요"],
        }
    ).to_excel(path, index=False)
    result = channels.read_channel(path, campaign_id="c", captured_at="2024-05-16 15:00")
    assert result.data["channel"].tolist() == ["blog", "blog"]
    assert result.data["created_at"].dt.strftime("%H:%M").tolist() == ["13:05", "12:00"]
    ragged = tmp_path / "danggeun.csv"
    ragged.write_text(
        "닉네임,동네,작성일시,내용\n송도댁,송도동,2024-05-16 13:05,좋아요\n송도댁,송도동,너무,많은,칸\n"
    )
    result = channels.read_channel(ragged, campaign_id="c")
    accounted(result)
    assert result.reasons().to_dict() == {"ragged row": 1}
    assert "송도댁" not in result.quarantine.to_csv()


def test_template_without_neighbourhood_needs_a_channel(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text("닉네임,작성일시,내용\n푸른바다,2024-05-16 13:05,좋아요\n")
    with pytest.raises(DataContractError, match="pass the channel"):
        channels.read_channel(path, campaign_id="c")
    assert channels.read_channel(path, "blog", campaign_id="c").data["channel"].tolist() == ["blog"]


def test_empty_last_page_adds_nothing(tmp_path: Path) -> None:
    last = tmp_path / "page-3.json"
    last.write_text('{"data": [], "paging": {"cursors": {"before": "x", "after": "y"}}}')
    both = channels.read_channel([FIXTURES / "instagram.json", last], campaign_id="c")
    assert both.rows_in == read("instagram.json").rows_in == 3


def test_graph_page_with_a_non_object_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "fb.json"
    path.write_text(
        '{"data": [{"id": "1", "message": "좋아요", "created_time": "2024-05-16T08:13:00+0000"}, [1]]}'
    )
    result = channels.read_channel(path, campaign_id="c")
    accounted(result)
    assert result.reasons().to_dict() == {"not a comment object (a JSON list)": 1}


def test_danggeun_text_that_looks_like_a_time(tmp_path: Path) -> None:
    path = tmp_path / "dg.txt"
    path.write_text("송도댁\n송도동 · 1시간 전\n지난번 공지는\n3일 전\n이었어요\n", encoding="utf-8")
    data = channels.read_channel(path, campaign_id="c", captured_at=CAPTURED).data
    assert data["text"].tolist() == ["지난번 공지는\n3일 전\n이었어요"]


def _fb(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"p_{n}", "message": f"댓글 {n}", "created_time": "2024-05-16T08:13:00+0000", **fields}


def _nested_replies(depth: int) -> str:
    """A Facebook page whose comment has replies nested ``depth`` levels deep (written without recursion)."""
    record = '{"id": "p_%d", "message": "댓글", "created_time": "2024-05-16T08:13:00+0000"'
    opening = "".join(record % n + ', "comments": {"data": [' for n in range(depth))
    return '{"data": [' + opening + record % depth + "}" + "]}}" * depth + "]}"


def test_replies_nested_past_the_depth_bound_are_quarantined_not_a_recursion_error(tmp_path: Path) -> None:
    depth = channels.MAX_REPLY_DEPTH + 20
    path = tmp_path / "fb.json"
    path.write_text(_nested_replies(depth))
    result = channels.read_channel(path, campaign_id="c")
    accounted(result)
    assert result.rows_in == depth + 1
    assert len(result.data) == channels.MAX_REPLY_DEPTH + 1
    assert result.reasons().to_dict() == {f"reply nested deeper than {channels.MAX_REPLY_DEPTH} levels": 20}
    assert result.data["parent_id"].iloc[5] == "p_4"


def test_json_nested_900_replies_deep_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "fb.json"
    path.write_text(_nested_replies(900))
    with pytest.raises(DataContractError, match=r"fb\.json: JSON nested too deeply"):
        channels.read_channel(path, campaign_id="c")


def test_replies_given_as_a_bare_list_are_read_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "fb.json"
    page = {"data": [_fb(1, comments=[_fb(2), _fb(3)]), _fb(4, comments={"data": [_fb(5)]})]}
    path.write_text(json.dumps(page, ensure_ascii=False))
    result = channels.read_channel(path, campaign_id="c")
    accounted(result)
    assert result.data["comment_id"].tolist() == ["p_1", "p_2", "p_3", "p_4", "p_5"]
    assert result.data["parent_id"].fillna("").tolist() == ["", "p_1", "p_1", "", "p_4"]


def test_replies_that_are_not_a_list_are_a_quarantine_row(tmp_path: Path) -> None:
    path = tmp_path / "fb.json"
    path.write_text(json.dumps({"data": [_fb(1, comments={"data": "p_2, p_3"})]}))
    result = channels.read_channel(path, campaign_id="c")
    accounted(result)
    assert result.rows_in == 2
    assert result.reasons().to_dict() == {"unreadable comments of comment 1 (a JSON str, not a list)": 1}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"message": ["참여", "합니다"]}, "message is a JSON list, not a single value"),
        ({"message": {"text": "참여"}}, "message is a JSON dict, not a single value"),
        ({"id": ["p_1"]}, "id is a JSON list, not a single value"),
        ({"like_count": [3]}, "like_count is a JSON list, not a single value"),
        ({"like_count": 1e308}, "bad likes"),
        ({"like_count": 99999999999999999999}, "bad likes"),
        ({"like_count": -2}, "bad likes"),
        ({"created_time": "9999-12-31T00:00:00+0000"}, "created_at outside 1990-01-01..2100-12-31"),
        ({"created_time": "0001-01-01T00:00:00+0000"}, "created_at outside 1990-01-01..2100-12-31"),
    ],
)
def test_graph_fields_that_are_not_one_sane_value_are_quarantined(
    tmp_path: Path, fields: dict[str, object], reason: str
) -> None:
    path = tmp_path / "fb.json"
    path.write_text(json.dumps({"data": [_fb(1, **fields), _fb(2)]}, ensure_ascii=False))
    result = channels.read_channel(path, "facebook", campaign_id="c")
    accounted(result)
    assert result.data["comment_id"].tolist() == ["p_2"]
    assert result.reasons().to_dict() == {reason: 1}
    assert not result.quarantine.astype("str").apply(lambda c: c.str.contains(r"\['참여'")).any().any()


def test_a_message_over_the_cell_cap_is_quarantined_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "fb.json"
    long = "가" * (io.MAX_TEXT_CHARS + 1)
    path.write_text(
        json.dumps({"data": [_fb(1, message=long), _fb(2)]}, ensure_ascii=False), encoding="utf-8"
    )
    result = channels.read_channel(path, campaign_id="c")
    accounted(result)
    assert result.data["text"].tolist() == ["댓글 2"]
    assert result.reasons().to_dict() == {"text longer than 20,000 characters": 1}


def test_ingest_writes_masked_text_pseudonyms_and_no_formula(tmp_path: Path) -> None:
    export = tmp_path / "danggeun.csv"
    export.write_text(
        "댓글번호,상위댓글,닉네임,동네,작성일시,내용,좋아요\n"
        "1,,김철수,연수동,2024-05-16 10:00,연락주세요 010-2222-3301 lee3302@naver.com,2\n"
        '2,1,=HYPERLINK("x"),송도동,2024-05-16 10:05,=1+1 신한 110-123-456789,0\n'
        "3,,박영희,연수동,9999-12-31 10:00,날짜가 이상해요 900101-1233304,0\n",
        encoding="utf-8",
    )
    out, rejected = tmp_path / "c.parquet", tmp_path / "rejected.csv"
    result = CliRunner().invoke(
        main, ["ingest", str(export), "--campaign", "c", "--out", str(out), "--quarantine", str(rejected)]
    )
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out).to_csv() + rejected.read_text(encoding="utf-8-sig")
    for secret in (
        "010-2222-3301",
        "lee3302@naver.com",
        "110-123-456789",
        "900101-1233304",
        "김철수",
        "박영희",
    ):
        assert secret not in written
    assert "text" not in pd.read_parquet(out).columns  # the text is text_masked
    cells = [c for row in csv.reader(rejected.open(encoding="utf-8-sig")) for c in row]
    assert not [c for c in cells if c.lstrip().startswith(("=", "+", "-", "@"))]
    loaded = io.load_comments(out)  # what ingest wrote reads back as comments
    assert len(loaded.data) == 2 and loaded.data["text"].str.contains("<전화번호>").any()


def test_every_channel_has_an_export_format_and_every_format_known_channels() -> None:
    covered = {c for shape in channels.EXPORT_FORMATS for c in shape.channels}
    assert covered == set(labels.CHANNELS)
    assert set(labels.CHANNEL_NAMES) == set(labels.CHANNELS)  # each has its name for the reader
    assert [shape.name for shape in channels.EXPORT_FORMATS] == ["graph", "pasted", "template"]
