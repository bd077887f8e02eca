"""Channel adapters: each campaign channel's own export in, as it comes, one comments table out.

``read_channel`` reads files (or folders of them) and tells their shape apart when ``channel`` is not given:

- **facebook**: Graph API JSON page(s) of a post's comments, ``{"data": [{id, message, created_time,
  from{id, name}, like_count, comments{data[]}}], "paging": ...}``; has ``message``.
- **instagram**: Graph API JSON page(s) of a media's comments, ``{"data": [{id, text, timestamp, username,
  like_count, replies{data[]}}]}``; has ``text``.
- **danggeun, blog**: the CSV/XLSX template (``TEMPLATE_HEADERS``, Korean or English headers); recognised by a
  닉네임 column and no channel column; a 동네 column means danggeun, else the file name must say which.
- **danggeun, blog**: a comment list copied from the web page into a ``.txt`` file (below); a 동네 in its time
  lines means danggeun.
- anything else (CSV/TSV/JSONL/XLSX/Parquet) goes through ``civicnlp.io.load_comments`` and its mapping.

Pasted comment lists: each comment is a nickname line, a time line (``부평동 · 3분 전`` on Danggeun,
``2024. 5. 16. 13:05`` or ``2시간 전`` on the blog), then its text lines. A nickname starting with
``└``, ``↳`` or ``ㄴ`` marks a reply to the last top-level comment above it. ``좋아요 3`` / ``공감 3``
lines give the likes (absent: NA, as the page shows nothing), button lines (``답글쓰기``, ``신고`` ...) are
dropped, and a ``삭제된 댓글입니다`` line is a deleted comment, quarantined as such. Relative times
(방금 전, 3분 전, 2시간 전, 어제, 3일 전, 1주 전, 2개월 전) and year-less dates (5월 16일) are resolved
against ``captured_at``, the moment the page was copied, which pasted text therefore requires; a relative
time is exact only to its unit.

Ids: Graph API ids are kept. Template and pasted comments get ``<channel>-<댓글번호>``, or without a number
``<channel>-<hash of author_id and text>-<n>`` (n counts repeats in the file), so a comment copied in two
overlapping captures is recognised as a duplicate.

Authors: names (and Facebook user ids) become ``pseudonymize``'s keyed HMAC-SHA256 at ingest, as do
``@handle`` mentions of the file's authors: the same person on the same channel gets the same ``author_id``
for a key, and no name reaches the table or its quarantine. The key is written nowhere but its own key file.

Row accounting is io's: every comment object, template row or pasted comment is one row in and ends up in
``data`` or in ``quarantine`` (with ``source_file``, ``source_row`` and a ``reason``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from civicnlp import io
from civicnlp.dates import TIMEZONE, parse_datetimes
from civicnlp.exceptions import CapturedAtRequired, DataContractError, ParameterError
from civicnlp.labels import CHANNELS
from civicnlp.pii import pseudonym_key, pseudonymize

__all__ = [
    "EXPORT_FORMATS",
    "GRAPH_SHAPES",
    "TEMPLATE_HEADERS",
    "ExportFormat",
    "GraphShape",
    "capture_time",
    "channel_summary",
    "export_files",
    "read_channel",
    "resolve_times",
    "summary_lines",
    "write_comments",
]

OUTPUT_COLUMNS = (
    "comment_id",
    "campaign_id",
    "channel",
    "author_id",
    "parent_id",
    "text",
    "created_at",
    "likes",
)
FILE_SUFFIXES = io.TABLE_SUFFIXES  # what a folder is searched for

#: Template columns for Danggeun and blog comments; the first name of each is the one the template documents.
TEMPLATE_HEADERS: dict[str, tuple[str, ...]] = {
    "comment_id": ("댓글번호", "댓글 번호", "번호", "comment_id"),
    "parent_id": ("상위댓글", "상위 댓글", "부모댓글", "parent_id"),
    "author": ("닉네임", "작성자", "nickname", "author"),
    "neighbourhood": ("동네", "neighbourhood", "neighborhood"),
    "created_at": ("작성일시", "작성일", "작성시간", "created_at"),
    "text": ("내용", "댓글", "댓글내용", "text"),
    "likes": ("좋아요", "공감", "likes"),
}
_CHANNEL_HEADERS = ("channel", "채널", "플랫폼", "매체")


@dataclass(frozen=True)
class GraphShape:
    """Where a Graph API export keeps a comment's text and time, and its replies."""

    text: str
    time: str
    nested: str


