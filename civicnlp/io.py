"""Read campaigns, releases and comments from common table files and validate them against the data contract.

Every input row ends up in exactly one of ``LoadResult.data`` or ``LoadResult.quarantine`` (with a ``reason``
and its ``source_row``), so ``rows_in == len(data) + len(quarantine)`` always holds.

``source_row`` is the row as a spreadsheet shows it: the header is row 1, so the first data row of a
CSV/TSV/XLSX is row 2; for JSONL it is the line number; for Parquet the record number (from 1).

Decisions worth knowing:

- A comment whose text is blank (empty or whitespace only) is quarantined as ``blank text``: it carries no
  reaction to analyse, and counting it in the quarantine keeps it visible in the data-quality section.
- Of rows sharing an id, the first valid one is kept, later ones are quarantined (``duplicate comment_id``).
- NUL bytes are removed while reading (they are never content); other control characters are kept for
  ``civicnlp.normalize`` to handle.
- A row gets one reason, the first failing check in the order of ``_Spec.checks``.
- Every cell is bounded: free text (``_Spec.free_text`` and columns outside the contract) up to
  ``MAX_TEXT_CHARS``, every other contract column up to ``MAX_FIELD_CHARS``; a longer cell quarantines its row
  (``text longer than 20,000 characters``), it is never cut silently. Dates must lie in
  ``civicnlp.dates.EARLIEST``..``LATEST`` (``created_at outside 1990-01-01..2100-12-31``) and counts must be
  whole numbers from 0 that fit an int64 (else ``bad likes``).
- Hostile files are refused or quarantined before they cost memory or time: an XLSX sheet spanning more
  than ``MAX_XLSX_CELLS`` is refused before it is loaded (``_check_xlsx_size``); blank sheet rows are skipped
  as blank CSV lines are; a quote left open becomes an ``unclosed quote`` row naming its line instead of
  swallowing the rows below; a file mixing UTF-8 and CP949 lines is refused naming them; JSON nested past
  Python's parser is a ``DataContractError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import charset_normalizer
import numpy as np
import pandas as pd

from civicnlp.dates import EARLIEST, LATEST, outside_window, parse_datetimes
from civicnlp.exceptions import DataContractError, ParameterError
from civicnlp.normalize import normalize_series
from civicnlp.pii import mask_pii, pseudonymize

__all__ = [
    "CAMPAIGN_ID_PATTERN",
    "LoadResult",
    "annotated_parts",
    "campaign_id_problem",
    "check_campaign_id",
    "decode_text",
    "file_sha256",
    "inside",
    "load_campaigns",
    "load_comments",
    "load_releases",
    "neutralize_formulas",
    "parse_columns",
    "parse_json",
    "read_rows",
    "read_table",
    "redact",
    "text_cells",
    "validate_campaigns",
    "validate_comments",
    "validate_releases",
    "write_csv_parts",
    "write_generated",
    "write_json",
    "write_parts",
    "write_table",
]

TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
TABLE_SUFFIXES = (*TEXT_SUFFIXES, ".jsonl", ".ndjson", ".json", ".xlsx", ".parquet")
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"PK\x03\x04": "a ZIP archive",
    b"PAR1": "a Parquet file",
}
# Korean export headers recognised without a mapping, used only when exactly one of them is present.
KOREAN_HEADERS: dict[str, tuple[str, ...]] = {
    "comment_id": ("댓글ID", "댓글 ID", "댓글번호", "댓글 번호"),
    "campaign_id": ("캠페인ID", "캠페인 ID", "캠페인"),
    "channel": ("채널", "플랫폼", "매체"),
    "text": ("내용", "댓글", "댓글내용", "댓글 내용", "본문", "text_masked"),
    "created_at": ("작성일시", "작성일", "등록일시", "등록일", "작성시간"),
    "author_id": ("작성자", "작성자ID", "닉네임"),
    "parent_id": ("상위댓글", "부모댓글", "원댓글ID"),
    "likes": ("좋아요", "공감", "좋아요수", "공감수"),
}


@dataclass
class LoadResult:
    """A validated table: ``data`` (contract + extra input columns), ``quarantine``, the input row count."""

    name: str
    data: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int

    @property
    def rows_kept(self) -> int:
        return len(self.data)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)

    def reasons(self) -> pd.Series:
        """Quarantined rows per reason, most frequent first."""
        return self.quarantine["reason"].value_counts()

    def summary(self) -> str:
        """One line: ``comments.csv: 2,104 rows read, 2,071 kept, 33 quarantined (blank text: 20, ...)``."""
        line = (
            f"{self.name}: {self.rows_in:,} rows read, {self.rows_kept:,} kept,"
            f" {self.rows_quarantined:,} quarantined"
        )
        if self.rows_quarantined:
            line += " (" + ", ".join(f"{r}: {c:,}" for r, c in self.reasons().items()) + ")"
        return line


# ---------------------------------------------------------------- reading


def parse_columns(columns: Mapping[str, str] | str | None) -> dict[str, str]:
    """``"text=내용,created_at=작성일시"`` or a mapping -> ``{contract name: name in the file}``."""
    if columns is None:
        return {}
    if isinstance(columns, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in columns.items()}
    mapping = {}
    for item in filter(None, (part.strip() for part in columns.split(","))):
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise DataContractError(f"bad column mapping {item!r}: write it as contract_name=column_in_file")
        mapping[target.strip()] = source.strip()
    return mapping


def read_table(path: str | Path, *, columns: Mapping[str, str] | str | None = None) -> pd.DataFrame:
    """Read CSV/TSV/JSONL/XLSX/Parquet (text encoding detected) and apply a column mapping.

    Rows that cannot be parsed (ragged CSV rows, broken JSON lines) raise a ``DataContractError`` naming them;
    the ``load_*`` functions quarantine such rows instead.
    """
    frame, rejects = read_rows(Path(path))
    if len(rejects):
        rows = ", ".join(str(r) for r in rejects["source_row"].head(10))
        raise DataContractError(
            f"{Path(path).name}: {len(rejects):,} unparseable rows (rows {rows}"
            f"{', ...' if len(rejects) > 10 else ''}: {rejects['reason'].iloc[0]}); "
            "use civicnlp.io.load_comments/load_releases/load_campaigns to quarantine them"
        )
    return _rename(frame.drop(columns="source_row"), parse_columns(columns), Path(path).name)


def read_rows(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A table file as it is (no column mapping or checks) with a ``source_row`` column, and the rows that
    could not be parsed (``source_row``, ``reason``); what the loaders and the channel adapters start from."""
    if not path.is_file():
        raise DataContractError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataContractError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    for magic, what in _MAGIC.items():
        if raw.startswith(magic) and not (
            (magic == b"PK\x03\x04" and suffix == ".xlsx") or (magic == b"PAR1" and suffix == ".parquet")
        ):
            raise DataContractError(
                f"{path.name}: not a table file but {what}; expected one of {TABLE_SUFFIXES}"
            )
    if suffix == ".xlsx":
        _check_xlsx_size(raw, path.name)
    try:
        if suffix == ".xlsx":
            frame = _numbered(pd.read_excel(io.BytesIO(raw), dtype=object, engine="calamine"), start=2)
            blank = ~frame.drop(columns="source_row").apply(_present).any(axis=1)
            return frame[~blank], _no_rejects()  # as blank CSV lines, blank sheet rows are layout, not rows
        if suffix == ".parquet":
            return _numbered(pd.read_parquet(io.BytesIO(raw)), start=1), _no_rejects()
    except Exception as exc:  # calamine/pyarrow raise many types for a corrupt file
        raise DataContractError(f"{path.name}: cannot read as {suffix[1:].upper()}: {exc}") from exc
    text = decode_text(raw, path.name).replace("\x00", "")
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(text, path.name)
    return _read_delimited(text, TEXT_SUFFIXES.get(suffix), path.name)


