"""Deterministic synthetic comments for the shipped sample campaigns and for benchmark-sized volumes.

Comments are drawn from a hand-written phrase bank (``resources/sample_phrases.csv``: each phrase written and
labelled by hand with a sentiment and a type), then varied and messed up the way real exports are, at the
rates in ``RATES``:

- variation: a laugh/cry run (ㅋㅋㅋ for neutral/positive, ㅠㅠ for negative), an emoji matching the
  sentiment, spacing errors (all spaces dropped, or doubled), a common typo (되/돼, 있/잇, 합니다/함다 ...),
  trailing ``!!``/``~~``, a campaign hashtag on entries;
- messes: phone numbers and e-mails left for prize delivery (clearly fake: ``010-1234-5678`` variants,
  ``@example.com``), copy-paste and double-posted entries, spam with links, blank comments, broken dates,
  duplicated comment ids, negative likes;
- structure: replies (``parent_id`` of an earlier comment on the same channel), repeat commenters, likes,
  timestamps over the campaign window with peaks on the first day and near the end, busier at lunch and at
  night, written in each channel's export shape (Graph API ``2024-05-16T04:05:12+0000`` for Facebook and
  Instagram, ``2024년 5월 16일 오후 1:05`` for Danggeun, ``2024. 5. 16. 13:05`` for the blog).

The same ``(campaign, n, seed)`` always gives the same frame; ``write_sample`` rebuilds ``data/sample``
byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from civicnlp import io
from civicnlp.channels import GRAPH_SHAPES, capture_time
from civicnlp.dates import TIMEZONE, parse_datetimes
from civicnlp.exceptions import ParameterError
from civicnlp.labels import CHANNELS

__all__ = [
    "COMPOSE_RATES",
    "GENERAL_SHARE",
    "RATES",
    "TYPE_WEIGHTS",
    "compose_texts",
    "generate_comments",
    "load_phrases",
    "sample_campaign_ids",
    "sample_comments",
    "write_exports",
    "write_sample",
]

#: Share of comments affected by each variation or mess (PII: of entries; hashtag: of entries).
RATES: dict[str, float] = {
    "reply": 0.12,
    "laugh": 0.15,
    "emoji": 0.12,
    "spacing": 0.10,
    "typo": 0.05,
    "punctuation": 0.10,
    "hashtag": 0.35,
    "pii_entry": 0.06,
    "pii_other": 0.01,
    "copy_paste": 0.03,
    "spam": 0.02,
    "blank": 0.01,
    "bad_date": 0.003,
    "duplicate_id": 0.002,
    "bad_likes": 0.002,
}

#: How often each comment type is drawn, per campaign theme.
TYPE_WEIGHTS: dict[str, dict[str, float]] = {
    "event": {"entry": 0.55, "opinion": 0.22, "question": 0.14, "complaint": 0.09},
    "transit": {"entry": 0.0, "opinion": 0.38, "question": 0.17, "complaint": 0.45},
    "festival": {"entry": 0.12, "opinion": 0.5, "question": 0.24, "complaint": 0.14},
}
#: Share of an opinion draw that comes from the theme-free ``general`` phrases.
GENERAL_SHARE = 0.3

_EMOJI = {
    "negative": ["😡", "😤", "😞", "🙄", "😢"],
    "neutral": ["🙂", "🤔", "👀"],
    "positive": ["😊", "👍", "❤️", "🙏", "😍", "🎉", "👏"],
}
_TYPOS = [
    ("돼", "되"),
    ("되", "돼"),
    ("있", "잇"),
    ("했", "햇"),
    ("합니다", "함다"),
    ("요", "여"),
    ("습니다", "슴다"),
    ("참여", "참녀"),
]
_PII = [
    " 당첨되면 010-1234-5678로 연락주세요",
    " 연락처 010-0000-1234",
    " 010 1111 2222",
    " 01012345678 입니다",
    " 010.5678.1234 문자주세요",
    " 메일 hong.gildong@example.com",
    " kim1234@example.com 으로 보내주세요",
    " 연락처 010-9999-0000 / lee.inch@example.org",
]
_BLANKS = ["", " ", "  ", "\n"]
_BAD_DATES = ["", "2024-13-45 25:61", "어제", "0000-00-00 00:00", "#VALUE!"]
_BAD_LIKES = ["-1", "-3", "많음"]
_CHANNEL_PREFIX = {"danggeun": "dg", "facebook": "fb", "instagram": "ig", "blog": "bl"}
# Relative comment volume per hour of the day (Seoul): quiet at night, lunch and evening peaks.
_HOURLY = np.array([3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 10, 9, 7, 7, 7, 8, 9, 10, 11, 11, 9, 6], dtype=float)
_DEFAULT_CAMPAIGN: dict[str, Any] = {
    "campaign_id": "synthetic",
    "start": "2024-05-16",
    "end": "2024-05-24",
    "theme": "event",
    "hashtags": "#인천당근이지;참여합니다",
}


@functools.cache
def load_phrases() -> pd.DataFrame:
    """The phrase bank: ``theme``, ``type``, ``sentiment``, ``text`` (one hand-labelled comment a row)."""
    with resources.files("civicnlp").joinpath("resources/sample_phrases.csv").open("rb") as handle:
        return pd.read_csv(handle, dtype="str", keep_default_na=False)


@functools.cache
def _sample_spec() -> dict[str, Any]:
    text = resources.files("civicnlp").joinpath("resources/sample_campaigns.yaml").read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def generate_comments(
    campaign: Mapping[str, Any] | None = None,
    n: int = 1000,
    seed: int = 0,
    *,
    channel_weights: Mapping[str, float] | None = None,
    emoji: bool = True,
    with_labels: bool = False,
    compose: bool = False,
) -> pd.DataFrame:
    """``n`` export-shaped comments (all cells text, as a file would hold them) for ``campaign``.

    ``campaign`` needs ``campaign_id``, ``start``, ``end`` and may give ``theme`` (event/transit/festival),
    ``hashtags`` (``;``-separated, ``#`` ones get appended to entries) and ``channels``. ``emoji=False``
    keeps the text CP949-encodable. ``with_labels`` adds the phrase labels ``sentiment`` and ``comment_type``.
    ``compose=True`` writes volume data whose texts are mostly distinct, as real comment sections at scale
    are (``compose_texts``); the default draws whole phrases (the shipped sample: few distinct texts).
    Run the frame through ``civicnlp.io.validate_comments`` to get the contract types.
    """
    if n < 0:
        raise ParameterError(f"n must be >= 0, got {n}")
    camp = {**_DEFAULT_CAMPAIGN, **{k: v for k, v in (campaign or {}).items() if v is not None}}
    theme = str(camp["theme"])
    if theme not in TYPE_WEIGHTS:
        raise ParameterError(f"unknown theme {theme!r}; expected one of {sorted(TYPE_WEIGHTS)}")
    campaign_id = str(camp["campaign_id"])
    rng = np.random.default_rng([seed, zlib.crc32(campaign_id.encode())])
    weights = _channel_weights(camp, channel_weights)

    phrases = load_phrases()
    pool = phrases[phrases["theme"].isin([theme, "general"])].reset_index(drop=True)
    pick = rng.choice(len(pool), size=n, p=_draw_probabilities(pool, theme))
    text = pool["text"].to_numpy(dtype=object)[pick]
    kind = pool["type"].to_numpy(dtype=object)[pick]
    sentiment = pool["sentiment"].to_numpy(dtype=object)[pick]
    spam_bank = phrases[phrases["theme"] == "spam"].reset_index(drop=True)
    spam = rng.random(n) < RATES["spam"]
    text[spam] = spam_bank["text"].to_numpy(dtype=object)[rng.integers(0, len(spam_bank), spam.sum())]
    kind[spam], sentiment[spam] = "spam", "neutral"
    if compose:
        text = compose_texts(text, pool, pick, ~spam, rng)

    series = pd.Series(text, dtype="str")
    series = _vary(series, kind, sentiment, camp, rng, emoji=emoji)

    channel = rng.choice(list(weights), size=n, p=np.array(list(weights.values())))
    created = _timestamps(camp, n, rng)
    order = np.argsort(created, kind="stable")
    series, kind, sentiment = series.iloc[order].reset_index(drop=True), kind[order], sentiment[order]
    channel, created = channel[order], created[order]

    tag = hashlib.sha1(campaign_id.encode()).hexdigest()[:6]
    prefix = np.array([_CHANNEL_PREFIX.get(c, c[:2]) for c in channel], dtype=object)
    comment_id = prefix + np.array([f"-{tag}-{i:06d}" for i in range(1, n + 1)], dtype=object)
    author = _authors(n, prefix, rng)
    parent = _replies(channel, comment_id, rng)

    # copy-paste: an earlier comment's text again, half by the same author (double post), half by another
    copy = (rng.random(n) < RATES["copy_paste"]) & (np.arange(n) > 0)
    source = (np.arange(n) * rng.random(n)).astype(int)
    series = series.where(~copy, series.to_numpy()[source])
    kind[copy], sentiment[copy] = kind[source[copy]], sentiment[source[copy]]
    same_author = copy & (rng.random(n) < 0.5)
    author[same_author] = author[source[same_author]]
    blank = rng.random(n) < RATES["blank"]
    series = series.where(~blank, rng.choice(_BLANKS, n))
    kind[blank], sentiment[blank] = "blank", "neutral"

    likes = _likes(kind, sentiment, rng)
    created_text = _export_dates(created, channel)
    bad_date = rng.random(n) < RATES["bad_date"]
    created_text[bad_date] = rng.choice(_BAD_DATES, bad_date.sum())
    duplicate = (rng.random(n) < RATES["duplicate_id"]) & (np.arange(n) > 0)
    comment_id[duplicate] = comment_id[(np.flatnonzero(duplicate) * rng.random(duplicate.sum())).astype(int)]

    frame = pd.DataFrame(
        {
            "comment_id": pd.Series(comment_id, dtype="str"),
            "campaign_id": campaign_id,
            "channel": pd.Series(channel, dtype="str"),
            "author_id": pd.Series(author, dtype="str"),
            "parent_id": pd.Series(parent, dtype="str"),
            "text": series,
            "created_at": pd.Series(created_text, dtype="str"),
            "likes": pd.Series(likes, dtype="str"),
        }
    )
    if with_labels:
        frame["sentiment"] = pd.Series(sentiment, dtype="str")
        frame["comment_type"] = pd.Series(kind, dtype="str")
    return frame


#: ``compose=True``: share of entries left as their bare stock phrase (참여합니다... repeat across people),
#: and of the other composed comments that get each extra part.
COMPOSE_RATES: dict[str, float] = {
    "stock_entry": 0.3,
    "opener": 0.5,
    "detail": 1.0,  # places and numbers: what keeps composed comments distinct at a million rows
    "second_phrase": 0.45,
    "third_phrase": 0.12,
    "closer": 0.25,
}
# Fillers carry no cue of their own (no question, complaint, entry or ad words), so a composed comment
# keeps the labels and flags of its phrases.
_PLACES = (
    "부평",
    "송도",
    "구월동",
    "연수동",
    "계양",
    "청라",
    "주안",
    "검단",
    "영종도",
    "논현동",
    "간석동",
    "만수동",
    "부개동",
    "작전동",
    "서창동",
    "동춘동",
    "용현동",
    "학익동",
    "가정동",
    "석남동",
    "신포동",
    "송림동",
    "도화동",
    "십정동",
    "효성동",
)
_OPENERS = (
    "안녕하세요",
    "{place} 주민입니다",
    "{place} 사는 사람인데요",
    "{place}에서 {n}년째 살고 있는데",
    "지나가다 봤는데",
    "아이 둘 키우는 엄마인데요",
    "{age}대 직장인인데",
    "어제 {place} 갔다가 봤어요",
    "솔직히",
    "오랜만에 댓글 남겨요",
    "{place} 토박이로서",
    "퇴근길에 보고",
)
_DETAILS = (
    "{n}번 버스 타고 다녀요",
    "{hour}시쯤 {place} 지나가는데",
    "{month}월 {day}일에 {place} 다녀왔어요",
    "가족 {k}명이서 같이 봤어요",
    "아이가 {k}살이에요",
    "{place}에서 {n}분 걸려요",
    "{place} 쪽 소식이네요",
    "{k}년 전에도 비슷한 거 봤어요",
    "{place} 친구한테도 알려줬어요",
    "친구 {k}명이랑 얘기했어요",
)
_CLOSERS = ("감사합니다", "수고하세요", "좋은 하루 보내세요", "그럼 이만", "잘 봤습니다", "다음에도 볼게요")


def compose_texts(
    text: np.ndarray, pool: pd.DataFrame, pick: np.ndarray, composed: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``text`` (the phrases ``pick`` of ``pool``) with the rows in ``composed``, less a share of stock
    entries, rebuilt from 1–3 phrases of the same type and sentiment with openers, places, numbers and
    closers around them (``COMPOSE_RATES``): most texts become distinct, the labels stay the phrase's."""
    n = len(pick)
    texts = pool["text"].to_numpy(dtype=object)
    text = np.array(text, dtype=object)
    kind = pool["type"].to_numpy(dtype=object)[pick]
    rows = composed & ~((kind == "entry") & (rng.random(n) < COMPOSE_RATES["stock_entry"]))
    group = (pool["type"] + "/" + pool["sentiment"]).to_numpy(dtype=object)
    members = {g: np.flatnonzero(group == g) for g in np.unique(group)}
    draw = {name: rng.random(n) < rate for name, rate in COMPOSE_RATES.items() if name != "stock_entry"}
    opener, detail = rng.integers(0, len(_OPENERS), n), rng.integers(0, len(_DETAILS), n)
    closer = rng.integers(0, len(_CLOSERS), n)
    place, place2 = rng.integers(0, len(_PLACES), n), rng.integers(0, len(_PLACES), n)
    numbers = np.column_stack(
        [
            rng.integers(1, 1000, n),  # bus number or minutes
            rng.integers(2, 7, n),  # age decade
            rng.integers(1, 13, n),  # hour or month
            rng.integers(1, 29, n),  # day
            rng.integers(2, 9, n),  # people, years, age
        ]
    )
    extra = rng.random((n, 2))
    for i in np.flatnonzero(rows):
        fill = {
            "place": _PLACES[place[i]],
            "n": numbers[i, 0],
            "age": numbers[i, 1] * 10,
            "hour": numbers[i, 2],
            "month": numbers[i, 2],
            "day": numbers[i, 3],
            "k": numbers[i, 4],
        }
        same = members[group[pick[i]]]
        parts = [str(text[i])]
        if draw["second_phrase"][i]:
            parts.append(str(texts[same[int(extra[i, 0] * len(same))]]))
            if draw["third_phrase"][i]:
                parts.append(str(texts[same[int(extra[i, 1] * len(same))]]))
        if draw["detail"][i]:
            detail_text = _DETAILS[detail[i]].format(**{**fill, "place": _PLACES[place2[i]]})
            parts.insert(1 if extra[i, 1] < 0.5 else len(parts), detail_text)
        if draw["opener"][i]:
            parts.insert(0, _OPENERS[opener[i]].format(**fill))
        if draw["closer"][i]:
            parts.append(_CLOSERS[closer[i]])
        text[i] = " ".join(parts)
    return np.asarray(text, dtype=object)


def _channel_weights(camp: Mapping[str, Any], given: Mapping[str, float] | None) -> dict[str, float]:
    if given:
        total = float(sum(given.values()))
        return {str(c): float(w) / total for c, w in given.items()}
    channels = _split(camp.get("channels")) or list(_CHANNEL_PREFIX)
    return {c: 1.0 / len(channels) for c in channels}


def _split(value: object) -> list[str]:
    """A ``;``-separated cell (campaigns.csv) or a list (``campaigns.load_campaign(...).info``) as a list."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(";")
    return [str(item).strip() for item in items if str(item).strip()]


def _local_day(value: object) -> pd.Timestamp:
    """Midnight (Seoul, naive) of a date given as text, a naive or a tz-aware timestamp."""
    stamp = pd.Timestamp(str(value))
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(TIMEZONE).tz_localize(None)
    return stamp.normalize()


def _draw_probabilities(pool: pd.DataFrame, theme: str) -> np.ndarray:
    """Each type gets its theme weight, shared by its phrases; general phrases take a share of opinions."""
    type_weight = pool["type"].map(TYPE_WEIGHTS[theme]).fillna(0.0)
    general = pool["theme"] == "general"
    group = pool["type"] + np.where(general, "/general", "")
    share = np.where(general, GENERAL_SHARE, np.where(pool["type"] == "opinion", 1 - GENERAL_SHARE, 1.0))
    p = type_weight.to_numpy() * share / group.map(group.value_counts()).to_numpy()
    return np.asarray(p / p.sum(), dtype=float)


def _vary(
    text: pd.Series,
    kind: np.ndarray,
    sentiment: np.ndarray,
    camp: Mapping[str, Any],
    rng: np.random.Generator,
    *,
    emoji: bool,
) -> pd.Series:
    """Hashtags, typos, spacing errors, PII, laughter, emoji and punctuation, each on a random subset."""
    n = len(text)
    entry = kind == "entry"
    hashtags = [h for h in _split(camp.get("hashtags")) if h.startswith("#")]
    if hashtags:
        mask = entry & (rng.random(n) < RATES["hashtag"])
        text[mask] = text[mask] + " " + rng.choice(hashtags, mask.sum())
    typo_kind = np.where(rng.random(n) < RATES["typo"], rng.integers(0, len(_TYPOS), n), -1)
    for i, (old, new) in enumerate(_TYPOS):
        mask = typo_kind == i
        text[mask] = text[mask].str.replace(old, new, n=1, regex=False)
    spacing = rng.random(n)
    text[spacing < RATES["spacing"] * 0.7] = text[spacing < RATES["spacing"] * 0.7].str.replace(
        " ", "", regex=False
    )
    doubled = (spacing >= RATES["spacing"] * 0.7) & (spacing < RATES["spacing"])
    text[doubled] = text[doubled].str.replace(" ", "  ", n=1, regex=False)
    pii = rng.random(n) < np.where(entry, RATES["pii_entry"], RATES["pii_other"])
    text[pii] = text[pii] + rng.choice(_PII, pii.sum())
    laugh = (rng.random(n) < RATES["laugh"]) & (kind != "spam")
    runs = np.where(sentiment == "negative", "ㅠ", "ㅋ").astype(object) * rng.integers(2, 9, n)
    text[laugh] = text[laugh] + runs[laugh]
    if emoji:
        mood = (rng.random(n) < RATES["emoji"]) & (kind != "spam")
        for label, choices in _EMOJI.items():
            mask = mood & (sentiment == label)
            text[mask] = text[mask] + rng.choice(choices, mask.sum()).astype(object) * rng.integers(
                1, 3, mask.sum()
            )
    punct = rng.random(n) < RATES["punctuation"]
    text[punct] = text[punct] + rng.choice(["!!", "~~", "..", "!!!", "~"], punct.sum())
    return text


def _timestamps(camp: Mapping[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
    """Seoul-local naive datetimes in [start, end]: 35% decaying from day 1, 25% rising into the last days."""
    start = _local_day(camp["start"])
    days = max((_local_day(camp["end"]) - start).days + 1, 1)
    component = rng.choice(3, size=n, p=[0.35, 0.25, 0.40])
    early = rng.exponential(0.8, n)
    late = days - rng.exponential(1.2, n)
    uniform = rng.uniform(0, days, n)
    offset = np.select([component == 0, component == 1], [early, late], uniform)
    day = np.clip(np.floor(offset), 0, days - 1).astype("int64")
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    seconds = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
    return np.asarray(start.to_datetime64() + seconds.astype("timedelta64[s]"), dtype="datetime64[ns]")


def _authors(n: int, prefix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pseudonymous ids: most commenters appear once, a small crowd of regulars comes back often."""
    regulars = max(n // 25, 1)
    weight = 1.0 / np.arange(1, regulars + 1) ** 0.7
    regular = rng.choice(regulars, size=n, p=weight / weight.sum())
    person = np.where(rng.random(n) < 0.12, regular, regulars + rng.integers(0, 4 * n + 1, n))
    hashed = (person.astype("uint64") * np.uint64(2654435761)) % np.uint64(2**32)
    return prefix + np.array([f"_u{h:08x}" for h in hashed.tolist()], dtype=object)


def _replies(channel: np.ndarray, comment_id: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``parent_id`` for a share of comments: one of the 30 previous comments on the same channel."""
    parent = np.full(len(channel), "", dtype=object)
    for name in np.unique(channel):
        rows = np.flatnonzero(channel == name)
        position = np.arange(len(rows))
        reply = (rng.random(len(rows)) < RATES["reply"]) & (position > 0)
        back = np.minimum(rng.integers(1, 31, len(rows)), np.maximum(position, 1))
        parent[rows[reply]] = comment_id[rows[position[reply] - back[reply]]]
    return parent


def _likes(kind: np.ndarray, sentiment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mostly 0-2; opinions and complaints collect more (people like what they agree with)."""
    mean = np.select([kind == "complaint", kind == "opinion", kind == "question"], [4.0, 3.0, 1.0], 0.4)
    mean = mean * np.where(sentiment == "neutral", 0.6, 1.0)
    likes = rng.poisson(rng.gamma(0.7, mean / 0.7)).astype(object).astype(str).astype(object)
    bad = rng.random(len(kind)) < RATES["bad_likes"]
    likes[bad] = rng.choice(_BAD_LIKES, bad.sum())
    return np.asarray(likes, dtype=object)


def _export_dates(created: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Each channel's export date shape (Graph API channels in UTC, the others in Seoul local time)."""
    local = pd.Series(pd.to_datetime(created))
    year, month, day = (
        part.astype(str).to_numpy(dtype=object) for part in (local.dt.year, local.dt.month, local.dt.day)
    )
    hour, minute = local.dt.hour.to_numpy(), local.dt.strftime("%M").to_numpy(dtype=object)
    ampm = np.where(hour < 12, "오전 ", "오후 ").astype(object)
    hour12 = np.where(hour % 12 == 0, 12, hour % 12).astype(str).astype(object)
    shapes = {
        "danggeun": year + "년 " + month + "월 " + day + "일 " + ampm + hour12 + ":" + minute,
        "blog": year + ". " + month + ". " + day + ". " + local.dt.strftime("%H:%M").to_numpy(dtype=object),
        "graph": (local - pd.Timedelta(hours=9)).dt.strftime("%Y-%m-%dT%H:%M:%S+0000").to_numpy(dtype=object),
    }
    out = local.dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)
    for name, mask in (("danggeun", channel == "danggeun"), ("blog", channel == "blog")):
        out[mask] = shapes[name][mask]
    graph = np.isin(channel, ["facebook", "instagram"])
    out[graph] = shapes["graph"][graph]
    return np.asarray(out, dtype=object)


# ---------------------------------------------------------------- the shipped sample


def sample_campaign_ids() -> list[str]:
    """Ids of the shipped sample campaigns, in file order."""
    return [c["campaign_id"] for c in _sample_spec()["campaigns"]]


def sample_comments(campaign_id: str) -> pd.DataFrame:
    """The generated comments of one shipped sample campaign, with their phrase labels (``sentiment``,
    ``comment_type``): what ``write_sample`` writes, before any export shape."""
    found = [c for c in _sample_spec()["campaigns"] if c["campaign_id"] == campaign_id]
    if not found:
        raise ParameterError(f"no sample campaign {campaign_id!r}; known: {', '.join(sample_campaign_ids())}")
    profile = found[0]["comments"]
    return generate_comments(
        found[0],
        profile["n"],
        profile["seed"],
        channel_weights=profile["channel_weights"],
        emoji=profile["emoji"],
        with_labels=True,
    )


def write_sample(out_dir: str | Path) -> list[Path]:
    """Write campaigns.csv, releases.csv, each campaign's comments and labels.csv into ``out_dir``.

    A campaign's comments go to ``comments/<campaign_id>.csv``, or, when its profile says ``exports: true``,
    to ``raw/<campaign_id>/`` in each channel's own export shape (:func:`write_exports`,
    the pasted blog list captured at the campaign's ``captured_at``).
    """
    spec = _sample_spec()
    out = Path(out_dir)
    (out / "comments").mkdir(parents=True, exist_ok=True)
    written = []
    campaigns = pd.DataFrame([{k: v for k, v in c.items() if k != "comments"} for c in spec["campaigns"]])
    written.append(io.write_generated(campaigns, out / "campaigns.csv"))
    written.append(io.write_generated(pd.DataFrame(spec["releases"]), out / "releases.csv"))
    labels = []
    for camp in spec["campaigns"]:
        profile = camp["comments"]
        frame = sample_comments(camp["campaign_id"])
        table = frame.drop(columns=["sentiment", "comment_type"])
        if profile.get("exports"):
            raw = out / "raw" / camp["campaign_id"]
            written += write_exports(table, raw, captured_at=camp["captured_at"])
        else:
            path = out / "comments" / f"{camp['campaign_id']}.csv"
            written.append(io.write_generated(table, path, encoding=profile["encoding"]))
        labels.append(_label_subset(frame, spec["labels_per_campaign"][camp["campaign_id"]], profile["seed"]))
    written.append(io.write_generated(pd.concat(labels, ignore_index=True), out / "labels.csv"))
    return written


def _label_subset(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """A random sample of the comments that pass validation, with their phrase labels."""
    kept = io.validate_comments(frame.drop(columns=["sentiment", "comment_type"])).data["comment_id"]
    candidates = frame[frame["comment_id"].isin(kept)].drop_duplicates("comment_id")
    chosen = candidates.sample(n=min(size, len(candidates)), random_state=seed).sort_values("comment_id")
    return chosen[["comment_id", "campaign_id", "channel", "text", "sentiment", "comment_type"]]


# ---------------------------------------------------------------- the sample as channels export it

_FB_POST = "104523671234567"
_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = (
    "민준",
    "서연",
    "도윤",
    "하은",
    "지호",
    "수아",
    "예준",
    "지유",
    "현우",
    "채원",
    "은지",
    "태희",
    "승민",
    "유나",
)
_NICK_A = (
    "인천",
    "송도",
    "부평",
    "연수",
    "구월동",
    "청라",
    "검단",
    "주안",
    "강화",
    "영종",
    "계산동",
    "만수동",
)
_NICK_B = (
    "토박이",
    "주민",
    "댁",
    "고양이",
    "아빠",
    "맘",
    "러버",
    "산책러",
    "라이더",
    "새내기",
    "지킴이",
    "곰",
)
_HOODS = (
    "부평동",
    "송도동",
    "연수동",
    "구월동",
    "청라동",
    "주안동",
    "계산동",
    "만수동",
    "검단동",
    "영종동",
    "간석동",
)


def _pick(author: str, options: Sequence[str], salt: str) -> str:
    return options[int(hashlib.sha256(f"{salt}:{author}".encode()).hexdigest(), 16) % len(options)]


def _sample_name(author: str, channel: str) -> str:
    """A made-up display name per pseudonymous sample author (the sample's authors have no names)."""
    tail = hashlib.sha256(author.encode()).hexdigest()
    if channel == "facebook":
        return _pick(author, _SURNAMES, "s") + _pick(author, _GIVEN, "g")
    if channel == "instagram":
        return f"{_pick(author, ('sky', 'sea', 'icn', 'day', 'moon', 'walk'), 'i')}_{tail[:5]}"
    return (
        _pick(author, _NICK_A, "a")
        + _pick(author, _NICK_B, "b")
        + ("" if int(tail[0], 16) < 10 else tail[1:3])
    )


def write_exports(comments: pd.DataFrame, out_dir: str | Path, *, captured_at: object) -> list[Path]:
    """Write a comments table (the contract's columns, as text) in each channel's own shape (deterministic).

    facebook: two Graph API pages overlapping by three comments; instagram: one page; danggeun: the CSV
    template; blog: a list pasted at ``captured_at`` (Seoul time), so the last day shows as ``N시간 전`` and a
    blank comment as deleted. Replies nest under their thread's first comment (two levels, as the pages show
    them). Display names are made up from the pseudonymous ``author_id``s. This is how ``civicnlp sample``
    writes the sample campaign's ``raw/`` folder.
    """
    captured = capture_time(captured_at)
    if captured is None:
        raise ParameterError(
            "write_exports needs captured_at: the pasted blog list shows times relative to it"
        )
    table = comments.astype("str").fillna("")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for channel in CHANNELS:
        rows: list[dict[str, str]] = [
            {str(k): str(v) for k, v in r.items()}
            for r in table[table["channel"] == channel].to_dict("records")
        ]
        if not rows:
            continue
        if channel in GRAPH_SHAPES:
            written += _write_graph(_threads(rows), channel, out)
        elif channel == "danggeun":
            written.append(_write_template(rows, out / "danggeun.csv"))
        else:
            written.append(_write_pasted(_threads(rows), out / "blog.txt", captured))
    return written


_Row = dict[str, str]


def _threads(rows: list[_Row]) -> list[tuple[_Row, list[_Row]]]:
    """Top-level comments in file order, each with the replies anywhere below it in its thread."""
    parent = {r["comment_id"]: r["parent_id"] for r in rows}

    def root(cid: str) -> str:
        seen = {cid}
        while parent.get(cid) and parent[cid] in parent and parent[cid] not in seen:
            cid = parent[cid]
            seen.add(cid)
        return cid

    replies: dict[str, list[_Row]] = {}
    top = []
    for row in rows:
        ancestor = root(row["comment_id"])
        if ancestor == row["comment_id"]:
            top.append(row)
        else:
            replies.setdefault(ancestor, []).append(row)
    return [(row, replies.get(row["comment_id"], [])) for row in top]


def _number(comment_id: str) -> int:
    return int(comment_id.rsplit("-", 1)[-1])


def _write_graph(threads: list[tuple[_Row, list[_Row]]], channel: str, out: Path) -> list[Path]:
    shape = GRAPH_SHAPES[channel]

    def record(row: _Row) -> dict[str, Any]:
        name = _sample_name(row["author_id"], channel)
        rec: dict[str, Any]
        if channel == "facebook":
            rec = {"id": f"{_FB_POST}_{1_000_000_000_000 + _number(row['comment_id'])}"}
        else:
            rec = {"id": str(17_900_000_000_000_000 + _number(row["comment_id"]))}
        rec[shape.text] = row["text"]
        rec[shape.time] = row["created_at"]
        if channel == "facebook":
            rec["from"] = {"id": str(7_300_000_000_000_000 + int(row["author_id"][4:], 16)), "name": name}
        else:
            rec["username"] = name
        rec["like_count"] = int(row["likes"]) if row["likes"].isdigit() else row["likes"]
        return rec

    comments = []
    for top, replies in threads:
        rec = record(top)
        if replies:
            rec[shape.nested] = {"data": [record(r) for r in replies]}
        comments.append(rec)
    if channel == "instagram":
        pages = [comments]
    else:  # a re-fetched cursor repeats a few comments
        half = len(comments) // 2
        pages = [comments[:half], comments[half - 3 :]]
    paths = []
    for n, page in enumerate(pages, start=1):
        paging: dict[str, Any] = {"cursors": {"before": f"QVFI{n}a", "after": f"QVFI{n}b"}}
        if n < len(pages):
            paging["next"] = f"https://graph.facebook.com/v19.0/{_FB_POST}/comments?after=QVFI{n}b"
        path = out / (f"{channel}-page-{n}.json" if len(pages) > 1 else f"{channel}.json")
        body = json.dumps({"data": page, "paging": paging}, ensure_ascii=False, indent=1)
        path.write_text(body + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _write_template(rows: list[_Row], path: Path) -> Path:
    table = pd.DataFrame(
        {
            "댓글번호": [str(_number(r["comment_id"])) for r in rows],
            "상위댓글": [str(_number(r["parent_id"])) if r["parent_id"] else "" for r in rows],
            "닉네임": [_sample_name(r["author_id"], "danggeun") for r in rows],
            "동네": [_pick(r["author_id"], _HOODS, "h") for r in rows],
            "작성일시": [r["created_at"] for r in rows],
            "내용": [r["text"] for r in rows],
            "좋아요": [r["likes"] for r in rows],
        }
    )
    return io.write_generated(table, path)


def _write_pasted(threads: list[tuple[_Row, list[_Row]]], path: Path, captured: pd.Timestamp) -> Path:
    lines = [f"댓글 {sum(1 + len(replies) for _, replies in threads)}", ""]

    def block(row: _Row, reply: bool) -> None:
        if not row["text"].strip():
            lines.extend(["삭제된 댓글입니다.", ""])
            return
        shown = row["created_at"]
        stamp = parse_datetimes(pd.Series([shown], dtype="str")).iloc[0]
        age = captured - stamp if pd.notna(stamp) else None
        if age is not None and pd.Timedelta(0) <= age < pd.Timedelta(hours=24):
            minutes = int(age.total_seconds() // 60)
            shown = (
                "방금 전" if minutes < 1 else f"{minutes}분 전" if minutes < 60 else f"{minutes // 60}시간 전"
            )
        lines.append(("ㄴ " if reply else "") + _sample_name(row["author_id"], "blog"))
        lines.append(shown)
        lines.extend(row["text"].strip().splitlines())
        if row["likes"].isdigit() and int(row["likes"]) > 0:
            lines.append(f"공감 {int(row['likes'])}")
        lines.extend(["답글", ""])

    for top, replies in threads:
        block(top, reply=False)
        for row in replies:
            block(row, reply=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