#: The Graph API export shape of each channel that has one.
GRAPH_SHAPES = {
    "facebook": GraphShape(text="message", time="created_time", nested="comments"),
    "instagram": GraphShape(text="text", time="timestamp", nested="replies"),
}

# ---------------------------------------------------------------- times

_UNITS = {"초": "seconds", "분": "minutes", "시간": "hours", "일": "days", "주": "weeks", "개월": "months"}
_UNITS |= {"달": "months", "년": "years"}
_AGO = r"\d{1,3}\s*(?:초|분|시간|일|주|개월|달|년)\s*전"
_RELATIVE = re.compile(r"(?P<n>\d{1,3})\s*(?P<unit>초|분|시간|일|주|개월|달|년)\s*전")
_DAYS_AGO = {"방금 전": 0, "방금": 0, "어제": 1, "그제": 2, "그저께": 2}
_CLOCK = r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2})?"
_NO_YEAR = re.compile(r"\d{1,2}\s*월\s*\d{1,2}\s*일" + _CLOCK)
_ABSOLUTE = r"\d{2,4}\s*[-./년]\s*\d{1,2}\s*[-./월]\s*\d{1,2}\s*[.일]?" + _CLOCK
_TIME = "|".join(["방금 전", "방금", "어제", "그제", "그저께", _AGO, _NO_YEAR.pattern, _ABSOLUTE])
# "[동네 · ]time[ · 수정됨]": a time line of a pasted comment list
_META = re.compile(
    rf"(?:(?P<hood>[^·•ㆍ\s][^·•ㆍ]{{0,30}}?)\s*[·•ㆍ]\s*)?(?P<time>{_TIME})(?:\s*[·•ㆍ]\s*수정됨)?"
)


def resolve_times(values: pd.Series, captured_at: object = None) -> pd.Series:
    """Dates as pages show them -> ``datetime64[ns, Asia/Seoul]``; relative ones need ``captured_at``.

    Absolute dates go through ``civicnlp.dates.parse_datetimes``; ``방금 전``, ``3분 전``, ``2시간 전``,
    ``어제``, ``3일 전``, ``1주 전``, ``2개월 전``, ``1년 전`` count back from ``captured_at``;
    ``5월 16일`` takes the latest year that is not after ``captured_at``. Without ``captured_at`` those
    give NaT, as does anything unreadable.
    """
    captured = capture_time(captured_at)
    result = parse_datetimes(values)
    if captured is None:
        return result
    text = values.astype("str").str.strip()
    todo = result.isna() & text.notna()
    for raw in text[todo].unique():
        result[todo & (text == raw)] = _resolve_one(raw, captured)
    return result


def _resolve_one(raw: str, captured: pd.Timestamp) -> object:
    """One relative or year-less time -> a Seoul timestamp, or NaT."""
    if raw in _DAYS_AGO:
        return captured - pd.Timedelta(days=_DAYS_AGO[raw])
    relative = _RELATIVE.fullmatch(raw)
    if relative:
        amount: dict[str, Any] = {_UNITS[relative["unit"]]: int(relative["n"])}
        return captured - pd.DateOffset(**amount)  # calendar months: 3월 31일 - 1개월 = 2월 29일
    if _NO_YEAR.fullmatch(raw):
        this_year = parse_datetimes(pd.Series([f"{captured.year}년 {raw}"])).iloc[0]
        if pd.isna(this_year) or this_year <= captured:
            return this_year
        return parse_datetimes(pd.Series([f"{captured.year - 1}년 {raw}"])).iloc[0]
    return pd.NaT