#: The most cells an XLSX sheet may span, rows x columns counted from A1, as declared and as its cells lie.
MAX_XLSX_CELLS = 2_000_000
#: The most bytes the parts of an XLSX file may unpack to.
MAX_XLSX_BYTES = 256 * 2**20
_CELL_REF = re.compile(r"([A-Z]{0,3})([0-9]{0,7})")


def _check_xlsx_size(raw: bytes, name: str) -> None:
    """Refuse an XLSX file whose first sheet spans more than ``MAX_XLSX_CELLS`` (or that unpacks to more than
    ``MAX_XLSX_BYTES``) before calamine loads it: calamine allocates the whole A1..last-cell rectangle, so one
    stray cell at XFD1048576 in a 5 KB file asks for 512 GB and aborts the process.

    The sheet's XML is streamed: its ``<dimension ref=...>`` is checked, and so is every row and cell, since a
    sheet may have no dimension or a false one.
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(raw))
        unpacked = sum(info.file_size for info in book.infolist())
        if unpacked > MAX_XLSX_BYTES:
            raise DataContractError(
                f"{name}: the XLSX file unpacks to {unpacked:,} bytes, over civicnlp's {MAX_XLSX_BYTES:,}"
            )
        for sheet in _first_sheet(book):
            with book.open(sheet) as stream:
                _check_sheet(stream, name)
    except (zipfile.BadZipFile, KeyError, OSError, expat.ExpatError) as exc:
        raise DataContractError(f"{name}: cannot read as XLSX: {exc}") from exc


def _first_sheet(book: zipfile.ZipFile) -> list[str]:
    """The part holding the workbook's first sheet (what pandas reads), or every worksheet part if the
    workbook does not say."""
    names = book.namelist()
    worksheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    first: list[str] = []
    relations: dict[str, str] = {}

    def on_start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "sheet" and not first:
            first.extend(v for k, v in attrs.items() if k.rsplit(":", 1)[-1] == "id")
        elif local == "Relationship" and "Id" in attrs and "Target" in attrs:
            relations[attrs["Id"]] = attrs["Target"]

    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if part in names:
            parser = expat.ParserCreate()
            parser.StartElementHandler = on_start
            with book.open(part) as stream:
                parser.ParseFile(stream)
    target = relations.get(first[0]) if first else None
    if target is None:
        return worksheets
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return [path] if path in names else worksheets


_TAG = rb"<(?:[\w.-]+:)?%s(?=[\s>/])"
_REF = rb"[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{0,3})\$?([0-9]{0,7})[\"']"
_SHEET_PATTERNS = {
    "cells": re.compile(_TAG % b"c"),
    "placed cells": re.compile(_TAG % b"c" + _REF),
    "rows": re.compile(_TAG % b"row"),
    "placed rows": re.compile(_TAG % b"row" + _REF),
    "dimension": re.compile(_TAG % b"dimension" + rb"[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']"),
}


def _check_sheet(stream: Any, name: str) -> None:
    """Scan a sheet's XML in chunks for its declared and its actual extent (cells that carry their ``r``
    reference); a sheet with cells or rows placed by order alone is walked element by element instead."""
    found = dict.fromkeys(("cells", "placed cells", "rows", "placed rows"), 0)
    rows = columns = 0
    tail = b""
    while chunk := stream.read(1 << 22):
        data = tail + chunk
        cut = data.rfind(b">") + 1
        text, tail = data[:cut], data[cut:]
        for what in ("cells", "rows"):
            found[what] += len(_SHEET_PATTERNS[what].findall(text))
        for what in ("placed cells", "placed rows"):
            refs = _SHEET_PATTERNS[what].findall(text)
            found[what] += len(refs)
            rows = max(rows, *(int(d) for d in {d for _, d in refs} if d), 0)
            letters = {a.decode() for a, _ in refs if a}
            columns = max(columns, *(_cell_position(a, 0, 0)[1] for a in letters), 0)
        declared = _SHEET_PATTERNS["dimension"].findall(text)
        if declared:
            _refuse_extent(*_cell_position(declared[0].decode().split(":")[-1], 1, 1), name, "declares")
        _refuse_extent(rows, columns, name, "has cells spanning")
    if found["cells"] != found["placed cells"] or found["rows"] != found["placed rows"]:
        stream.seek(0)
        _walk_sheet(stream, name)


def _refuse_extent(rows: int, columns: int, name: str, what: str) -> None:
    if rows * columns > MAX_XLSX_CELLS:
        raise DataContractError(
            f"{name}: the sheet {what} {rows:,} rows x {columns:,} columns = {rows * columns:,} cells;"
            f" civicnlp reads at most {MAX_XLSX_CELLS:,}: delete stray cells far from the table"
            " (Ctrl+End shows the last one) or save the comments as CSV"
        )


def _walk_sheet(stream: Any, name: str) -> None:
    """Every row and cell in order, for sheets whose cells do not all say where they are."""
    extent = {"rows": 0, "columns": 0}
    place = {"row": 0, "column": 0}

    def on_start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "row":
            place["row"] = _cell_position(attrs.get("r", ""), place["row"] + 1, 0)[0]
            place["column"] = 0
        elif local == "c":
            row, column = _cell_position(attrs.get("r", ""), place["row"], place["column"] + 1)
            place.update(row=row, column=column)
            extent.update(rows=max(extent["rows"], row), columns=max(extent["columns"], column))
            _refuse_extent(extent["rows"], extent["columns"], name, "has cells spanning")

    parser = expat.ParserCreate()
    parser.StartElementHandler = on_start
    parser.ParseFile(stream)


def _cell_position(ref: str, row: int, column: int) -> tuple[int, int]:
    """``"XFD12"`` -> (12, 16384); a missing part keeps the given row or column."""
    hit = _CELL_REF.fullmatch(ref.strip().replace("$", "").upper())
    if hit is None:
        return row, column
    letters, digits = hit.groups()
    if letters:
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - ord("A") + 1
    return (int(digits) if digits else row), column


def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="str")})


def _numbered(frame: pd.DataFrame, *, start: int) -> pd.DataFrame:
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.insert(0, "source_row", np.arange(start, start + len(frame), dtype="int64"))
    return frame


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then what charset-normalizer finds, asking it about CP949 first.

    EUC-KR is read as its superset CP949. Asking unrestricted first would misread short Korean files
    (it calls some of them Big5 or UTF-16). A file that is UTF-8 on some lines and not on others (rows pasted
    from two exports) is refused naming the lines: one decoding would turn either part into mojibake.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse_mixed(raw, name)
    sample = raw[:200_000]
    best = charset_normalizer.from_bytes(sample, cp_isolation=["cp949"]).best()
    best = best or charset_normalizer.from_bytes(sample).best()
    guessed = best.encoding if best is not None else None
    if guessed is not None:
        encoding = "cp949" if guessed.lower().replace("-", "_") in _KOREAN else guessed
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            text = ""
        if text and _looks_like_text(text):
            return text
    raise DataContractError(
        f"{name}: not a text table: cannot decode it as UTF-8 or CP949/EUC-KR"
        f" (charset-normalizer guessed {guessed or 'nothing'})"
    )


_KOREAN = {"euc_kr", "cp949", "uhc", "ks_c_5601_1987"}


def _refuse_mixed(raw: bytes, name: str) -> None:
    """Raise when some non-ASCII lines are UTF-8 and others are not (a Hangul line in CP949 never is)."""
    utf8, other = [], []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
    if utf8 and other:

        def few(numbers: list[int]) -> str:
            return ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")

        raise DataContractError(
            f"{name}: mixed text encodings: line(s) {few(other)} are not UTF-8 (CP949/EUC-KR?) while"
            f" line(s) {few(utf8)} are UTF-8; save the whole file in one encoding (UTF-8)"
        )


def _looks_like_text(text: str) -> bool:
    sample = text[:20_000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return control <= 0.01 * len(sample)


def _read_delimited(text: str, delimiter: str | None, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    header_line = text.split("\n", 1)[0]
    if delimiter is None or (delimiter == "," and header_line.count("\t") > header_line.count(",")):
        delimiter = max("\t,;", key=header_line.count)
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # the default 128 KiB would reject a long pasted comment
    try:
        rows, broken = _records(text, delimiter)
    except csv.Error as exc:
        raise DataContractError(f"{name}: cannot parse as a delimited table: {exc}") from exc
    finally:
        csv.field_size_limit(limit)
    start = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if start is None:
        raise DataContractError(f"{name}: the file has no header row")
    header = [cell.strip() for cell in rows[start]]
    _check_header(header, name)
    width = len(header)
    body = rows[start + 1 :]
    numbers = np.arange(2, 2 + len(body), dtype="int64")
    lengths = np.fromiter((len(r) for r in body), dtype="int64", count=len(body))
    blank_line = lengths == 0  # csv yields [] for an empty line: a layout artefact, not a row
    unclosed = np.zeros(len(body), dtype="bool")
    unclosed[[i - start - 1 for i in broken]] = True  # the header is never a broken line
    good = (lengths == width) & ~unclosed
    bad = ~good & ~blank_line & ~unclosed
    frame = pd.DataFrame([r for r, ok in zip(body, good, strict=True) if ok], columns=header, dtype="str")
    if not len(frame):
        frame = pd.DataFrame({h: pd.Series(dtype="str") for h in header})
    frame.insert(0, "source_row", numbers[good])
    bad_rows = [r for r, b in zip(body, bad, strict=True) if b]
    ragged = pd.DataFrame(
        {
            "source_row": numbers[bad].astype("int64"),
            "reason": "ragged row",
            "raw": [f"{len(r)} fields, expected {width}: " + delimiter.join(r) for r in bad_rows],
        }
    )
    quotes = pd.DataFrame(
        {
            "source_row": numbers[unclosed].astype("int64"),
            "reason": "unclosed quote",
            "raw": [f"line {broken[int(i) + start + 1]}: {body[i][0]}" for i in np.flatnonzero(unclosed)],
        }
    )
    rejects = pd.concat([ragged, quotes], ignore_index=True) if len(quotes) else ragged
    return frame, rejects.sort_values("source_row", kind="stable").reset_index(drop=True)


def _records(text: str, delimiter: str) -> tuple[list[list[str]], dict[int, int]]:
    """The CSV records of ``text``, and {record index: line number} for lines whose quote never closes.

    A quoted cell may span lines (a comment with line breaks), but a quote left open on line 3 would swallow
    the comments below it into one cell. A record spanning lines is taken as such a swallow when it has the
    wrong number of fields or when one of its later lines is a whole row by itself: then its first line alone
    becomes the record (``[line]``, listed in the dict) and reading starts again on the next line.
    """
    lines = io.StringIO(text, newline="").readlines()
    records: list[list[str]] = []
    broken: dict[int, int] = {}
    width = 0
    start = 0
    while start < len(lines):
        chunk = list(csv.reader((lines[i] for i in range(start, len(lines))), delimiter=delimiter))
        line = start  # where the record being looked at starts
        for k, fields in enumerate(chunk):
            span = 1 + _line_breaks(fields)
            if not width:
                width = len(fields) if any(cell.strip() for cell in fields) else 0
            elif span > 1 and _swallowed(fields, lines[line + 1 : line + span], width, delimiter):
                records.extend(chunk[:k])
                broken[len(records)] = line + 1
                records.append([lines[line].rstrip("\r\n")])
                start = line + 1
                break
            line += span
        else:
            records.extend(chunk)
            break
    return records, broken


def _line_breaks(fields: list[str]) -> int:
    """Line breaks inside a record's cells: the lines it spans, less one."""
    joined = "".join(fields)
    if "\n" not in joined and "\r" not in joined:
        return 0
    return joined.count("\n") + joined.count("\r") - joined.count("\r\n")


