"""Ingestion: every format and encoding, messy rows to quarantine with a reason, full row accounting."""

from __future__ import annotations

import csv
import json
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from civicnlp import campaigns, io
from civicnlp.cli import main
from civicnlp.dates import parse_datetimes
from civicnlp.exceptions import DataContractError, ParameterError

HEADER = "comment_id,campaign_id,channel,text,created_at,likes"
GOOD = [
    "1,c,danggeun,참여합니다 당첨 기원!,2024-05-16 13:05,3",
    "2,c,facebook,주차 요금 너무 비싸요,2024.05.17,0",
]
LONG = "가" * 200_000
NEXT_EIGHT = [f"{n},c,blog,댓글 {n},2024-05-16,1" for n in range(4, 12)]


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def accounted(result: io.LoadResult) -> None:
    assert result.rows_in == len(result.data) + len(result.quarantine)
    assert f"{result.rows_in:,} rows read" in result.summary()


# name, file bytes, rows kept, {reason: count}
MESSY = [
    ("clean utf-8", csv_text(*GOOD).encode("utf-8"), 2, {}),
    ("utf-8 with BOM", b"\xef\xbb\xbf" + csv_text(*GOOD).encode("utf-8"), 2, {}),
    ("cp949", csv_text(*GOOD).encode("cp949"), 2, {}),
    ("euc-kr", csv_text(*GOOD).encode("euc_kr"), 2, {}),
    ("crlf line ends", csv_text(*GOOD).replace("\n", "\r\n").encode(), 2, {}),
    (
        "ragged rows",
        csv_text(GOOD[0], "3,c,blog,too,many,fields,2024-05-16,1", "4,c,blog", GOOD[1]).encode(),
        2,
        {"ragged row": 2},
    ),
    ("NUL bytes", csv_text("1,c,danggeun,참여\x00합니다,2024-05-16 13:05,3", GOOD[1]).encode(), 2, {}),
    ("control chars", csv_text("1,c,danggeun,참여\x07합\x1b니다\x0b,2024-05-16 13:05,3").encode(), 1, {}),
    (
        "200 KB cell",
        csv_text(f'1,c,blog,"{LONG}",2024-05-16 13:05,0', GOOD[1]).encode(),
        1,
        {"text longer than 20,000 characters": 1},
    ),
    ("20,000-character cell", csv_text(f'1,c,blog,"{LONG[:20_000]}",2024-05-16 13:05,0').encode(), 1, {}),
    ("multi-line cell", csv_text('1,c,blog,"첫 줄\n둘째 줄, 쉼표",2024-05-16 13:05,0').encode(), 1, {}),
    (
        "broken dates",
        csv_text(
            GOOD[0], "3,c,blog,내용,어제,0", "4,c,blog,내용,2024-13-45 25:61,0", "5,c,blog,내용,,0"
        ).encode(),
        1,
        {"bad created_at": 3},
    ),
    (
        "duplicate ids",
        csv_text(GOOD[0], GOOD[0], "1,c,blog,다른 내용,2024-05-18,0", GOOD[1]).encode(),
        2,
        {"duplicate comment_id": 2},
    ),
    (
        "blank text",
        csv_text(GOOD[0], "3,c,blog,,2024-05-16,0", '4,c,blog,"   ",2024-05-16,0').encode(),
        1,
        {"blank text": 2},
    ),
    (
        "blank ids",
        csv_text(GOOD[0], ",c,blog,내용,2024-05-16,0", "5,,blog,내용,2024-05-16,0").encode(),
        1,
        {"blank comment_id": 1, "blank campaign_id": 1},
    ),
    (
        "bad likes",
        csv_text(
            GOOD[0],
            "3,c,blog,내용,2024-05-16,-1",
            "4,c,blog,내용,2024-05-16,많음",
            "5,c,blog,내용,2024-05-16,1.5",
        ).encode(),
        1,
        {"bad likes": 3},
    ),
    ("blank lines", ("\n" + csv_text(GOOD[0], "", GOOD[1]) + "\n\n").encode(), 2, {}),
    (
        "unclosed quote",
        csv_text(GOOD[0], '3,c,blog,"닫히지 않은 따옴표,2024-05-16,1', *NEXT_EIGHT).encode(),
        9,
        {"unclosed quote": 1},
    ),
    (
        "unclosed quote in the last cell",
        csv_text(GOOD[0], '3,c,blog,내용,2024-05-16,"1', GOOD[1]).encode(),
        2,
        {"unclosed quote": 1},
    ),
    (
        "unclosed quote then a multi-line cell",
        csv_text(
            '3,c,blog,"열린 따옴표,2024-05-16,1', '1,c,blog,"첫 줄\n둘째 줄",2024-05-16,0', GOOD[1]
        ).encode(),
        2,
        {"unclosed quote": 1},
    ),
    ("header only", (HEADER + "\n").encode(), 0, {}),
]