def capture_time(captured_at: object) -> pd.Timestamp | None:
    """``captured_at`` as a Seoul timestamp: a naive value is Seoul time, an aware one is converted."""
    if captured_at is None:
        return None
    if isinstance(captured_at, dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(captured_at)
        return stamp.tz_localize(TIMEZONE) if stamp.tzinfo is None else stamp.tz_convert(TIMEZONE)
    parsed = parse_datetimes(pd.Series([str(captured_at)], dtype="str")).iloc[0]
    if pd.isna(parsed):
        raise ParameterError(
            f"captured_at {captured_at!r} is not a date and time; write it like 2024-05-25 09:30 (Seoul time)"
            " or 2024-05-25T00:30:00+0000"
        )
    return pd.Timestamp(parsed)


# ---------------------------------------------------------------- reading


@dataclass
class _Part:
    """One file before validation.

    ``rows`` go to validation (``reason`` already set for rows rejected while reading, ``author`` holds raw
    names until they are pseudonymised); a plain table arrives validated by io, its rejects in ``quarantine``.
    """

    channel: str
    rows: pd.DataFrame
    quarantine: pd.DataFrame | None = None
    make_ids: bool = False


def read_channel(
    path_or_paths: str | Path | Sequence[str | Path],
    channel: str | None = None,
    *,
    campaign_id: str | None = None,
    captured_at: object = None,
    key: str | bytes | None = None,
    columns: Mapping[str, str] | str | None = None,
) -> io.LoadResult:
    """Read channel exports (files or folders of them) into one validated comments table.

    ``data`` has the contract's columns (``author_id`` pseudonymous, ``created_at`` in Seoul time) plus
    ``neighbourhood`` when an input has one; ``quarantine`` has ``source_file``, ``source_row``, ``reason``.
    All files are validated together, so a comment in two overlapping pages is kept once (the repeat is
    quarantined as ``duplicate comment_id``). ``columns`` is io's column mapping, for plain tables.
    """
    if channel is not None and channel not in CHANNELS:
        raise ParameterError(
            f"unknown channel {channel!r}; known: {', '.join(CHANNELS)} (or none to detect it)"
        )
    if campaign_id is not None:
        io.check_campaign_id(campaign_id)
    paths = list(_expand(path_or_paths))
    if not paths:
        raise ParameterError(f"no export files in {path_or_paths}")
    secret = pseudonym_key(key)
    parts = []
    for path in paths:
        part = _read_one(path, channel, captured_at, columns, campaign_id)
        rows = part.rows.assign(source_file=path.name)
        if part.quarantine is None:
            if len(rows) and campaign_id is None:
                raise ParameterError(
                    f"{path.name}: a {part.channel} export does not name its campaign; pass campaign_id"
                )
            rows = rows.assign(channel=part.channel, campaign_id=campaign_id)
            rows["author_id"] = pseudonymize(rows["author"], part.channel, key=secret)
            rows["text"] = _mask_mentions(rows.pop("author"), rows["author_id"], rows["text"])
            if part.make_ids:
                rows = _with_local_ids(rows, part.channel)
            parts.append(_Part(part.channel, rows))
            continue
        # a plain table: its 작성자/닉네임 column arrives as author_id and may hold names
        rows["author_id"] = pseudonymize(rows["author_id"], rows["channel"].fillna(part.channel), key=secret)
        rejects = part.quarantine.assign(source_file=path.name)
        rejects["channel"] = rejects["channel"].fillna(part.channel) if "channel" in rejects else part.channel
        if "author_id" in rejects:
            rejects["author_id"] = pseudonymize(rejects["author_id"], rejects["channel"], key=secret)
        parts.append(_Part(part.channel, rows, rejects))
    name = ", ".join(p.name for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
    return _finish(parts, name)


def _mask_mentions(names: pd.Series, pseudonyms: pd.Series, text: pd.Series) -> pd.Series:
    """``@handle`` of an author seen in the same file -> ``@<author_id>`` (Instagram replies tag people)."""
    known = {str(n).strip(): str(p) for n, p in zip(names, pseudonyms, strict=True) if pd.notna(p)}
    if not known:
        return text
    return text.str.replace(r"@([\w.]+)", lambda m: "@" + known.get(m.group(1), m.group(1)), regex=True)


def export_files(folder: str | Path) -> list[Path]:
    """The files of a folder that :func:`read_channel` reads (by suffix, hidden files skipped), sorted."""
    return sorted(
        p
        for p in Path(folder).iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FILE_SUFFIXES
    )


def _expand(path_or_paths: str | Path | Sequence[str | Path]) -> Iterator[Path]:
    items = [path_or_paths] if isinstance(path_or_paths, str | Path) else list(path_or_paths)
    for item in map(Path, items):
        if item.is_dir():
            yield from export_files(item)
        elif item.is_file():
            yield item
        else:
            raise ParameterError(f"{item}: no such file or folder")


def _finish(parts: list[_Part], name: str) -> io.LoadResult:
    """Validate every part's rows in one pass (ids are unique across files) and account for every row."""
    frames = [p.rows for p in parts if len(p.rows)]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*OUTPUT_COLUMNS])
    for column in ("reason", "source_row", "source_file"):
        if column not in rows:
            rows[column] = pd.NA
    rejected = rows["reason"].notna()
    todo = rows[~rejected].drop(columns="reason").rename(columns={"source_row": "_source_row"})
    checked = io.validate_comments(todo.reset_index(drop=True), name=name)
    data = checked.data
    order = [*OUTPUT_COLUMNS, *(["neighbourhood"] if "neighbourhood" in data else [])]
    data = data[order].reset_index(drop=True)
    later = checked.quarantine.drop(columns="source_row").rename(columns={"_source_row": "source_row"})
    early = [rows[rejected]] + [p.quarantine for p in parts if p.quarantine is not None and len(p.quarantine)]
    quarantine = pd.concat([*early, later], ignore_index=True)
    if "author" in quarantine:
        quarantine = quarantine.drop(columns="author")
    files = {
        p: i for i, p in enumerate(dict.fromkeys(pd.concat([rows["source_file"], quarantine["source_file"]])))
    }
    quarantine = quarantine.assign(_file=quarantine["source_file"].map(files))
    quarantine = quarantine.sort_values(["_file", "source_row"], kind="stable").drop(columns="_file")
    lead = ["source_file", "source_row", "reason"]
    quarantine = quarantine[[*lead, *[c for c in quarantine.columns if c not in lead]]].reset_index(drop=True)
    rows_in = len(rows) + sum(len(p.quarantine) for p in parts if p.quarantine is not None)
    return io.LoadResult(name=name, data=data, quarantine=quarantine, rows_in=rows_in)