def _swallowed(fields: list[str], later: list[str], width: int, delimiter: str) -> bool:
    """Whether a record spanning lines swallowed rows: it has the wrong width, or one of its later lines
    without a quote (so not the line that closes the cell) is a whole row by itself."""
    if len(fields) != width:
        return True
    return any(
        '"' not in line and len(next(csv.reader([line], delimiter=delimiter), [])) == width for line in later
    )


def _check_header(header: list[str], name: str) -> None:
    if len(header) != len(set(header)):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise DataContractError(f"{name}: the header repeats column names {dupes}")


def parse_json(text: str, name: str) -> Any:
    """``json.loads``, with nesting too deep for Python's parser (about 1,000 levels) as a clear error."""
    try:
        return json.loads(text)
    except RecursionError:
        raise DataContractError(
            f"{name}: JSON nested too deeply to read (over about 1,000 levels;"
            " a Graph API page nests fewer than 10)"
        ) from None


def _read_jsonl(text: str, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """JSON Lines, or one JSON array of records, or a Graph API page (``{"data": [...], "paging": ...}``).

    Nested objects are flattened to dotted columns (``from.id``), ready for a column mapping.
    """
    lines: list[tuple[int, Any]] = []
    if text.lstrip()[:1] in ("[", "{"):
        try:
            whole = parse_json(text, name)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict) and isinstance(whole.get("data"), list):
            whole = whole["data"]
        if isinstance(whole, list):
            lines = list(enumerate(whole, start=1))
    if not lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    lines.append((number, parse_json(line, name)))
                except (json.JSONDecodeError, DataContractError):
                    lines.append((number, line))
    good = [(n, rec) for n, rec in lines if isinstance(rec, dict)]
    bad = [
        (n, rec if isinstance(rec, str) else json.dumps(rec)) for n, rec in lines if not isinstance(rec, dict)
    ]
    if not good and bad:
        raise DataContractError(f"{name}: not a JSON Lines table (line {bad[0][0]} is not a JSON object)")
    records = [rec for _, rec in good]
    nested = any(isinstance(value, dict) for rec in records for value in rec.values())
    frame = pd.json_normalize(records) if nested else pd.DataFrame.from_records(records)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.insert(0, "source_row", np.array([n for n, _ in good], dtype="int64"))
    rejects = pd.DataFrame(
        {
            "source_row": np.array([n for n, _ in bad], dtype="int64"),
            "reason": "bad JSON line",
            "raw": [raw for _, raw in bad],
        }
    )
    return frame, rejects


