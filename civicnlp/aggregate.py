"""Campaign metrics over the annotated comments (:func:`civicnlp.annotate.annotate_comments`), each written
once for pandas and Dask frames.

Every table is counts first (a group-by sum over indicator columns), ratios after. The few operations that
differ between frame kinds — a group-by sum, a function applied to each partition — sit behind a small
registry (:class:`Reductions`, keyed by frame type): pandas is registered here, Dask by
``civicnlp.distributed``. A metric is one function; on a Dask frame only group totals and per-partition
counts leave the cluster. Group keys are any of ``campaign_id``, ``channel``, ``day`` (the Seoul calendar day
of ``created_at``) and ``week`` (its Monday); ``by=()`` gives one overall row.

Interval estimates are 95% Wilson score intervals (:func:`wilson_interval`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from civicnlp.dates import TIMEZONE
from civicnlp.exceptions import DataContractError, ParameterError
from civicnlp.keywords import TokenLists, as_token_lists, noun_frequencies
from civicnlp.labels import NO_AREA, NO_POLICY_AREA, SENTIMENTS, channel_name
from civicnlp.normalize import normalize_series
from civicnlp.tokenize import Tokenizer

__all__ = [
    "FLAGS",
    "FLAG_COUNTS",
    "MIN_SHARE_N",
    "Z95",
    "Reductions",
    "actionable_comments",
    "distinguishing_words",
    "message_uptake",
    "needs_reply_count",
    "opinions",
    "participation",
    "reductions_for",
    "register_reductions",
    "release_nouns",
    "representative_comments",
    "select_comments",
    "sentiment_shares",
    "summarize",
    "summary_sentences",
    "top_keywords",
    "topic_shares",
    "toxic_share",
    "volume",
    "wilson_interval",
    "with_day",
    "worth_showing",
]

FLAGS = ("is_entry", "is_question", "is_complaint", "is_duplicate", "is_near_duplicate", "is_spam")
#: The participation table's count column of each flag.
FLAG_COUNTS = {
    "is_entry": "entries",
    "is_question": "questions",
    "is_complaint": "complaints",
    "is_duplicate": "duplicates",
    "is_near_duplicate": "near_duplicates",
    "is_spam": "spam",
}
Z95 = 1.959963984540054
#: The fewest comments a share is stated (or drawn) for; below it, reports give counts.
MIN_SHARE_N = 30


def wilson_interval(
    successes: int | float | np.ndarray | pd.Series, n: int | float | np.ndarray | pd.Series, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial share ``successes / n`` (NaN where ``n`` is 0).

    Unlike the normal approximation it stays inside [0, 1] and behaves for small n and shares near 0 or 1.
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    low = np.where(m > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(m > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def _require(df: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataContractError(
            f"the annotated frame lacks column(s) {missing}; run civicnlp.annotate.annotate_comments first "
            f"(columns found: {list(df.columns)})"
        )


def with_day(annotated: pd.DataFrame) -> pd.DataFrame:
    """The frame plus ``day`` and ``week`` columns: midnight (Seoul) of each comment's ``created_at``, and of
    the Monday that starts its week."""
    _require(annotated, ["created_at"])
    ts = pd.to_datetime(annotated["created_at"])
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert(TIMEZONE)
    day = ts.dt.normalize()
    return annotated.assign(day=day, week=day - pd.to_timedelta(day.dt.day_of_week, unit="D"))


@dataclass(frozen=True)
class Reductions:
    """What a kind of frame must do for the metrics beyond column arithmetic.

    ``group_sum(frame, by, columns)``: int64 column sums per group as a pandas frame sorted by group (one row
    when ``by`` is empty); ``map_parts(frame, f)``: ``f`` (pandas -> pandas) on every partition, the same kind
    of frame back; ``each_part(frame, f)``: ``f`` on every partition, the results as a list;
    ``count_by(frame, keys)``: rows per group of ``keys`` as a frame with ``n`` (of the same kind).
    """

    group_sum: Callable[[Any, Sequence[str], Sequence[str]], pd.DataFrame]
    map_parts: Callable[[Any, Callable[[Any], Any]], Any]
    each_part: Callable[[Any, Callable[[Any], Any]], list[Any]]
    count_by: Callable[[Any, list[str]], Any]


_REDUCTIONS: dict[type, Reductions] = {}


def register_reductions(kinds: Iterable[type], reductions: Reductions) -> None:
    """Let the metrics run on frames (and series) of ``kinds``."""
    for kind in kinds:
        _REDUCTIONS[kind] = reductions


def reductions_for(frame: Any) -> Reductions:
    """The :class:`Reductions` of ``frame``'s kind: pandas, and Dask once ``civicnlp.distributed`` is in."""
    for kind, reductions in _REDUCTIONS.items():
        if isinstance(frame, kind):
            return reductions
    name = type(frame).__name__
    raise DataContractError(f"cannot compute metrics on a {name}; pass a pandas or a Dask frame")