def _read_one(
    path: Path,
    channel: str | None,
    captured_at: object,
    columns: Mapping[str, str] | str | None,
    campaign_id: str | None,
) -> _Part:
    """The first export format that reads ``path`` (:data:`EXPORT_FORMATS`, in order), else a plain table."""
    for shape in EXPORT_FORMATS:
        if shape.may_read(path, channel):
            part = shape.read(path, channel, captured_at)
            if part is not None:
                return part
    named = [shape for shape in EXPORT_FORMATS if channel in shape.channels]
    if named:
        raise DataContractError(
            f"{channel} export {path.name}: expected " + "; or ".join(shape.expected for shape in named)
        )
    try:
        plain = io.load_comments(path, columns=columns, campaign_id=campaign_id, channel=channel)
    except DataContractError as exc:
        if channel is None:
            raise
        raise DataContractError(f"{channel} export {exc}") from exc
    label = channel or "table"
    rows = plain.data.copy()
    rows["reason"] = rows["source_row"] = pd.NA  # io's data carries no row numbers
    return _Part(label, rows, plain.quarantine)


# ---------------------------------------------------------------- Graph API pages


def _graph_page(path: Path, channel: str | None) -> _Part | None:
    """A Facebook/Instagram comments page, or None when the file is not one and no channel was asked for."""
    shapes = [GRAPH_SHAPES[channel]] if channel in GRAPH_SHAPES else list(GRAPH_SHAPES.values())
    keys = " or ".join(f"'{shape.text}' and '{shape.time}'" for shape in shapes)
    expected = f'expected a Graph API page {{"data": [comments with \'id\', {keys}], "paging": ...}}'
    try:
        page = io.parse_json(io.decode_text(path.read_bytes(), path.name), path.name)
    except json.JSONDecodeError as exc:
        if channel is None:
            return None  # maybe JSON Lines, which io reads
        raise DataContractError(f"{channel} export {path.name}: broken JSON ({exc}); {expected}") from exc
    if not (isinstance(page, dict) and isinstance(page.get("data"), list)):
        if channel is None:
            return None
        raise DataContractError(f"{channel} export {path.name}: not a Graph API page; {expected}")
    records = page["data"]
    found = _detect_graph(records)
    if channel is None:
        if records and found is None:
            return None  # some other {"data": [...]} table, for io's column mapping
        channel = found or "facebook"  # an empty last page: no rows, whichever it is
    elif records and found != channel:
        seen = sorted({k for r in records if isinstance(r, dict) for k in r})
        raise DataContractError(f"{channel} export {path.name}: {expected}; found keys {seen}")
    return _Part(channel, _graph_rows(records, channel))