def _rename(frame: pd.DataFrame, mapping: dict[str, str], name: str) -> pd.DataFrame:
    missing = [source for source in mapping.values() if source not in frame.columns]
    if missing:
        raise DataContractError(
            f"{name}: mapped column(s) {missing} not in the file; columns found: {_found(frame)}"
        )
    return frame.rename(columns={source: target for target, source in mapping.items()})


def _found(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "source_row"]


# ---------------------------------------------------------------- validation


#: The longest free-text cell (a comment, a release body, any column outside the contract), in characters.
MAX_TEXT_CHARS = 20_000
#: The longest id, channel, author, date or count cell, in characters.
MAX_FIELD_CHARS = 200
_INT64_MAX = np.iinfo("int64").max


@dataclass(frozen=True)
class _Spec:
    kind: str
    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    nonblank: tuple[str, ...]
    dates: tuple[str, ...]
    counts: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()

    def checks(self) -> tuple[str, ...]:
        return (*self.nonblank, *self.dates, *self.counts)

    def max_chars(self, column: str) -> int:
        contract = (*self.required, *self.optional)
        return MAX_FIELD_CHARS if column in contract and column not in self.free_text else MAX_TEXT_CHARS


COMMENTS = _Spec(
    "comments",
    "comment_id",
    required=("comment_id", "campaign_id", "channel", "text", "created_at"),
    optional=("author_id", "parent_id", "likes"),
    nonblank=("comment_id", "campaign_id", "channel", "text"),
    dates=("created_at",),
    counts=("likes",),
    free_text=("text",),
)
CAMPAIGNS = _Spec(
    "campaigns",
    "campaign_id",
    required=("campaign_id", "name", "start", "end"),
    optional=("channels", "hashtags", "release_id", "captured_at"),
    nonblank=("campaign_id", "name"),
    dates=("start", "end"),
    free_text=("name", "channels", "hashtags"),
)
RELEASES = _Spec(
    "releases",
    "release_id",
    required=("release_id", "campaign_id", "title", "body", "published_at"),
    optional=("department", "url"),
    nonblank=("release_id", "campaign_id", "body"),
    dates=("published_at",),
    free_text=("title", "body", "department", "url"),
)