def _pandas_group_sum(df: pd.DataFrame, by: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    _require(df, [*by, *columns])
    values = df[list(columns)].astype("int64")
    if by:
        out = values.groupby([df[c] for c in by], observed=True, sort=True).sum().reset_index()
    else:
        out = values.sum().to_frame().T.reset_index(drop=True)
    return out.astype({c: "int64" for c in columns})


def _pandas_count_by(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.groupby(keys, observed=True, sort=True).size().rename("n").reset_index()


register_reductions(
    (pd.DataFrame, pd.Series),
    Reductions(
        group_sum=_pandas_group_sum,
        map_parts=lambda frame, f: f(frame),
        each_part=lambda frame, f: [f(frame)],
        count_by=_pandas_count_by,
    ),
)


def _sum_by(df: Any, by: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Column sums per group (one row when ``by`` is empty), as int64 counts, for any registered frame."""
    return reductions_for(df).group_sum(df, by, columns)


def _prepare(annotated: Any, by: Sequence[str]) -> Any:
    if {"day", "week"} & set(by) and not {"day", "week"} <= set(annotated.columns):
        annotated = reductions_for(annotated).map_parts(annotated, with_day)
    _require(annotated, by)
    return annotated


def _indicators(df: Any, columns: Mapping[str, Any]) -> Any:
    """``df`` with boolean Series of it added as int64 indicator columns."""
    return df.assign(**{name: values.astype("int64") for name, values in columns.items()})


def _flag(df: Any, name: str) -> Any:
    return df[name].fillna(False).astype(bool)


def select_comments(
    frame: pd.DataFrame,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    channels: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The comments inside ``date_from``..``date_to`` (whole days, Seoul time, inclusive) on ``channels``.

    A selection that leaves nothing of a non-empty frame raises :class:`ParameterError` showing the dates
    and channels the comments do have (an empty report is almost always a typo in the parameters).
    """
    keep = pd.Series(True, index=frame.index)
    if date_from or date_to:
        stamps = pd.to_datetime(frame["created_at"])
        local = stamps.dt.tz_convert(TIMEZONE) if stamps.dt.tz is not None else stamps
        days = local.dt.strftime("%Y-%m-%d")
        if date_from:
            keep &= days >= date_from
        if date_to:
            keep &= days <= date_to
    if channels:
        keep &= frame["channel"].astype(str).isin(list(channels))
    if len(frame) and not keep.any():
        stamps = pd.to_datetime(frame["created_at"])
        raise ParameterError(
            f"no comments in the selection date_from={date_from} date_to={date_to} channels={channels}; "
            f"the comments run from {stamps.min():%Y-%m-%d} to {stamps.max():%Y-%m-%d} "
            f"on {sorted(frame['channel'].astype(str).unique())}"
        )
    return frame[keep]


def volume(annotated: pd.DataFrame, by: Sequence[str] = ("campaign_id", "channel", "day")) -> pd.DataFrame:
    """Comment counts per group (``comments``), the raw material of the timeline."""
    df = _prepare(annotated, by)
    return _sum_by(df.assign(comments=1), by, ["comments"])


def participation(annotated: Any, by: Sequence[str] = ("campaign_id",)) -> pd.DataFrame:
    """Per group: comments, unique and repeat participants (``author_id`` with 2+ comments), entries vs
    opinions, questions, complaints, duplicates, near duplicates and spam."""
    df = _prepare(annotated, by)
    _require(df, ["author_id", *FLAGS])
    flags = {f: _flag(df, f) for f in FLAGS}
    df = _indicators(df, {**flags, "opinions": ~flags["is_entry"]}).assign(comments=1)
    counts = _sum_by(df, by, ["comments", "is_entry", "opinions", *FLAGS[1:]]).rename(columns=FLAG_COUNTS)
    per_author = reductions_for(df).count_by(df[df["author_id"].notnull()], [*by, "author_id"])
    per_author = per_author.assign(participants=1, repeat_participants=(per_author["n"] > 1).astype("int64"))
    people = _sum_by(per_author, by, ["participants", "repeat_participants"])
    out = counts.merge(people, on=list(by), how="left") if by else pd.concat([counts, people], axis=1)
    out[["participants", "repeat_participants"]] = (
        out[["participants", "repeat_participants"]].fillna(0).astype("int64")
    )
    out["entry_share"] = out["entries"] / out["comments"]
    return out


def _sentiment_classes(df: pd.DataFrame) -> list[str]:
    return [c for c in SENTIMENTS if f"p_{c}" in df.columns]


def sentiment_shares(
    annotated: pd.DataFrame,
    by: Sequence[str] = ("channel",),
    *,
    opinions_only: bool = False,
    drop_spam: bool = True,
) -> pd.DataFrame:
    """Per group: ``n``, and per sentiment class ``n_<c>``, ``share_<c>``, ``share_<c>_low``/``_high``
    (95% Wilson), and ``net_sentiment`` = share positive − share negative.

    ``opinions_only`` leaves out entry comments (their stock 참여합니다 lines would swamp the opinions);
    spam is left out unless ``drop_spam=False``.
    """
    df = _prepare(annotated, by)
    _require(df, ["sentiment"])
    if drop_spam and "is_spam" in df.columns:
        df = df[~_flag(df, "is_spam")]
    if opinions_only:
        _require(df, ["is_entry"])
        df = df[~_flag(df, "is_entry")]
    classes = _sentiment_classes(df) or list(SENTIMENTS)
    df = _indicators(df, {f"n_{c}": df["sentiment"].eq(c) for c in classes}).assign(n=1)
    out = _sum_by(df, by, ["n", *(f"n_{c}" for c in classes)])
    for c in classes:
        out[f"share_{c}"] = out[f"n_{c}"] / out["n"].where(out["n"] > 0)
        out[f"share_{c}_low"], out[f"share_{c}_high"] = wilson_interval(out[f"n_{c}"], out["n"])
    out["net_sentiment"] = out.get("share_positive", 0.0) - out.get("share_negative", 0.0)
    return out


def topic_shares(
    annotated: pd.DataFrame, by: Sequence[str] = (), *, column: str = "policy_area"
) -> pd.DataFrame:
    """Topic counts and shares per group (``by`` + ``column``, ``n``, ``share`` with its 95% Wilson ``low``
    and ``high``), biggest first."""
    df = _prepare(annotated, by)
    _require(df, [column])
    counts = _sum_by(df.assign(n=1), [*by, column], ["n"])
    totals = counts.groupby(list(by), sort=False)["n"].transform("sum") if by else counts["n"].sum()
    counts["share"] = counts["n"] / totals
    counts["low"], counts["high"] = wilson_interval(counts["n"], totals)
    return counts.sort_values(
        [*by, "n", column], ascending=[True] * len(by) + [False, True], ignore_index=True
    )


def toxic_share(annotated: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per group: ``n``, ``toxic`` (toxicity other than "none"), ``share`` with Wilson ``low``/``high``."""
    df = _prepare(annotated, by)
    _require(df, ["toxicity"])
    toxic = df["toxicity"].notnull() & df["toxicity"].ne("none")
    out = _sum_by(_indicators(df, {"toxic": toxic}).assign(n=1), by, ["n", "toxic"])
    out["share"] = out["toxic"] / out["n"].where(out["n"] > 0)
    out["low"], out["high"] = wilson_interval(out["toxic"], out["n"])
    return out


def top_keywords(
    annotated: Any, top: int = 20, *, column: str = "nouns", stopwords: Iterable[str] = ()
) -> pd.DataFrame:
    """The most mentioned nouns: ``token``, ``comments`` (how many mention it), ``share`` of comments."""
    _require(annotated, [column])
    counts, rows = _mentions(annotated[column], stopwords=stopwords)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return pd.DataFrame(
        {
            "token": pd.Series([t for t, _ in items], dtype=object),
            "comments": np.array([c for _, c in items], dtype="int64"),
            "share": np.array([c for _, c in items], dtype=float) / max(rows, 1),
        }
    )


def _mentions(tokens: Any, *, min_len: int = 2, stopwords: Iterable[str] = ()) -> tuple[pd.Series, int]:
    """How many documents mention each token, and how many documents there are (any registered series)."""
    stop = tuple(stopwords)

    def count(part: Any) -> tuple[pd.Series, int]:
        return noun_frequencies(part, min_len=min_len, stopwords=stop, per_document=True), len(part)

    series = tokens if isinstance(tokens, tuple(_REDUCTIONS)) else pd.Series(list(as_token_lists(tokens)))
    parts = reductions_for(series).each_part(series, count)
    counts = [c for c, _ in parts if len(c)]
    total = pd.concat(counts).groupby(level=0).sum() if counts else pd.Series(dtype="int64")
    return total.astype("int64"), sum(n for _, n in parts)


def distinguishing_words(
    tokens_a: TokenLists,
    tokens_b: TokenLists,
    prior: Mapping[str, float] | None = None,
    top: int = 20,
    *,
    min_count: int = 2,
    prior_strength: float = 0.1,
) -> pd.DataFrame:
    """Words that distinguish group a from group b: log-odds ratio with an informative Dirichlet prior
    (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16-22).

    ``prior`` maps word -> pseudo-count α_w; by default the pooled counts of both groups times
    ``prior_strength`` (an informative prior whose mean is the pooled word distribution and whose weight is
    10% of the data: rare words are not over-read, frequent ones are barely moved). Returns up to ``top``
    rows per side: ``token``, ``count_a``, ``count_b``, ``delta`` (log-odds difference), ``z`` (delta over
    its standard deviation; |z| > 1.96 is the customary bar) and ``group`` ("a" for z > 0, "b" for z < 0),
    strongest first.
    Words seen fewer than ``min_count`` times in both groups together are left out.
    """
    count_a = _counts(tokens_a)
    count_b = _counts(tokens_b)
    vocab = sorted(w for w in set(count_a) | set(count_b) if count_a[w] + count_b[w] >= min_count)
    columns = ["token", "count_a", "count_b", "delta", "z", "group"]
    if not vocab:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c in ("token", "group") else float) for c in columns}
        )
    ya = np.array([count_a[w] for w in vocab], dtype=float)
    yb = np.array([count_b[w] for w in vocab], dtype=float)
    alpha = (
        np.array([prior.get(w, 0.0) for w in vocab], dtype=float)
        if prior is not None
        else prior_strength * (ya + yb)
    )
    # a word absent from the prior still needs a positive pseudo-count
    alpha = np.where(alpha > 0, alpha, 0.01)
    a0, na, nb = alpha.sum(), sum(count_a.values()), sum(count_b.values())
    delta = np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log((yb + alpha) / (nb + a0 - yb - alpha))
    z = delta / np.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
    table = pd.DataFrame(
        {"token": vocab, "count_a": ya.astype("int64"), "count_b": yb.astype("int64"), "delta": delta, "z": z}
    )
    side_a = table[table["z"] > 0].sort_values(["z", "token"], ascending=[False, True]).head(top)
    side_b = table[table["z"] < 0].sort_values(["z", "token"], ascending=[True, True]).head(top)
    return pd.concat([side_a.assign(group="a"), side_b.assign(group="b")], ignore_index=True)


def _counts(token_lists: TokenLists) -> Counter[str]:
    counts: Counter[str] = Counter()
    for tokens in as_token_lists(token_lists):
        counts.update(tokens)
    return counts


def message_uptake(
    release_tokens: TokenLists, comment_tokens: Any, k: int = 20, *, min_len: int = 2
) -> pd.DataFrame:
    """Did the release's message land? For the release's top-``k`` nouns: ``keyword``, ``release_count``,
    ``comments`` mentioning it, ``comment_share``, ``taken_up`` (mentioned by at least one comment).

    The uptake share is ``table["taken_up"].mean()``.
    """
    release = noun_frequencies(release_tokens, top=k, min_len=min_len)
    mentions, documents = _mentions(comment_tokens, min_len=min_len)
    comments = mentions.reindex(release.index).fillna(0).astype("int64").to_numpy()
    return pd.DataFrame(
        {
            "keyword": release.index.astype(object),
            "release_count": release.to_numpy(),
            "comments": comments,
            "comment_share": comments / max(documents, 1),
            "taken_up": comments > 0,
        }
    )


def opinions(annotated: Any) -> Any:
    """The opinion comments: every comment but entries (참여합니다 lines) and spam (pandas or Dask)."""
    return annotated[~_flag(annotated, "is_entry") & ~_flag(annotated, "is_spam")]


def worth_showing(df: pd.DataFrame) -> pd.Series:
    """Rows worth showing as examples: not a duplicate, near duplicate or spam."""
    keep = pd.Series(True, index=df.index)
    for flag in ("is_duplicate", "is_near_duplicate", "is_spam"):
        if flag in df.columns:
            keep &= ~df[flag].fillna(False).astype(bool)
    return keep


def _distinct_texts(df: pd.DataFrame) -> pd.DataFrame:
    """The first row of each text (compared on its letters and digits only, so 별로네요ㅠㅠ = 별로네요~):
    short lines are not duplicates (different people write them), but a list of examples should show
    each only once."""
    key = df["text_masked"].fillna("").str.replace(r"[\W_ㄱ-ㅎㅏ-ㅣ]+", "", regex=True).str.casefold()
    return df[~key.duplicated()]


_SHOW = ["comment_id", "campaign_id", "channel", "created_at", "text_masked", "sentiment", "likes"]


def representative_comments(annotated: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` most confidently positive and negative opinion comments (no entries, questions,
    duplicates or spam; each text once): ``kind`` ("positive"/"negative"), ``confidence`` (the class
    probability) and the comment's columns."""
    _require(annotated, ["text_masked", "sentiment", "p_positive", "p_negative"])
    df = annotated[worth_showing(annotated)]
    for flag in ("is_entry", "is_question"):  # entries say nothing; questions are for actionable_comments
        if flag in df.columns:
            df = df[~df[flag].fillna(False).astype(bool)]
    parts = []
    for kind in ("positive", "negative"):
        ranked = df[df["sentiment"].eq(kind)].sort_values(f"p_{kind}", ascending=False, kind="stable")
        chosen = _distinct_texts(ranked).head(n)
        parts.append(chosen.assign(kind=kind, confidence=chosen[f"p_{kind}"]))
    show = ["kind", "confidence", *[c for c in _SHOW if c in annotated.columns]]
    return pd.concat(parts, ignore_index=True)[show]


def actionable_comments(annotated: pd.DataFrame, n: int | None = 20) -> pd.DataFrame:
    """Questions and complaints that need a reply (no duplicates or spam, each text once), most-liked
    first, then oldest. ``reason`` says "complaint", "question" or "complaint+question"."""
    _require(annotated, ["text_masked", "is_question", "is_complaint"])
    question = annotated["is_question"].fillna(False).astype(bool)
    complaint = annotated["is_complaint"].fillna(False).astype(bool)
    df = annotated[(question | complaint) & worth_showing(annotated)]
    reason = np.where(complaint[df.index] & question[df.index], "complaint+question", "")
    reason = np.where(reason == "", np.where(complaint[df.index], "complaint", "question"), reason)
    likes = pd.to_numeric(df["likes"], errors="coerce").fillna(0) if "likes" in df.columns else 0
    df = df.assign(reason=reason, _likes=likes)
    order = ["_likes", "created_at"] if "created_at" in df.columns else ["_likes"]
    df = _distinct_texts(df.sort_values(order, ascending=[False, True][: len(order)], kind="stable"))
    if n is not None:
        df = df.head(n)
    return df[["reason", *[c for c in _SHOW if c in df.columns]]].reset_index(drop=True)


def _share_dict(counts: pd.DataFrame) -> dict[str, Any]:
    row = counts.iloc[0]
    out: dict[str, Any] = {"n": int(row["n"])}
    for c in _sentiment_classes_from(counts):
        out[c] = {
            "count": int(row[f"n_{c}"]),
            "share": _num(row[f"share_{c}"]),
            "low": _num(row[f"share_{c}_low"]),
            "high": _num(row[f"share_{c}_high"]),
        }
    out["net"] = _num(row["net_sentiment"])
    return out


def _sentiment_classes_from(table: pd.DataFrame) -> list[str]:
    return [c for c in SENTIMENTS if f"n_{c}" in table.columns]


def _channel_records(participation_by_channel: pd.DataFrame, opinion_shares: pd.DataFrame) -> list[dict]:
    """summary.json's ``by_channel``: participation and opinions' net sentiment per channel, busiest first."""
    by_channel = participation_by_channel.merge(
        opinion_shares[["channel", "net_sentiment"]], on="channel", how="left"
    )
    return [
        {
            "channel": str(r["channel"]),
            "comments": int(r["comments"]),
            "participants": int(r["participants"]),
            "entry_share": _num(r["entry_share"]),
            "opinion_net_sentiment": _num(r["net_sentiment"]),
        }
        for r in by_channel.sort_values("comments", ascending=False).to_dict("records")
    ]


def _num(value: object) -> float | None:
    """A JSON-safe float: NaN and None become None."""
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else round(f, 4)


def summarize(
    annotated: Any,
    campaign: Mapping[str, Any] | None = None,
    releases: pd.DataFrame | None = None,
    *,
    tokenizer: Any = None,
    top: int = 10,
) -> dict[str, Any]:
    """Headline metrics as plain JSON-serialisable types (for ``summary.json``), from a pandas or Dask frame.

    ``releases`` (columns ``title``/``body``) adds message uptake: the share of the release's top-20 nouns
    that comments mention; the nouns come from ``tokenizer`` (default: ``Tokenizer(pos="nouns")``).
    Topics and top keywords are those of the opinions (no entries, no spam): in a comment-to-enter event the
    entry lines would otherwise fill them with 참여 and 응모. A report adds ``concerns`` (grouped negative and
    needs-reply comments) from ``civicnlp.findings``.
    """
    _require(annotated, ["comment_id", "channel", "created_at", "sentiment", "author_id", *FLAGS])
    campaign = dict(campaign or {})
    row = participation(annotated, by=()).iloc[0]
    said = opinions(annotated)
    ids, channels, first, last = _spans(annotated)
    summary: dict[str, Any] = {
        "campaign_id": _plain(campaign.get("campaign_id", next(iter(ids)) if len(ids) == 1 else None)),
        "campaign_name": _plain(campaign.get("name")),
        "period": {"start": _plain(campaign.get("start")), "end": _plain(campaign.get("end"))},
        "channels": sorted(channels),
        "first_comment": _plain(first),
        "last_comment": _plain(last),
    }
    for key in ("comments", "participants", "repeat_participants", "entries", "opinions", "questions"):
        summary[key] = int(row[key])
    for key in ("complaints", "duplicates", "near_duplicates", "spam"):
        summary[key] = int(row[key])
    summary["entry_share"] = _num(row["entry_share"])
    summary["actionable"] = needs_reply_count(annotated)
    summary["sentiment"] = _share_dict(sentiment_shares(annotated, by=()))
    summary["opinion_sentiment"] = _share_dict(sentiment_shares(annotated, by=(), opinions_only=True))
    summary["by_channel"] = _channel_records(
        participation(annotated, by=("channel",)),
        sentiment_shares(annotated, by=("channel",), opinions_only=True),
    )
    if "policy_area" in annotated.columns:
        pool = said if summary["opinion_sentiment"]["n"] else annotated
        has_area = pool["policy_area"].notnull() & ~pool["policy_area"].isin(list(NO_AREA))
        decided = pool[has_area]
        counted = _sum_by(_indicators(pool, {"decided": has_area}).assign(n=1), (), ["n", "decided"]).iloc[0]
        summary["policy_area_coverage"] = {
            "comments": int(counted["n"]),
            "with_area": int(counted["decided"]),
            "share": _num(counted["decided"] / counted["n"]) if counted["n"] else None,
        }
        topics = topic_shares(decided).head(5) if counted["decided"] else pd.DataFrame()
        summary["topics"] = [
            {"policy_area": str(r["policy_area"]), "count": int(r["n"]), "share": _num(r["share"])}
            for r in topics.to_dict("records")
        ]
    if "toxicity" in annotated.columns:
        summary["toxic_share"] = _num(toxic_share(annotated).loc[0, "share"])
    summary["top_keywords"] = []
    if "nouns" in annotated.columns:
        summary["top_keywords"] = [
            {"token": str(r["token"]), "comments": int(r["comments"])}
            for r in top_keywords(said, top).to_dict("records")
        ]
    summary["message_uptake"] = None
    if releases is not None and len(releases) and "nouns" in annotated.columns:
        uptake = message_uptake(release_nouns(releases, tokenizer), annotated["nouns"])
        if len(uptake):
            summary["message_uptake"] = {
                "share": _num(uptake["taken_up"].mean()),
                "keywords": len(uptake),
                "taken_up": [str(k) for k in uptake.loc[uptake["taken_up"], "keyword"]],
                "missed": [str(k) for k in uptake.loc[~uptake["taken_up"], "keyword"]],
            }
    return summary


def needs_reply_count(annotated: Any) -> int:
    """``len(actionable_comments(annotated, n=None))`` for any registered frame: each partition's distinct
    question and complaint texts, then distinct once more across partitions."""
    parts = reductions_for(annotated).each_part(annotated, _answerable)
    return len(_distinct_texts(pd.concat(parts, ignore_index=True))) if parts else 0


def _answerable(part: pd.DataFrame) -> pd.DataFrame:
    needs = _flag(part, "is_question") | _flag(part, "is_complaint")
    return _distinct_texts(part.loc[needs & worth_showing(part), ["text_masked"]])


def _spans(annotated: Any) -> tuple[set[str], set[str], pd.Timestamp | None, pd.Timestamp | None]:
    """Campaign ids, channels and the first and last comment time, gathered partition by partition."""

    def span(part: pd.DataFrame) -> tuple[set[str], set[str], Any, Any]:
        created = pd.to_datetime(part["created_at"])
        return (
            {str(c) for c in part["campaign_id"].dropna().unique()} if "campaign_id" in part else set(),
            {str(c) for c in part["channel"].dropna().unique()},
            created.min(),
            created.max(),
        )

    parts = reductions_for(annotated).each_part(annotated, span)
    firsts = [p[2] for p in parts if pd.notna(p[2])]
    lasts = [p[3] for p in parts if pd.notna(p[3])]
    return (
        set().union(*(p[0] for p in parts)),
        set().union(*(p[1] for p in parts)),
        min(firsts) if firsts else None,
        max(lasts) if lasts else None,
    )


def release_nouns(releases: pd.DataFrame, tokenizer: Any = None) -> list[list[str]]:
    """The nouns of each release's title and body (``tokenizer`` default: ``Tokenizer(pos="nouns")``)."""
    tok = tokenizer if tokenizer is not None else Tokenizer(pos="nouns")
    parts = [releases[c].fillna("").astype(str) for c in ("title", "body") if c in releases.columns]
    if not parts:
        return []
    text = parts[0] if len(parts) == 1 else parts[0] + "\n" + parts[1]
    return as_token_lists(tok.tokenize(normalize_series(text)))


def _plain(value: object) -> Any:
    """JSON-safe form: timestamps as ISO strings, numpy scalars as Python ones, NaN/NaT as None."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def summary_sentences(summary: Mapping[str, Any]) -> list[str]:
    """The summary in plain Korean sentences, generated from the numbers of :func:`summarize` (and the
    ``concerns`` a report adds). Each sentence names the comments it counts: 전체 댓글, or 의견 댓글 (no
    entries, no spam); a share of fewer than :data:`MIN_SHARE_N` comments is given as a count."""
    out: list[str] = []
    n = summary.get("comments", 0)
    if not n:
        return ["분석할 댓글이 없습니다."]
    entries = summary.get("entries")
    entry_part = (
        f"{entries:,}건({_pct(summary.get('entry_share'))})"
        if entries is not None
        else _pct(summary.get("entry_share"))
    )
    out.append(
        f"전체 댓글 {n:,}건(참여자 {summary.get('participants', 0):,}명) 중 {entry_part}이 응모 댓글입니다."
    )
    if summary.get("repeat_participants"):
        out.append(f"참여자 중 두 번 이상 댓글을 단 사람은 {summary['repeat_participants']:,}명입니다.")
    channels = summary.get("by_channel") or []
    if len(channels) > 1:
        name = channel_name(channels[0]["channel"])
        out.append(f"전체 댓글은 {name} 채널이 {channels[0]['comments']:,}건으로 가장 많았습니다.")
    sentiment = summary.get("opinion_sentiment") or {}
    said = sentiment.get("n") or 0
    if said >= MIN_SHARE_N:
        pos = (sentiment.get("positive") or {}).get("share")
        neg = (sentiment.get("negative") or {}).get("share")
        net = sentiment.get("net")
        net_text = "-" if net is None else f"{net * 100:+.0f}%p"
        out.append(
            f"응모와 스팸을 뺀 의견 댓글 {said:,}건의 순감성(긍정−부정)은 {net_text}입니다"
            f"(긍정 {_pct(pos)}, 부정 {_pct(neg)})."
        )
    elif said:
        pos = ((sentiment.get("positive") or {}).get("count")) or 0
        neg = ((sentiment.get("negative") or {}).get("count")) or 0
        out.append(f"의견 댓글이 {said:,}건뿐이라 비율 대신 건수로 적습니다: 긍정 {pos:,}건, 부정 {neg:,}건.")
    topics = summary.get("topics") or []
    coverage = summary.get("policy_area_coverage") or {}
    if coverage.get("comments"):
        with_area = coverage["with_area"]
        line = (
            f"의견 댓글 {coverage['comments']:,}건 중 정책 분야가 정해진 것은 {with_area:,}건"
            f"({_pct(coverage['share'])})이고 나머지는 ‘{NO_POLICY_AREA}’입니다"
        )
        if topics and with_area >= MIN_SHARE_N:
            top = topics[0]
            line += f"; 정해진 것 중에는 ‘{top['policy_area']}’가 {_pct(top['share'])}로 가장 많습니다"
        out.append(line + ".")
    keywords = summary.get("top_keywords") or []
    if keywords:
        words = ", ".join(f"‘{k['token']}’({k['comments']:,}건)" for k in keywords[:3])
        out.append(f"의견 댓글에서 가장 많이 언급된 명사는 {words}입니다.")
    concerns = summary.get("concerns") or []
    if concerns:
        named = ", ".join(f"‘{c['name']}’({c['comments']:,}건)" for c in concerns[:3])
        out.append(
            f"부정·질문·요청 의견을 주제별로 묶으면 {named} 순으로 많습니다(캠페인 자체의 용어는 뺐습니다)."
        )
    if summary.get("actionable"):
        out.append(f"답변이 필요한 질문·요청 댓글이 {summary['actionable']:,}건 있습니다(중복·스팸 제외).")
    uptake = summary.get("message_uptake")
    if uptake:
        share = _pct(uptake["share"])
        out.append(f"보도자료 핵심어 {uptake['keywords']}개 중 {share}가 댓글(전체)에서 언급되었습니다.")
    flagged = [
        (summary.get("duplicates", 0), "중복"),
        (summary.get("near_duplicates", 0), "유사 중복"),
        (summary.get("spam", 0), "스팸"),
    ]
    if any(count for count, _ in flagged):
        out.append(
            "전체 댓글 중 "
            + ", ".join(f"{label} {count:,}건" for count, label in flagged)
            + "이 있습니다. 스팸은 의견 분석에서 뺐고, 중복은 모든 건수에 그대로 들어 있습니다."
        )
    if summary.get("toxic_share"):
        out.append(
            f"공격적이거나 혐오 표현으로 분류된 댓글은 전체 댓글의 {_pct(summary['toxic_share'])}입니다."
        )
    return out