def _detect_graph(records: list[Any]) -> str | None:
    """The Graph channel most comment objects look like (by their text and time keys), if any."""
    votes = Counter(
        name
        for record in records
        if isinstance(record, dict)
        for name, shape in GRAPH_SHAPES.items()
        if shape.text in record or shape.time in record
    )
    return votes.most_common(1)[0][0] if votes else None


#: Replies nested deeper than this below a top-level comment are quarantined (the Graph API nests one level).
MAX_REPLY_DEPTH = 100


def _graph_rows(records: list[Any], channel: str) -> pd.DataFrame:
    """Comments and their nested replies in document order; ``source_row`` counts comment objects from 1.

    Replies may come as a Graph page (``{"data": [...]}``) or as a bare list. They are walked with a stack,
    not recursion, so any depth is read; a reply deeper than ``MAX_REPLY_DEPTH``, a field holding a list or an
    object where one value belongs, and replies that are not a list each become a quarantine row.
    """
    spec = GRAPH_SHAPES[channel]
    rows: list[dict[str, Any]] = []
    todo: list[tuple[Any, str | None, int]] = [(record, None, 0) for record in reversed(records)]
    while todo:
        record, parent, depth = todo.pop()
        number = len(rows) + 1
        if not isinstance(record, dict):
            what = f"not a comment object (a JSON {type(record).__name__})"
            rows.append({"source_row": number, "reason": what})
            continue
        who: dict[str, Any] = record["from"] if isinstance(record.get("from"), dict) else {}
        if channel == "facebook":
            author = who.get("id") or who.get("name")
        else:
            author = record.get("username") or who.get("username") or who.get("id")
        own_parent = record.get("parent")
        fields = {"id": record.get("id"), spec.text: record.get(spec.text), spec.time: record.get(spec.time)}
        fields |= {"like_count": record.get("like_count"), "author": author}
        plural = [
            f"{k} is a JSON {type(v).__name__}" for k, v in fields.items() if isinstance(v, list | dict)
        ]
        reason = (
            f"{plural[0]}, not a single value"
            if plural
            else f"reply nested deeper than {MAX_REPLY_DEPTH} levels"
            if depth > MAX_REPLY_DEPTH
            else pd.NA
        )
        rows.append(
            {
                "source_row": number,
                "reason": reason,
                "comment_id": _text(fields["id"]),
                "parent_id": _text(own_parent.get("id") if isinstance(own_parent, dict) else None)
                or _text(record.get("parent_id"))
                or parent,
                "author": _text(author),
                "text": None if plural else fields[spec.text],
                "created_at": None if plural else _text(fields[spec.time]),
                "likes": None if plural else fields["like_count"],
            }
        )
        nested = record.get(spec.nested)
        replies = nested.get("data") if isinstance(nested, dict) else nested
        if isinstance(replies, list):
            todo.extend((reply, _text(record.get("id")), depth + 1) for reply in reversed(replies))
        elif replies is not None:
            kind = type(replies).__name__
            what = f"unreadable {spec.nested} of comment {number} (a JSON {kind}, not a list)"
            rows.append({"source_row": len(rows) + 1, "reason": what})
    frame = pd.DataFrame(
        rows,
        columns=["source_row", "reason", "comment_id", "parent_id", "author", "text", "created_at", "likes"],
    )
    frame["text"] = frame["text"].astype("str")
    return frame


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, str) and not value.strip()) else str(value)