def load_comments(
    path: str | Path,
    *,
    columns: Mapping[str, str] | str | None = None,
    campaign_id: str | None = None,
    channel: str | None = None,
) -> LoadResult:
    """Read and validate a comments file.

    ``campaign_id`` and ``channel`` fill those columns where they are missing or blank (a one-channel export).
    """
    if campaign_id:
        check_campaign_id(campaign_id)
    fill = {k: v for k, v in (("campaign_id", campaign_id), ("channel", channel)) if v}
    return _load(Path(path), COMMENTS, columns, fill)


def load_campaigns(path: str | Path, *, columns: Mapping[str, str] | str | None = None) -> LoadResult:
    """Read and validate campaigns.csv (``start``/``end`` become Seoul timestamps)."""
    return _load(Path(path), CAMPAIGNS, columns, {})


def load_releases(path: str | Path, *, columns: Mapping[str, str] | str | None = None) -> LoadResult:
    """Read and validate releases (press releases and the city's own posts)."""
    return _load(Path(path), RELEASES, columns, {})


def validate_comments(frame: pd.DataFrame, *, name: str = "comments") -> LoadResult:
    """Validate an in-memory frame (e.g. from ``civicnlp.synthetic``) as ``load_comments`` does."""
    return _validate(_numbered(frame, start=1), _no_rejects(), COMMENTS, name)


