"""What a report's reader sees instead of the code's names: Korean column headers, class labels, channel
names, and dates without seconds or time zones. One mapping, used by the report's tables and plots.

:func:`for_reader` turns an analysis table into the table a city communications officer reads: internal ids
and token columns are left out (they stay in ``comments_scored.csv``), values and headers are in Korean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from civicnlp.dates import TIMEZONE

__all__ = [
    "CHANNELS",
    "CHANNEL_NAMES",
    "COLUMN_LABELS",
    "INTERNAL_COLUMNS",
    "MODEL_NAMES",
    "NO_AREA",
    "NO_POLICY_AREA",
    "SENTIMENTS",
    "SENTIMENT_NAMES",
    "VALUE_LABELS",
    "channel_name",
    "for_reader",
    "quarantine_reason",
]

#: The channels civicnlp reads exports of, and the sentiment classes, by their names in the data.
CHANNELS = ("facebook", "instagram", "danggeun", "blog")
SENTIMENTS = ("negative", "neutral", "positive")
#: The policy area of a comment the policy-area model is not confident about (about no policy at all).
NO_POLICY_AREA = "정책 무관/기타"
#: Policy areas that name no policy: the model's abstention and the petitions' own catch-all "기타". A report
#: counts the comments with any other area as the ones that got a policy area.
NO_AREA = (NO_POLICY_AREA, "기타")
#: The models civicnlp ships and trains (``civicnlp train NAME``).
MODEL_NAMES = ("sentiment", "policy_area", "news_section", "toxicity", "reply")
CHANNEL_NAMES = {"danggeun": "당근", "facebook": "페이스북", "instagram": "인스타그램", "blog": "블로그"}
SENTIMENT_NAMES = {"negative": "부정", "neutral": "중립", "positive": "긍정"}
#: Labels of the values in a column, by column.
VALUE_LABELS: dict[str, Mapping[str, str]] = {
    "channel": CHANNEL_NAMES,
    "sentiment": SENTIMENT_NAMES,
    "kind": SENTIMENT_NAMES,
    "toxicity": {"none": "없음", "offensive": "공격적", "hate": "혐오", "toxic": "공격·혐오"},
    "reason": {
        "request": "요청",
        "question": "질문",
        "complaint": "불만·요청",
        "complaint+question": "불만·요청+질문",
    },
}
COLUMN_LABELS = {
    "channel": "채널",
    "created_at": "작성 시각",
    "text_masked": "댓글 (개인정보 가림)",
    "text": "댓글",
    "sentiment": "감성",
    "kind": "감성",
    "confidence": "모델 확신도",
    "likes": "공감 수",
    "reason": "사유",
    "policy_area": "정책 분야",
    "toxicity": "공격성",
    "comments": "댓글 수",
    "participants": "참여자 수",
    "repeat_participants": "2회 이상 참여자",
    "entries": "응모 댓글",
    "opinions": "의견 댓글",
    "questions": "질문",
    "complaints": "불만·요청",
    "duplicates": "중복",
    "near_duplicates": "유사 중복",
    "spam": "스팸",
    "entry_share": "응모 비율",
    "n": "댓글 수",
    "share": "비율",
    "net_sentiment": "순감성(긍정−부정)",
    "source_row": "원본 행",
    "source_file": "원본 파일",
    "neighbourhood": "동네",
    "keywords": "핵심어",
    "documents": "댓글 수",
    "theme": "테마",
}
#: Columns a reader's table never shows: ids, pseudonyms and the analysis's own working columns.
INTERNAL_COLUMNS = (
    "comment_id",
    "parent_id",
    "author_id",
    "campaign_id",
    "release_id",
    "tokens",
    "nouns",
    "raw",
    "p_negative",
    "p_neutral",
    "p_positive",
    "p_toxic",
    "p_reply",
)


_REASON_PATTERNS = (
    (re.compile(r"blank (\w+)"), "빈 {}"),
    (re.compile(r"bad (\w+)"), "읽을 수 없는 {}"),
    (re.compile(r"duplicate (\w+)"), "중복된 {}"),
    (re.compile(r"(\w+) outside (\S+)\.\.(\S+)"), "{} 범위 밖({}~{})"),
    (re.compile(r"(\w+) longer than ([\d,]+) characters"), "{}이(가) {}자를 넘음"),
)
_REASONS = {
    "ragged row": "열 개수가 맞지 않는 행",
    "unclosed quote": "닫히지 않은 따옴표",
    "empty after normalization": "정리 후 빈 댓글",
    "deleted comment": "삭제된 댓글",
    "end before start": "종료일이 시작일보다 빠름",
}


def quarantine_reason(reason: object) -> object:
    """A quarantine reason in Korean (``blank text`` -> ``빈 댓글``); one it does not know stays as it is."""
    if not isinstance(reason, str):
        return reason
    if reason in _REASONS:
        return _REASONS[reason]
    for pattern, template in _REASON_PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return template.format(*(_column_name(g) for g in match.groups()))
    return reason


def _column_name(name: str) -> str:
    return {"text": "댓글", "comment_id": "댓글 ID", "campaign_id": "캠페인 ID"}.get(
        name, COLUMN_LABELS.get(name, name)
    )


def channel_name(channel: object) -> str:
    """``facebook`` -> ``페이스북``; a channel civicnlp does not know keeps its own name."""
    return CHANNEL_NAMES.get(str(channel), str(channel))


def for_reader(frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` as a reader's table: internal columns dropped (unless in ``keep``), known values and headers
    in Korean, timestamps as ``2024-05-16 20:40`` (Seoul time)."""
    out = frame.drop(columns=[c for c in INTERNAL_COLUMNS if c in frame.columns and c not in keep])
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = values.dt.tz_convert(TIMEZONE).dt.strftime("%Y-%m-%d %H:%M")
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[column] = values.dt.strftime("%Y-%m-%d %H:%M")
        elif column == "created_at":  # text in quarantined rows: shown as a time where it reads as one
            out[column] = values.map(_as_time)
        elif column in VALUE_LABELS:
            labels = VALUE_LABELS[column]
            out[column] = values.map(lambda v, labels=labels: labels.get(v, quarantine_reason(v)))
    out = out.rename(columns=COLUMN_LABELS)
    return out.loc[:, ~out.columns.duplicated()]  # ``kind`` and ``sentiment`` both read 감성: show it once


def _as_time(value: object) -> object:
    if not isinstance(value, str | pd.Timestamp):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return value
    if pd.isna(stamp):
        return value
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(TIMEZONE)
    return stamp.strftime("%Y-%m-%d %H:%M")