# ---------------------------------------------------------------- Danggeun / blog template


def _template(path: Path, channel: str | None, captured_at: object) -> _Part | None:
    """The documented CSV/XLSX template, or None for a plain table (when no channel says otherwise)."""
    frame, rejects = io.read_rows(path)
    found = [c for c in frame.columns if c != "source_row"]
    mapping: dict[str, str] = {}
    for target, names in TEMPLATE_HEADERS.items():
        hit = next((c for c in names if c in frame.columns), None)
        if hit is not None:
            mapping[hit] = target
    is_template = ("author" in mapping.values() or "neighbourhood" in mapping.values()) and not any(
        c in frame.columns for c in _CHANNEL_HEADERS
    )
    if channel is None and not is_template:
        return None
    if channel is None:
        channel = _template_channel(path, "neighbourhood" in mapping.values())
    missing = [TEMPLATE_HEADERS[t][0] for t in ("text", "created_at") if t not in mapping.values()]
    if missing:
        raise DataContractError(
            f"{channel} template {path.name}: missing column(s) {missing}; expected headers"
            f" {[names[0] for names in TEMPLATE_HEADERS.values()]} (내용 and 작성일시 required);"
            f" columns found: {found}"
        )
    rows = frame.rename(columns=mapping)
    for target in TEMPLATE_HEADERS:
        if target not in rows:
            rows[target] = pd.NA
    rows = rows[["source_row", *TEMPLATE_HEADERS]].astype({"author": "str", "text": "str"})
    rows["created_at"] = resolve_times(rows["created_at"], captured_at)
    rows["comment_id"] = _prefixed(rows["comment_id"], channel)
    rows["parent_id"] = _prefixed(rows["parent_id"], channel)
    rows["reason"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    if len(rejects):
        # ragged rows: io's raw text would carry the nickname, so only where and why are kept
        rows = pd.concat([rows, rejects[["source_row", "reason"]]], ignore_index=True)
    if rows["neighbourhood"].isna().all():
        rows = rows.drop(columns="neighbourhood")
    return _Part(channel, rows, make_ids=True)


def _looks_delimited(path: Path) -> bool:
    head = io.decode_text(path.read_bytes(), path.name).lstrip().split("\n", 1)[0]
    return "\t" in head or "," in head


def _template_channel(path: Path, has_neighbourhood: bool) -> str:
    if has_neighbourhood:
        return "danggeun"
    lowered = path.stem.lower()
    for channel, hints in (("danggeun", ("danggeun", "karrot", "당근")), ("blog", ("blog", "블로그"))):
        if any(h in lowered for h in hints):
            return channel
    raise DataContractError(
        f"{path.name}: a comments template without a 동네 column could be danggeun or blog; pass the channel"
    )


def _prefixed(values: pd.Series, channel: str) -> pd.Series:
    text = io.text_cells(values)
    return (channel + "-" + text).where(text.notna(), pd.NA)


def _with_local_ids(rows: pd.DataFrame, channel: str) -> pd.DataFrame:
    """Fill missing ids with ``<channel>-<hash of author_id and text>-<n>`` (n: the n-th repeat in the file);
    pasted replies get their parent's id."""
    live = rows["reason"].isna()
    basis = rows["author_id"].fillna("") + "\x1f" + rows["text"].fillna("")
    digest = basis.map(lambda b: hashlib.sha256(b.encode()).hexdigest()[:12])
    repeat = digest[live].groupby(digest[live]).cumcount() + 1
    made = (channel + "-" + digest[live] + "-" + repeat.astype("str")).reindex(rows.index)
    rows = rows.assign(comment_id=rows["comment_id"].fillna(made))
    if "_parent_row" in rows:
        parent = rows.pop("_parent_row")
        has = parent.notna()
        rows["parent_id"] = pd.Series(pd.NA, index=rows.index, dtype="str")
        rows.loc[has, "parent_id"] = rows["comment_id"].to_numpy()[parent[has].astype("int64").to_numpy()]
    return rows


# ---------------------------------------------------------------- comment lists pasted from the web page

_REPLY_MARK = re.compile(r"^(?:[└↳┗]\s*|ㄴ\s+|답글\s*[:：]\s*)")
_LIKES_LINE = re.compile(r"(?:좋아요|공감)\s*(?P<n>\d[\d,]*)")
_BUTTONS = frozenset(
    {
        "답글쓰기",
        "답글 쓰기",
        "답글달기",
        "답글 달기",
        "답글",
        "신고",
        "신고하기",
        "수정",
        "삭제",
        "좋아요",
        "공감",
        "더보기",
        "번역보기",
    }
)
_DELETED = re.compile(r"(?:삭제된|작성자가 삭제한|관리자가 삭제한|비공개|비밀)\s*댓글입니다\.?|삭제된 댓글")


def _pasted(path: Path, channel: str | None, captured_at: object) -> _Part | None:
    """A comment list copied from the page, or None when the text has no comment blocks."""
    lines = [
        line.strip() for line in io.decode_text(path.read_bytes(), path.name).replace("\x00", "").splitlines()
    ]
    metas = [i for i, line in enumerate(lines) if i > 0 and lines[i - 1] and _META.fullmatch(line)]
    if not metas:
        return None
    hoods = [i for i in metas if _META.fullmatch(lines[i])["hood"]]  # type: ignore[index]
    has_hood = bool(hoods)
    if has_hood:  # on a Danggeun page every time line has a 동네: a bare "3일 전" is comment text
        metas = hoods
    channel = channel or ("danggeun" if has_hood else "blog")
    captured = capture_time(captured_at)
    if captured is None:
        raise CapturedAtRequired(
            f"{channel} comment list {path.name}: captured_at is required to resolve times like '3분 전' and"
            " '어제'; pass the moment the page was copied (captured_at= / --captured-at '2024-05-25 09:30')"
        )
    rows: list[dict[str, Any]] = []
    parent: int | None = None
    for k, i in enumerate(metas):
        end = metas[k + 1] - 1 if k + 1 < len(metas) else len(lines)
        meta = _META.fullmatch(lines[i])
        assert meta is not None
        nickname = lines[i - 1]
        reply = bool(_REPLY_MARK.match(nickname))
        likes: int | None = None
        body: list[str] = []
        for number, line in enumerate(lines[i + 1 : end], start=i + 2):
            if _DELETED.fullmatch(line):
                rows.append({"source_row": number, "reason": "deleted comment", "text": line})
            elif (hit := _LIKES_LINE.fullmatch(line)) is not None:
                likes = int(hit["n"].replace(",", ""))
            elif line not in _BUTTONS:
                body.append(line)
        while body and not body[-1]:
            body.pop()
        while body and not body[0]:
            body.pop(0)
        rows.append(
            {
                "source_row": i,  # the nickname's line number (1-based)
                "reason": pd.NA,
                "author": _REPLY_MARK.sub("", nickname).strip(),
                "neighbourhood": meta["hood"],
                "created_at": meta["time"],
                "text": "\n".join(body),
                "likes": likes,
                "_parent_row": parent if reply else None,
            }
        )
        if not reply:
            parent = len(rows) - 1
    frame = pd.DataFrame(rows)
    for column in ("author", "neighbourhood", "created_at", "likes", "_parent_row"):
        if column not in frame:
            frame[column] = pd.NA
    frame = frame.astype({"author": "str", "text": "str", "created_at": "str"})
    frame["created_at"] = resolve_times(frame["created_at"], captured)
    frame["comment_id"] = pd.Series(pd.NA, index=frame.index, dtype="str")
    if not has_hood:
        frame = frame.drop(columns="neighbourhood")
    return _Part(channel, frame, make_ids=True)


# ---------------------------------------------------------------- summary


# ---------------------------------------------------------------- export formats, in the order tried


@dataclass(frozen=True)
class ExportFormat:
    """One shape of channel export: the channels that write it, the file suffixes it comes in, and its reader,
    which returns None when a file is not of this shape and no channel was named. A new channel whose export
    has a known shape is one more name in ``channels``; a new shape is one more :class:`ExportFormat`."""

    name: str
    channels: tuple[str, ...]
    suffixes: tuple[str, ...]
    read: Callable[[Path, str | None, object], _Part | None]
    expected: str

    def may_read(self, path: Path, channel: str | None) -> bool:
        return path.suffix.lower() in self.suffixes and (channel is None or channel in self.channels)


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "graph",
        tuple(GRAPH_SHAPES),
        (".json",),
        lambda path, channel, _captured: _graph_page(path, channel),
        'a Graph API page {"data": [...], "paging": ...}',
    ),
    ExportFormat(
        "pasted",
        ("danggeun", "blog"),
        (".txt", ""),
        _pasted,
        "blocks of a nickname line, a time line ('부평동 · 3분 전' or '2024. 5. 16. 13:05') and the comment's"
        " text lines (a comment list pasted into a .txt file)",
    ),
    ExportFormat(
        "template",
        ("danggeun", "blog"),
        (".csv", ".tsv", ".tab", ".xlsx", ".txt"),
        lambda path, channel, captured: (
            _template(path, channel, captured)
            if path.suffix.lower() != ".txt" or _looks_delimited(path)
            else None
        ),
        f"the CSV/XLSX comments template (headers {', '.join(n[0] for n in TEMPLATE_HEADERS.values())})",
    ),
)