def validate_campaigns(frame: pd.DataFrame, *, name: str = "campaigns") -> LoadResult:
    """Validate an in-memory campaigns frame."""
    return _validate(_numbered(frame, start=1), _no_rejects(), CAMPAIGNS, name)


def validate_releases(frame: pd.DataFrame, *, name: str = "releases") -> LoadResult:
    """Validate an in-memory releases frame."""
    return _validate(_numbered(frame, start=1), _no_rejects(), RELEASES, name)


def _load(
    path: Path, spec: _Spec, columns: Mapping[str, str] | str | None, fill: dict[str, str]
) -> LoadResult:
    frame, rejects = read_rows(path)
    frame = _rename(frame, parse_columns(columns), path.name)
    for column, value in fill.items():
        if column not in frame.columns:
            frame[column] = value
        else:
            frame[column] = frame[column].where(_present(frame[column]), value)
    return _validate(frame, rejects, spec, path.name)


def _auto_headers(frame: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    renames = {}
    for target in (*spec.required, *spec.optional):
        if target in frame.columns:
            continue
        hits = [h for h in KOREAN_HEADERS.get(target, ()) if h in frame.columns]
        if len(hits) == 1 and hits[0] not in renames:
            renames[hits[0]] = target
    return frame.rename(columns=renames)


def _validate(frame: pd.DataFrame, rejects: pd.DataFrame, spec: _Spec, name: str) -> LoadResult:
    found = _found(frame)
    frame = _auto_headers(frame, spec)
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise DataContractError(
            f"{name}: missing required {spec.kind} column(s) {missing}; columns found: {found}"
            " (map them: --columns text=내용,created_at=작성일시 on the command line, columns=... in Python)"
        )
    rows_in = len(frame) + len(rejects)
    extra = [c for c in frame.columns if c not in (*spec.required, *spec.optional, "source_row")]
    out = pd.DataFrame(index=frame.index)
    reason = pd.Series(pd.NA, index=frame.index, dtype="str")

    def flag(mask: pd.Series, text: str) -> None:
        nonlocal reason
        reason = reason.where(~(mask & reason.isna()), text)

    for column in (*spec.required, *spec.optional):
        if column in spec.dates:
            out[column] = parse_datetimes(frame[column])
        elif column in spec.counts:
            out[column] = (
                _counts(frame[column]) if column in frame.columns else pd.Series(pd.NA, dtype="Int64")
            )
        elif column in frame.columns:
            out[column] = text_cells(frame[column])
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    for column in _found(frame):
        limit = spec.max_chars(column)
        flag(_longer(frame[column], limit), f"{column} longer than {limit:,} characters")
    for column in spec.checks():
        if column in spec.nonblank:
            flag(out[column].isna(), f"blank {column}")
        elif column in spec.dates:
            unread = out[column].isna() & _present(frame[column])
            outside = outside_window(frame.loc[unread, column]).reindex(frame.index, fill_value=False)
            flag(outside, f"{column} outside {EARLIEST:%Y-%m-%d}..{LATEST:%Y-%m-%d}")
            flag(out[column].isna(), f"bad {column}")
        elif column in frame.columns:
            flag(out[column].isna() & _present(frame[column]), f"bad {column}")
    ids = out["campaign_id"]
    flag(ids.notna() & ids.map(campaign_id_problem, na_action="ignore").notna(), "bad campaign_id")
    if spec is CAMPAIGNS:
        # a date-only end (midnight) means the whole last day: 2024-05-24 -> 2024-05-24 23:59:59
        midnight = out["end"] == out["end"].dt.normalize()
        out["end"] = out["end"].where(~midnight, out["end"] + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))
        flag(out["end"] < out["start"], "end before start")
    flag(_first_valid_seen(out[spec.id_column], reason), f"duplicate {spec.id_column}")
    for column in extra:
        out[column] = frame[column]
    keep = reason.isna()
    data = out[keep].reset_index(drop=True)
    quarantine = frame[~keep].assign(reason=reason[~keep])
    quarantine = pd.concat([quarantine, rejects], ignore_index=True) if len(rejects) else quarantine
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)
    ordered = ["source_row", "reason", *[c for c in quarantine.columns if c not in ("source_row", "reason")]]
    return LoadResult(name=name, data=data, quarantine=quarantine[ordered], rows_in=rows_in)


def _first_valid_seen(ids: pd.Series, reason: pd.Series) -> pd.Series:
    """True where an earlier row with the same id passed every other check (so this one is the repeat)."""
    valid = reason.isna()
    seen = valid.astype("int64").groupby(ids, dropna=False).cumsum() - valid.astype("int64")
    return seen > 0