@pytest.mark.parametrize(("name", "content", "kept", "reasons"), MESSY, ids=[m[0] for m in MESSY])
def test_messy_csv_rows_are_kept_or_quarantined_with_a_reason(
    tmp_path: Path, name: str, content: bytes, kept: int, reasons: dict[str, int]
) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes(content)
    result = io.load_comments(path)
    accounted(result)
    assert len(result.data) == kept
    assert result.reasons().to_dict() == reasons
    assert result.quarantine["source_row"].between(2, content.count(b"\n") + 1).all()


def test_an_unclosed_quote_is_quarantined_with_its_line_not_swallowing_the_rows_below(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    multi_line = '2,c,blog,"첫 줄\n둘째 줄",2024-05-16,0'
    rows = csv_text(multi_line, '3,c,blog,"닫히지 않은,2024-05-16,1', *NEXT_EIGHT)
    path.write_text("\n\n" + rows, encoding="utf-8")  # blank lines above the header move every line down
    result = io.load_comments(path)
    accounted(result)
    assert result.data["comment_id"].tolist() == ["2", *(str(n) for n in range(4, 12))]
    assert result.data["text"].iloc[0] == "첫 줄\n둘째 줄"
    row = result.quarantine.iloc[0]
    assert (row["source_row"], row["reason"]) == (3, "unclosed quote")
    assert row["raw"] == 'line 6: 3,c,blog,"닫히지 않은,2024-05-16,1'
    with pytest.raises(DataContractError, match="unclosed quote"):
        io.read_table(path)


def test_text_survives_intact(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(
        csv_text(
            f'1,c,blog,"{LONG[:20_000]}",2024-05-16 13:05,0', "2,c,blog,참여\x00합니다,2024-05-16,0"
        ).encode()
    )
    text = io.load_comments(path).data["text"].tolist()
    assert text == [LONG[:20_000], "참여합니다"]


@pytest.mark.parametrize("text", ["부평", "좋아요 ㅋㅋ", "참여합니다", "주차장 유료화 반대합니다"])
@pytest.mark.parametrize("encoding", ["cp949", "euc_kr", "utf-8", "utf-8-sig", "utf-16"])
def test_short_korean_files_decode_right(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(csv_text(f"1,c,blog,{text},2024-05-16,0").encode(encoding))
    assert io.load_comments(path).data["text"].tolist() == [text]


def test_quarantine_keeps_the_input_row_and_its_position(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(csv_text(GOOD[0], "2,c,blog,,2024-05-16,0", "3,c,blog,x,y"), encoding="utf-8")
    q = io.load_comments(path).quarantine
    assert q[["source_row", "reason"]].values.tolist() == [[3, "blank text"], [4, "ragged row"]]
    assert q.loc[0, "comment_id"] == "2"
    assert "3,c,blog,x,y" in q.loc[1, "raw"]


def test_summary_line_names_each_reason(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(
        csv_text(GOOD[0], GOOD[0], "3,c,blog,,2024-05-16,0", "4,c,blog,a,어제,0"), encoding="utf-8"
    )
    assert io.load_comments(path).summary() == (
        "comments.csv: 4 rows read, 1 kept, 3 quarantined"
        " (duplicate comment_id: 1, blank text: 1, bad created_at: 1)"
    )


def test_contract_types(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(csv_text(*GOOD, '3,c,blog,내용,2024-05-16T04:05:00+0000,"1,234"'), encoding="utf-8")
    data = io.load_comments(path).data
    assert str(data["created_at"].dtype) == "datetime64[ns, Asia/Seoul]"
    assert str(data["likes"].dtype) == "Int64"
    assert data["likes"].tolist() == [3, 0, 1234]
    assert data.loc[2, "created_at"] == pd.Timestamp("2024-05-16 13:05", tz="Asia/Seoul")
    assert data["author_id"].isna().all() and data["parent_id"].isna().all()


BAD_FILES = [
    ("empty", "c.csv", b"", "empty"),
    ("whitespace only", "c.csv", b"  \n\n ", "empty"),
    ("png", "c.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
    ("png named xlsx", "c.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
    (
        "random binary",
        "c.csv",
        np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "not a text",
    ),
    ("corrupt xlsx", "c.xlsx", b"PK\x03\x04 not really a zip", "cannot read as XLSX"),
    ("corrupt parquet", "c.parquet", b"PAR1 broken", "cannot read as PARQUET"),
    ("jsonl of non-objects", "c.jsonl", b"[1, 2]\n3\n", "not a JSON Lines table"),
    ("missing columns", "c.csv", "comment_id,내용\n1,참여\n".encode(), "missing required comments column(s)"),
    ("duplicate header", "c.csv", (HEADER + ",text\n").encode(), "repeats column names"),
    (
        "utf-8 and cp949 lines",
        "c.csv",
        csv_text(GOOD[0]).encode()
        + (GOOD[1] + "\n").encode("cp949")
        + "3,c,blog,감사,2024-05-16,0\n".encode(),
        "mixed text encodings: line(s) 3 are not UTF-8 (CP949/EUC-KR?) while line(s) 2, 4 are UTF-8",
    ),
]


@pytest.mark.parametrize(("name", "filename", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_unreadable_files_raise_a_clear_contract_error(
    tmp_path: Path, name: str, filename: str, content: bytes, message: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(DataContractError, match=re.escape(message)):
        io.load_comments(path)


def test_missing_column_error_names_it_and_lists_found_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "comment_id,campaign_id,channel,본문내용,created_at\n1,c,blog,참여,2024-05-16\n", encoding="utf-8"
    )
    with pytest.raises(DataContractError) as err:
        io.load_comments(path)
    assert "['text']" in str(err.value) and "본문내용" in str(err.value)


def test_missing_file_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(DataContractError, match="no such file"):
        io.load_comments(tmp_path / "absent.csv")


KOREAN_EXPORT = (
    "댓글번호,캠페인,채널,내용,작성일시,좋아요\n1,c,danggeun,참여합니다,2024년 5월 16일 오후 1:05,2\n"
)


@pytest.mark.parametrize(
    "columns",
    [
        {
            "comment_id": "댓글번호",
            "campaign_id": "캠페인",
            "channel": "채널",
            "text": "내용",
            "created_at": "작성일시",
        },
        "comment_id=댓글번호, campaign_id=캠페인,channel=채널,text=내용,created_at=작성일시,likes=좋아요",
        None,  # recognised Korean headers
    ],
)
def test_column_mapping(tmp_path: Path, columns: object) -> None:
    path = tmp_path / "export.csv"
    path.write_text(KOREAN_EXPORT, encoding="utf-8")
    data = io.load_comments(path, columns=columns).data  # type: ignore[arg-type]
    assert data.loc[0, "text"] == "참여합니다"
    assert data.loc[0, "created_at"] == pd.Timestamp("2024-05-16 13:05", tz="Asia/Seoul")
    assert data.loc[0, "likes"] == 2


def test_ambiguous_korean_headers_are_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "comment_id,campaign_id,channel,내용,댓글,created_at\n1,c,blog,a,b,2024-05-16\n", encoding="utf-8"
    )
    with pytest.raises(DataContractError, match="text"):
        io.load_comments(path)


@pytest.mark.parametrize(
    ("columns", "message"),
    [("text=없는열", "mapped column"), ("text", "contract_name=column_in_file"), ("=내용", "contract_name")],
)
def test_bad_mappings(tmp_path: Path, columns: str, message: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text(KOREAN_EXPORT, encoding="utf-8")
    with pytest.raises(DataContractError, match=message):
        io.load_comments(path, columns=columns)


def test_campaign_id_fills_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "comment_id,channel,text,created_at\n1,blog,참여,2024-05-16\n2,blog,응모,2024-05-16\n",
        encoding="utf-8",
    )
    result = io.load_comments(path, campaign_id="camp")
    assert result.data["campaign_id"].tolist() == ["camp", "camp"]


FRAME = pd.DataFrame(
    {
        "comment_id": ["a1", "a2", "a1", "a3"],
        "campaign_id": ["c"] * 4,
        "channel": ["danggeun", "facebook", "facebook", "blog"],
        "text": ["참여합니다 😊", "", "복붙", "버스 노선 왜 바꿨나요?"],
        "created_at": ["2024-05-16 13:05", "2024.05.16", "2024/05/17", "2024년 5월 18일 오전 9:30"],
        "likes": [1, 0, 2, 5],
        "extra": ["x", "y", "z", "w"],
    }
)


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".xlsx", ".parquet"])
def test_every_format_reads_the_same(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"comments{suffix}"
    _write(FRAME, path)
    result = io.load_comments(path)
    accounted(result)
    assert result.data["comment_id"].tolist() == ["a1", "a3"]
    assert result.data["text"].tolist() == ["참여합니다 😊", "버스 노선 왜 바꿨나요?"]
    assert result.data["likes"].tolist() == [1, 5]
    assert result.data["extra"].astype(str).tolist() == ["x", "w"]
    assert result.data["created_at"].iloc[1] == pd.Timestamp("2024-05-18 09:30", tz="Asia/Seoul")
    assert result.quarantine[["source_row", "reason"]].values.tolist() == [
        [3 if suffix in (".csv", ".tsv", ".xlsx") else 2, "blank text"],
        [4 if suffix in (".csv", ".tsv", ".xlsx") else 3, "duplicate comment_id"],
    ]


def test_xlsx_and_parquet_native_types(tmp_path: Path) -> None:
    frame = FRAME.assign(
        comment_id=[101, 102, 103, 104],
        created_at=pd.to_datetime(["2024-05-16 13:05"] * 4),
        text=["a", "b", "c", "d"],
    )
    for suffix in (".xlsx", ".parquet"):
        _write(frame, tmp_path / f"c{suffix}")
        data = io.load_comments(tmp_path / f"c{suffix}").data
        assert data["comment_id"].tolist() == ["101", "102", "103", "104"]
        assert (data["created_at"] == pd.Timestamp("2024-05-16 13:05", tz="Asia/Seoul")).all()


def test_jsonl_broken_lines_are_quarantined(tmp_path: Path) -> None:
    good = {
        "comment_id": "1",
        "campaign_id": "c",
        "channel": "instagram",
        "text": "좋아요",
        "created_at": "2024-05-16",
    }
    lines = [json.dumps(good, ensure_ascii=False), '{"comment_id": "2", "text": ', "[1, 2]", ""]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = io.load_comments(path)
    accounted(result)
    assert result.rows_in == 3 and len(result.data) == 1
    assert result.quarantine["reason"].tolist() == ["bad JSON line", "bad JSON line"]
    assert result.quarantine["source_row"].tolist() == [2, 3]


def test_graph_api_page_with_nested_fields(tmp_path: Path) -> None:
    page = {
        "data": [
            {
                "id": "1_2",
                "message": "좋아요!",
                "created_time": "2024-05-16T04:05:07+0000",
                "from": {"id": "u9"},
            },
            {"id": "1_3", "message": "", "created_time": "2024-05-16T05:00:00+0000", "from": {"id": "u8"}},
        ],
        "paging": {"cursors": {"after": "x"}},
    }
    path = tmp_path / "facebook.json"
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    mapping = "comment_id=id,text=message,created_at=created_time,author_id=from.id"
    result = io.load_comments(path, columns=mapping, campaign_id="c", channel="facebook")
    accounted(result)
    assert result.data[["comment_id", "author_id", "channel"]].values.tolist() == [["1_2", "u9", "facebook"]]
    assert result.data.loc[0, "created_at"] == pd.Timestamp("2024-05-16 13:05:07", tz="Asia/Seoul")
    assert result.quarantine["reason"].tolist() == ["blank text"]


def test_read_table_refuses_ragged_rows_but_reads_clean_files(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("내용\t라벨\n좋아요\t1\n별로\t0\n", encoding="cp949")
    frame = io.read_table(path, columns="text=내용,label=라벨")
    assert frame.to_dict("list") == {"text": ["좋아요", "별로"], "label": ["1", "0"]}
    path.write_text("내용\t라벨\n좋아요\t1\t2\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="unparseable rows"):
        io.read_table(path)


DATES = [
    ("2024-05-16 13:05", "2024-05-16 13:05"),
    ("2024-05-16 13:05:09", "2024-05-16 13:05:09"),
    ("2024-05-16T13:05:07.250+09:00", "2024-05-16 13:05:07.25"),
    ("2024-05-16T04:05:07+0000", "2024-05-16 13:05:07"),
    ("2024-05-16T04:05:07Z", "2024-05-16 13:05:07"),
    ("2024-05-16T00:05:00-04:00", "2024-05-16 13:05"),
    ("2024.05.16", "2024-05-16"),
    ("2024. 5. 16.", "2024-05-16"),
    ("2024. 5. 16. 13:05", "2024-05-16 13:05"),
    ("2024.05.16 13:05", "2024-05-16 13:05"),
    ("2024/05/16", "2024-05-16"),
    ("2024년 5월 16일", "2024-05-16"),
    ("2024년 5월 16일 오후 1:05", "2024-05-16 13:05"),
    ("2024년 5월 16일 오전 12:30", "2024-05-16 00:30"),
    ("2024년 5월 16일 오후 12:10", "2024-05-16 12:10"),
    ("2024년 5월 16일 13시 5분", "2024-05-16 13:05"),
    ("2024-05-16 1:05 PM", "2024-05-16 13:05"),
    ("24.5.16", "2024-05-16"),
    ("24.05.16 09:00", "2024-05-16 09:00"),
    ("  2024-05-16  ", "2024-05-16"),
    ("어제", None),
    ("3일 전", None),
    ("5월 16일", None),
    ("2024-13-01", None),
    ("2024-02-30", None),
    ("2024-05-16 25:00", None),
    ("2024-05-16 13:61", None),
    ("2024년 5월 16일 오후 13:05", None),
    ("#VALUE!", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES, ids=[d[0] or "empty" for d in DATES])
def test_date_shapes(text: str, expected: str | None) -> None:
    parsed = parse_datetimes(pd.Series([text], dtype="str")).iloc[0]
    if expected is None:
        assert pd.isna(parsed)
    else:
        assert parsed == pd.Timestamp(expected, tz="Asia/Seoul")


def test_dates_keep_index_and_missing_values() -> None:
    values = pd.Series(["2024.05.16", None, "2024.05.16"], index=[10, 20, 30], dtype="str")
    parsed = parse_datetimes(values)
    assert parsed.index.tolist() == [10, 20, 30]
    assert parsed.isna().tolist() == [False, True, False]
    assert str(parsed.dtype) == "datetime64[ns, Asia/Seoul]"


def test_campaigns_and_releases(tmp_path: Path) -> None:
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "campaign_id,name,start,end,hashtags\n"
        "a,A,2024-05-16,2024-05-24,#태그;참여\n"
        "b,B,2024-06-10,2024-06-01,\n"
        "a,A again,2024-05-16,2024-05-24,\n"
        "c,C,2024-07-01 09:00,2024-07-02 18:00,\n",
        encoding="utf-8",
    )
    result = io.load_campaigns(campaigns)
    accounted(result)
    assert result.data["campaign_id"].tolist() == ["a", "c"]
    assert result.reasons().to_dict() == {"end before start": 1, "duplicate campaign_id": 1}
    assert result.data.loc[0, "end"] == pd.Timestamp("2024-05-24 23:59:59", tz="Asia/Seoul")
    assert result.data.loc[1, "end"] == pd.Timestamp("2024-07-02 18:00", tz="Asia/Seoul")
    releases = tmp_path / "releases.csv"
    releases.write_text(
        "release_id,campaign_id,title,body,published_at\n"
        "r1,a,제목,본문,2024-05-16 09:00\nr2,a,제목,,2024-05-16\n",
        encoding="utf-8",
    )
    loaded = io.load_releases(releases)
    accounted(loaded)
    assert loaded.reasons().to_dict() == {"blank body": 1}


OUTSIDE = "created_at outside 1990-01-01..2100-12-31"


@pytest.mark.parametrize(
    ("created_at", "likes", "reason"),
    [
        ("9999-12-31", "1", OUTSIDE),
        ("0001-01-01", "1", OUTSIDE),
        ("2262-04-12", "1", OUTSIDE),
        ("1989-12-31 23:59", "1", OUTSIDE),
        ("2101-01-01", "1", OUTSIDE),
        ("9999년 12월 31일 오후 1:05", "1", OUTSIDE),
        ("2024-05-16", "99999999999999999999", "bad likes"),
        ("2024-05-16", "9223372036854775808", "bad likes"),
        ("2024-05-16", "1e308", "bad likes"),
        ("2024-05-16", "1" * 300, "likes longer than 200 characters"),
        ("2024-05-16 13:05" + " " * 300, "1", "created_at longer than 200 characters"),
    ],
)
def test_out_of_range_values_quarantine_their_row_only(
    tmp_path: Path, created_at: str, likes: str, reason: str
) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(csv_text(GOOD[0], f"3,c,blog,내용,{created_at},{likes}", GOOD[1]), encoding="utf-8")
    result = io.load_comments(path)
    accounted(result)
    assert result.data["comment_id"].tolist() == ["1", "2"]
    assert result.quarantine[["source_row", "reason"]].values.tolist() == [[3, reason]]


def test_jsonl_counts_that_do_not_fit_int64_are_quarantined(tmp_path: Path) -> None:
    base = '"campaign_id": "c", "channel": "facebook", "text": "좋아요", "created_at": "2024-05-16"'
    path = tmp_path / "c.jsonl"
    path.write_text(
        "\n".join(
            "{" + f'"comment_id": "{n}", {base}, "likes": {likes}' + "}"
            for n, likes in enumerate(["3", "1e308", "99999999999999999999", "-1", "2.0"], start=1)
        ),
        encoding="utf-8",
    )
    result = io.load_comments(path)
    accounted(result)
    assert result.data["likes"].tolist() == [3, 2]
    assert result.quarantine[["source_row", "reason"]].values.tolist() == [
        [2, "bad likes"],
        [3, "bad likes"],
        [4, "bad likes"],
    ]


def test_window_edges_and_the_largest_count_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(
        csv_text("1,c,blog,내용,1990-01-01 00:00,9223372036854775807", "2,c,blog,내용,2100-12-31 23:59,0"),
        encoding="utf-8",
    )
    data = io.load_comments(path).data
    assert data["likes"].tolist() == [2**63 - 1, 0]
    assert data["created_at"].dt.year.tolist() == [1990, 2100]


def test_parquet_timestamps_outside_the_window_are_quarantined(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "comment_id": ["1", "2"],
            "campaign_id": "c",
            "channel": "blog",
            "text": "내용",
            "created_at": pd.to_datetime(["2024-05-16", "9999-12-31"]).as_unit("us"),
            "likes": [1, 2],
        }
    )
    frame.to_parquet(tmp_path / "c.parquet")
    result = io.load_comments(tmp_path / "c.parquet")
    accounted(result)
    assert result.reasons().to_dict() == {OUTSIDE: 1}


def test_campaign_and_release_dates_outside_the_window_are_quarantined(tmp_path: Path) -> None:
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "campaign_id,name,start,end\na,A,2024-05-16,2024-05-24\nb,B,0001-01-01,9999-12-31\n", encoding="utf-8"
    )
    result = io.load_campaigns(campaigns)
    accounted(result)
    assert result.reasons().to_dict() == {"start outside 1990-01-01..2100-12-31": 1}
    releases = tmp_path / "releases.csv"
    releases.write_text(
        "release_id,campaign_id,title,body,published_at\nr1,a,제목,본문,2262-04-12\n", encoding="utf-8"
    )
    reasons = io.load_releases(releases).reasons().to_dict()
    assert reasons == {"published_at outside 1990-01-01..2100-12-31": 1}


def test_long_cells_outside_the_contract_are_quarantined_too(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(
        "comment_id,campaign_id,channel,text,created_at,memo\n"
        f"1,c,blog,내용,2024-05-16,{'x' * 20_001}\n2,c,blog,내용,2024-05-16,{'x' * 20_000}\n",
        encoding="utf-8",
    )
    result = io.load_comments(path)
    accounted(result)
    assert result.reasons().to_dict() == {"memo longer than 20,000 characters": 1}
    assert result.data["comment_id"].tolist() == ["2"]


# ---------------------------------------------------------------- hostile spreadsheets

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx(path: Path, rows: str, dimension: str | None = None) -> Path:
    """A minimal workbook written by hand, so that its sheet XML says exactly what a test needs."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships {_RELS}><Relationship Id="rId1"'
        f' Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_DOC}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships {_RELS}><Relationship Id="rId1"'
        f' Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f"<worksheet {_NS}>{dim}<sheetData>{rows}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in parts.items():
            book.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return path


def _row(number: int, *cells: str, placed: bool = True) -> str:
    def cell(column: str, text: str) -> str:
        where = f' r="{column}{number}"' if placed else ""
        return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'

    return (
        f'<row r="{number}">' + "".join(cell(c, t) for c, t in zip("ABCDE", cells, strict=False)) + "</row>"
    )


_SHEET_HEAD = _row(1, "comment_id", "campaign_id", "channel", "text", "created_at")
_SHEET_ROW = _row(2, "1", "c", "blog", "참여합니다", "2024-05-16 13:05")
_FAR = '<row r="{0}"><c r="{1}{0}" t="inlineStr"><is><t>x</t></is></c></row>'


def _in_a_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    """Load ``path`` in a child process limited to 2 GB and 60 s, so a crash cannot take pytest with it."""
    code = "import sys\nfrom civicnlp import io\nprint(io.load_comments(sys.argv[1]).summary())"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    return subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, preexec_fn=limit
    )


@pytest.mark.parametrize(
    ("rows", "dimension", "message"),
    [
        (_FAR.format(1048576, "XFD"), None, "has cells spanning 1,048,576 rows x 16,384 columns"),
        (_FAR.format(1048576, "XFD"), "A1:E2", "has cells spanning 1,048,576 rows x 16,384 columns"),
        (_FAR.format(2000, "XFD"), None, "has cells spanning 2,000 rows x 16,384 columns"),
        (_FAR.format(8000, "XFD"), None, "has cells spanning 8,000 rows x 16,384 columns"),
        ("", "A1:XFD1048576", "declares 1,048,576 rows x 16,384 columns"),
        ('<row r="300">' + "<c/>" * 16_384 + "</row>", None, "has cells spanning 300 rows x 6,667 columns"),
    ],
    ids=[
        "XFD1048576",
        "XFD1048576 under a false dimension",
        "XFD2000",
        "XFD8000",
        "declared",
        "unplaced cells",
    ],
)
def test_xlsx_spanning_too_many_cells_is_refused_before_loading(
    tmp_path: Path, rows: str, dimension: str | None, message: str
) -> None:
    path = _xlsx(tmp_path / "hostile.xlsx", _SHEET_HEAD + _SHEET_ROW + rows, dimension)
    assert path.stat().st_size < 60_000
    done = _in_a_subprocess(path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "DataContractError: hostile.xlsx: the sheet " + message in done.stderr
    assert f"at most {io.MAX_XLSX_CELLS:,}" in done.stderr


def test_xlsx_within_the_cell_cap_loads(tmp_path: Path) -> None:
    rows = "".join(
        _row(n, str(n), "c", "blog", "내용", "2024-05-16", placed=n % 2 == 0) for n in range(2, 50)
    )
    path = _xlsx(tmp_path / "fine.xlsx", _SHEET_HEAD + rows + _FAR.format(300, "Z"), "A1:E49")
    result = io.load_comments(path)
    accounted(result)
    assert result.rows_kept == 48
    assert result.reasons().to_dict() == {"blank comment_id": 1}


def test_blank_xlsx_rows_are_skipped_as_blank_csv_lines_are(tmp_path: Path) -> None:
    styled = "".join(
        f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/></row>' for n in range(3, 20_003)
    )
    last = _row(20_003, "2", "c", "blog", "두 번째", "2024-05-17")
    path = _xlsx(tmp_path / "styled.xlsx", _SHEET_HEAD + _SHEET_ROW + styled + last, "A1:E20003")
    result = io.load_comments(path)
    accounted(result)
    assert result.rows_in == 2
    assert result.data["comment_id"].tolist() == ["1", "2"]


def test_a_zip_that_is_not_a_workbook_is_a_contract_error(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("readme.txt", "not a workbook")
    with pytest.raises(DataContractError, match=r"c\.xlsx: cannot read as XLSX"):
        io.load_comments(path)


# ---------------------------------------------------------------- CLI


def test_cli_validate(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(csv_text(GOOD[0], "2,c,blog,,2024-05-16,0", "3,c,x"), encoding="utf-8")
    quarantine = tmp_path / "q.csv"
    result = CliRunner().invoke(main, ["validate", str(path), "--quarantine", str(quarantine)])
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip()
        == "comments.csv: 3 rows read, 1 kept, 2 quarantined (blank text: 1, ragged row: 1)"
    )
    assert pd.read_csv(quarantine)["reason"].tolist() == ["blank text", "ragged row"]


def test_cli_validate_quarantine_export_masks_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    blank_with_phone = "2,c,blog,  ,2024-05-16,0"
    ragged_with_mail = "3,c,blog,메일 hong@example.com 로 주세요,2024-05-16,0,extra,fields"
    bad_date_with_phone = "4,c,blog,번호 010-1234-5678 입니다,어제,0"
    rows = (GOOD[0], blank_with_phone, ragged_with_mail, bad_date_with_phone)
    path.write_text(csv_text(*rows), encoding="utf-8")
    quarantine = tmp_path / "q.csv"
    result = CliRunner().invoke(main, ["validate", str(path), "--quarantine", str(quarantine)])
    assert result.exit_code == 0, result.output
    written = quarantine.read_text(encoding="utf-8-sig")
    assert len(pd.read_csv(quarantine)) == 3
    assert "hong@example.com" not in written and "010-1234-5678" not in written
    assert "<이메일>" in written and "<전화번호>" in written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "campaigns"], "missing required campaigns column(s) ['name', 'start', 'end']"),
        (["--columns", "text=내용"], "mapped column(s) ['내용'] not in the file"),
    ],
)
def test_cli_validate_contract_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(csv_text(GOOD[0]), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), *args])
    assert result.exit_code == 2
    assert message in result.output


# ---------------------------------------------------------------- identifiers that name files


@pytest.mark.parametrize(
    "bad",
    ["", "../escaped", "..", "a/b", "/etc/passwd", "alp*", "a?", "[ab]", "x" * 101, "-lead", ".hidden",
     "tab\there", "new\nline", "a..b", "캠페인", "a b"],
)  # fmt: skip
def test_a_campaign_id_that_could_name_another_path_is_refused(bad: str) -> None:
    assert io.campaign_id_problem(bad) is not None
    with pytest.raises(ParameterError, match="campaign_id"):
        io.check_campaign_id(bad)


@pytest.mark.parametrize("good", ["incheon-danggeun-apec-2024", "A1", "x" * 100, "v1.2_final"])
def test_plain_campaign_ids_are_accepted(good: str) -> None:
    assert io.campaign_id_problem(good) is None and io.check_campaign_id(good) == good


def test_inside_refuses_paths_that_leave_the_root(tmp_path: Path) -> None:
    assert io.inside(tmp_path, "a", "b") == (tmp_path / "a" / "b").resolve()
    for parts in (("..", "x"), ("/etc",), ("a", "../../x")):
        with pytest.raises(ParameterError, match="refusing to write outside"):
            io.inside(tmp_path, *parts)


# ---------------------------------------------------------------- the one writer

PERSONAL = ("김철수", "010-2222-3301", "lee3302@naver.com", "900101-1233304", "01022223301")


def hostile_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comment_id": ["c1", "김철수 010-2222-3301", "lee3302@naver.com"],
            "parent_id": [None, "c1", "김철수 010-2222-3301"],
            "author_id": ["김철수", "lee3302@naver.com", "fb_0123456789abcdef"],
            "channel": ["facebook", "\r=1+1", "blog"],
            "text": ["전화 010-2222-3301 주세요", '=HYPERLINK("http://x")', "주민 900101-1233304"],
            "created_at": ["2024-05-16", "900101-1233304", None],
            "likes": [1, 2, 3],
        }
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+82 10", "'+82 10"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =1+1", "'  =1+1"),
        ("＝1+1", "'＝1+1"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("참여합니다 =)", "참여합니다 =)"),
        ("", ""),
    ],
)
def test_neutralize_formulas(cell: str, written: str) -> None:
    out = io.neutralize_formulas(pd.DataFrame({"text_masked": [cell], "likes": [-1]}))
    assert out["text_masked"].iloc[0] == written
    assert out["likes"].iloc[0] == -1  # numbers are not text cells


def test_redact_masks_every_string_column_and_pseudonymises_authors() -> None:
    out = io.redact(hostile_rows(), key="k")
    dumped = out.to_csv()
    assert not [p for p in PERSONAL if p in dumped]
    assert out["author_id"].str.fullmatch(r"[a-z]{2,12}_[0-9a-f]{16}").all()
    assert out.loc[2, "author_id"] == "fb_0123456789abcdef"  # a pseudonym stays as it is
    assert out.loc[0, "comment_id"] == "c1" and out.loc[1, "parent_id"] == "c1"  # plain ids stay
    assert out.loc[2, "parent_id"] == out.loc[1, "comment_id"]  # a reply still points at its parent
    assert out.loc[0, "text_masked"] == "전화 <전화번호> 주세요" and "text" not in out.columns
    assert out["likes"].tolist() == [1, 2, 3]


def test_redact_drops_raw_text_when_the_masked_text_is_there() -> None:
    frame = pd.DataFrame({"text": ["010-1234-5678"], "text_masked": ["<전화번호>"], "likes": [1]})
    assert list(io.redact(frame).columns) == ["text_masked", "likes"]


def test_write_table_csv_is_injection_safe_and_leaks_nothing(tmp_path: Path) -> None:
    path = io.write_table(hostile_rows(), tmp_path / "out.csv", key="k")
    raw = path.read_text(encoding="utf-8-sig")
    assert not [p for p in PERSONAL if p in raw]
    rows = list(csv.reader(raw.splitlines(keepends=True)))  # a CR inside a cell cannot start a row
    assert len(rows) == 4 and all(len(r) == 7 for r in rows)
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    back = pd.read_csv(path, keep_default_na=False)
    assert back["text_masked"].iloc[1].startswith("'=") and back["channel"].iloc[1].startswith("'")
    assert not list(tmp_path.glob(".*partial"))


def test_write_table_parquet_masks_too_and_refuses_other_suffixes(tmp_path: Path) -> None:
    path = io.write_table(hostile_rows(), tmp_path / "sub" / "out.parquet", key="k")
    back = pd.read_parquet(path)
    assert not [p for p in PERSONAL if p in back.to_csv()]
    with pytest.raises(ParameterError, match=r"\.csv or \.parquet"):
        io.write_table(hostile_rows(), tmp_path / "out.xlsx")


def test_write_json_masks_strings_at_any_depth_but_keeps_verbatim_parts(tmp_path: Path) -> None:
    record = {
        "top_keywords": [{"token": "010-2222-3301"}],
        "channels": {"lee3302@naver.com": 3},
        "manifest": {"files": {"comments": "/data/010-2222-3301/comments.csv"}},
    }
    path = io.write_json(record, tmp_path / "summary.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["top_keywords"][0]["token"] == "<전화번호>"
    assert list(back["channels"]) == ["<이메일>"]
    assert back["manifest"]["files"]["comments"] == "/data/<전화번호>/comments.csv"
    path = io.write_json(record, tmp_path / "summary.json", verbatim=("manifest",))
    assert json.loads(path.read_text(encoding="utf-8"))["manifest"] == record["manifest"]


def test_a_bad_campaign_id_in_a_table_is_a_quarantine_row(tmp_path: Path) -> None:
    path = tmp_path / "campaigns.csv"
    rows = ["good-1,좋은,2024-05-16,2024-05-24", "../escaped,탈출,2024-05-16,2024-05-24",
            "alp*,별,2024-05-16,2024-05-24", '"new\nline",줄,2024-05-16,2024-05-24']  # fmt: skip
    path.write_text("campaign_id,name,start,end\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = io.load_campaigns(path)
    accounted(result)
    assert result.data["campaign_id"].tolist() == ["good-1"]
    assert result.quarantine["reason"].tolist() == ["bad campaign_id"] * 3
    assert campaigns.list_campaigns(tmp_path) == ["good-1"]
    comments = tmp_path / "c.csv"
    comments.write_text(csv_text(*GOOD).replace(",c,", ",../x,"), encoding="utf-8")
    assert set(io.load_comments(comments).quarantine["reason"]) == {"bad campaign_id"}
    with pytest.raises(ParameterError, match="campaign_id"):
        io.load_comments(comments, campaign_id="../x")