def channel_summary(result: io.LoadResult) -> pd.DataFrame:
    """Per channel: rows read, kept, quarantined, and the first and last kept comment (Seoul time)."""
    kept = result.data.groupby("channel")["created_at"].agg(["size", "min", "max"])
    dropped = (
        result.quarantine["channel"].fillna("unknown").value_counts() if len(result.quarantine) else None
    )
    table = pd.DataFrame(
        {
            "kept": kept["size"],
            "quarantined": dropped if dropped is not None else pd.Series(dtype="int64"),
            "first": kept["min"],
            "last": kept["max"],
        }
    )
    table[["kept", "quarantined"]] = table[["kept", "quarantined"]].fillna(0).astype("int64")
    table.insert(0, "rows_read", table["kept"] + table["quarantined"])
    table.index.name = "channel"
    return table


def summary_lines(result: io.LoadResult) -> list[str]:
    """``facebook: 182 rows read, 179 kept, 3 quarantined; 2024-05-16 00:09 – 2024-05-24 23:10 KST``."""
    lines = []
    for channel, row in channel_summary(result).iterrows():
        span = (
            f"; {row['first']:%Y-%m-%d %H:%M} – {row['last']:%Y-%m-%d %H:%M} KST"
            if pd.notna(row["first"])
            else ""
        )
        lines.append(
            f"{channel}: {row['rows_read']:,} rows read, {row['kept']:,} kept,"
            f" {row['quarantined']:,} quarantined{span}"
        )
    return lines


def write_comments(result: io.LoadResult, out: str | Path, *, quarantine: str | Path | None = None) -> Path:
    """Write ``result.data`` to Parquet and its quarantine to CSV, both through
    :func:`civicnlp.io.write_table` (text PII-masked, authors pseudonymised, formulas neutralised)."""
    target = Path(out)
    if target.suffix.lower() != ".parquet":
        raise ParameterError(f"{target}: the comments table is written as Parquet; name it *.parquet")
    io.write_table(result.data, target)
    if quarantine is not None:
        io.write_table(result.quarantine, quarantine)
    return target