def _present(values: pd.Series) -> pd.Series:
    return values.notna() & (values.astype("str").str.strip() != "")


def text_cells(values: pd.Series) -> pd.Series:
    """Text cells as ``str``, NA for blanks; whole numbers (ids from XLSX/Parquet) without a ``.0``."""
    if pd.api.types.is_float_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype):
        values = values.map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else v, na_action="ignore"
        )
    text = values.astype("str")
    return text.where(_present(values) & (text.str.strip() != ""), pd.NA)


def _longer(values: pd.Series, limit: int) -> pd.Series:
    """True where a cell is a string of more than ``limit`` characters."""
    if pd.api.types.is_object_dtype(values.dtype):  # spreadsheet and JSON cells: text next to numbers
        return values.map(lambda v: isinstance(v, str) and len(v) > limit).astype("bool")
    if pd.api.types.is_string_dtype(values.dtype):
        return (values.str.len() > limit).fillna(False).astype("bool")
    return pd.Series(False, index=values.index)


def _counts(values: pd.Series) -> pd.Series:
    """Counts as Int64; blank -> NA, and anything but a whole number from 0 to the int64 maximum -> NA
    (flagged by the caller). ``1,234`` and ``3.0`` (a spreadsheet's float) are read as whole numbers; digits
    are read exactly, never through a float."""
    text = values.astype("str").str.strip().str.replace(",", "", regex=False).where(_present(values))
    digits = text.str.extract(r"^\+?0*(\d{1,19})(?:\.0*)?$", expand=False)
    codes, uniques = pd.factorize(digits)
    fits = pd.array([n if (n := int(d)) <= _INT64_MAX else None for d in uniques], dtype="Int64")
    return pd.Series(fits.take(codes, allow_fill=True), index=values.index)


# ---------------------------------------------------------------- identifiers that name files

#: What a campaign id may be: it names files and folders (``comments/<id>.csv``, ``reports/<id>/``).
CAMPAIGN_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_CAMPAIGN_ID = re.compile(CAMPAIGN_ID_PATTERN)


def campaign_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a campaign id (None when it can): ids name paths, so only
    ``[A-Za-z0-9][A-Za-z0-9._-]{0,99}`` without ``..`` is accepted."""
    if not isinstance(value, str) or not value:
        return "campaign_id is empty"
    if _CAMPAIGN_ID.fullmatch(value) is None or ".." in value:
        return f"campaign_id is not {CAMPAIGN_ID_PATTERN} without '..'"
    return None


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes: the fingerprint of an input in a run manifest or a model card."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_campaign_id(value: object) -> str:
    """``value`` if it is a valid campaign id, else a :class:`ParameterError` that shows it escaped."""
    problem = campaign_id_problem(value)
    if problem is not None:
        shown = repr(value)[:80] + ("…" if len(repr(value)) > 80 else "")
        raise ParameterError(f"{problem}: {shown}")
    return str(value)


def inside(root: str | os.PathLike[str], *parts: str) -> Path:
    """``root/parts…``, refused with a :class:`ParameterError` unless it resolves to a path under ``root``."""
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ParameterError(f"refusing to write outside {base}: {'/'.join(parts)!r}")
    return target


# ---------------------------------------------------------------- writing: the one writer of comment data

#: Columns that hold people's names or handles: pseudonymised (keyed hash) on every write.
AUTHOR_COLUMNS = ("author", "author_id", "author_name", "nickname", "user", "user_name")
#: Columns that hold record ids: kept when they are plain ids, otherwise replaced by a keyed hash.
ID_COLUMNS = ("comment_id", "parent_id", "release_id")
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_FORMULA = re.compile(r"\s*[=+\-@＝＋－＠]|[\t\r\n]")


def redact(frame: pd.DataFrame, *, key: str | bytes | None = None) -> pd.DataFrame:
    """A copy of a comments table that may leave civicnlp: as a file, or as a table in a report.

    - ``text`` is never written: it becomes ``text_masked`` (normalized, then masked as every text cell is)
      unless the frame has a ``text_masked`` already;
    - author columns (:data:`AUTHOR_COLUMNS`) are pseudonymised with ingest's keyed hash, one pseudonym per
      distinct name (pseudonyms stay as they are);
    - id columns (:data:`ID_COLUMNS`) keep plain ids that hold no personal data and get a keyed hash otherwise
      (the same value gets the same hash, so replies still point at their parents);
    - every other text cell, in any column, is PII-masked (:func:`civicnlp.pii.mask_pii`).
    Numbers, dates and missing values are left as they are.
    """
    out = frame.copy()
    if "text" in out.columns:
        if "text_masked" not in out.columns:
            out.insert(list(out.columns).index("text"), "text_masked", normalize_series(out["text"]))
        out = out.drop(columns="text")
    for column in out.columns:
        dtype = out[column].dtype
        if not _may_hold_text(dtype):
            continue
        cells = out[column].astype(object).to_numpy(copy=True)
        is_text = np.fromiter((isinstance(v, str) for v in cells), dtype=bool, count=len(cells))
        if not is_text.any():
            continue
        texts = pd.Series(cells[is_text], dtype=object)
        if column in AUTHOR_COLUMNS:  # one name, one pseudonym: the participant counts stay as they were
            safe = pseudonymize(texts, "author", key=key)
        elif column in ID_COLUMNS:
            safe = _safe_ids(texts, key)
        else:
            safe = _mask_cells(texts)
        cells[is_text] = safe.to_numpy(dtype=object)
        kept = pd.Series(cells, index=out.index, name=column, dtype=object)
        out[column] = kept.astype(dtype) if isinstance(dtype, pd.StringDtype) else kept
    return out


def _may_hold_text(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)


def _mask_cells(values: pd.Series) -> pd.Series:
    uniques = values.unique()
    return values.map(dict(zip(uniques, (mask_pii(v) for v in uniques), strict=True)))


def _safe_ids(values: pd.Series, key: str | bytes | None) -> pd.Series:
    uniques = pd.Series(values.unique())
    plain = uniques.map(lambda v: _PLAIN_ID.fullmatch(v) is not None and mask_pii(v) == v).astype(bool)
    hashed = pseudonymize(uniques.where(~plain), "id", key=key)
    safe = uniques.where(plain, hashed)
    return values.map(dict(zip(uniques, safe, strict=True)))


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell a spreadsheet could run gets a leading ``'`` (CSV injection): cells
    starting, after spaces, with ``= + - @`` (or their full-width forms), or with a tab, CR or line feed."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if _may_hold_text(values.dtype):
            values = values.astype(object)
            risky = values.map(lambda v: isinstance(v, str) and _FORMULA.match(v) is not None).astype(bool)
            if risky.any():
                out[column] = values.where(~risky, "'" + values.where(risky, "").astype(str))
    return out


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, key: str | bytes | None = None) -> Path:
    """Write comment data as CSV or Parquet (by extension), the only way civicnlp writes comment data.

    The frame goes through :func:`redact` first. CSV is UTF-8 with a BOM (Excel reads Hangul), every
    non-numeric field quoted (a CR inside a cell cannot start a row) and formula cells neutralised. The file
    is written beside its target and renamed into place, so a reader never sees half a file.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ParameterError(f"cannot write {target.name}: use a .csv or .parquet file name")
    safe = redact(frame, key=key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    if suffix == ".csv":
        _write_csv(safe, partial)
    else:
        safe.to_parquet(partial, index=False)
    partial.replace(target)
    return target


def _write_csv(frame: pd.DataFrame, handle: Any, *, header: bool = True) -> None:
    neutralize_formulas(frame).to_csv(
        handle, index=False, header=header, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC
    )


def write_generated(frame: pd.DataFrame, path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Path:
    """Write a made-up input table as an export holds it: nothing masked, bytes exactly reproducible.

    Only for ``civicnlp.synthetic``'s generated campaigns, whose comments carry invented personal data on
    purpose (reading them exercises the masking); comment data from people goes through :func:`write_table`.
    """
    target = Path(path)
    target.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode(encoding))
    return target


def write_parts(parts: Any, folder: str | os.PathLike[str], *, compute: bool = True) -> Any:
    """Write a Dask DataFrame of comment data as partitioned Parquet, each partition through
    :func:`redact`."""
    meta = redact(parts._meta)
    return parts.map_partitions(redact, meta=meta).to_parquet(str(folder), write_index=False, compute=compute)


def annotated_parts(path: str | os.PathLike[str]) -> list[Path]:
    """The Parquet parts of an annotated output: an ``annotate --engine dask`` folder (its ``annotated/``),
    a folder of Parquet files, or one Parquet file."""
    where = Path(path)
    if (where / "annotated").is_dir():
        where = where / "annotated"
    parts = sorted(where.glob("*.parquet")) if where.is_dir() else [where] if where.is_file() else []
    if not parts:
        raise ParameterError(f"no annotated Parquet at {where} (the --out folder of annotate --engine dask)")
    return parts


def write_csv_parts(parts: Any, path: str | os.PathLike[str]) -> Path:
    """Write a Dask DataFrame as one CSV, one partition in memory at a time, as :func:`write_table` would."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        for i in range(parts.npartitions):
            _write_csv(redact(parts.get_partition(i).compute()), handle, header=i == 0)
    partial.replace(target)
    return target


def write_json(
    record: Mapping[str, Any], path: str | os.PathLike[str], *, verbatim: tuple[str, ...] = ()
) -> Path:
    """Write a record built from comment data (a report's ``summary.json``) as UTF-8 JSON, atomically.

    Every string in it, at any depth, is PII-masked, except under the top-level keys in ``verbatim``: parts
    that hold no comment data and must stay exact (a run manifest's file hashes and paths).
    """

    def masked(value: Any) -> Any:
        if isinstance(value, str):
            return mask_pii(value)
        if isinstance(value, Mapping):
            return {mask_pii(str(k)): masked(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [masked(v) for v in value]
        return value

    safe = {k: (v if k in verbatim else masked(v)) for k, v in record.items()}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(json.dumps(safe, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    partial.replace(target)
    return target
