"""Plots for campaign reports with Hangul that renders: fonts from packages, figures from the annotated frame.

Fonts: the NanumGothic files shipped inside ``koreanize-matplotlib`` are registered directly (that package's
own import needs ``distutils``, gone in Python 3.12, so it is located, never imported), then DejaVu Sans for
Latin and symbols and a monochrome emoji font when one is installed. Labels go through :func:`safe_label`,
which drops characters no registered font can draw (colour emoji, joiners) instead of drawing tofu boxes.

Every helper returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing leaks between
calls; a notebook shows it with ``display(fig)`` or as a cell's last value.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from civicnlp.aggregate import MIN_SHARE_N
from civicnlp.exceptions import ParameterError
from civicnlp.labels import SENTIMENT_NAMES, SENTIMENTS, channel_name

__all__ = [
    "EMOJI_FONTS",
    "KOREAN_FONT",
    "SENTIMENT_COLORS",
    "SENTIMENT_LABELS",
    "SENTIMENT_ORDER",
    "WINDOW_COLOR",
    "confidence_histogram",
    "grouped_bars",
    "keyword_bars",
    "korean_font_files",
    "safe_label",
    "sentiment_by_group",
    "sentiment_over_time",
    "topic_shares",
    "use_korean_font",
    "use_korean_fonts",
    "volume_timeline",
]

KOREAN_FONT = "NanumGothic"
#: Monochrome fonts with emoji/symbol glyphs, used as a last fallback when one is installed.
EMOJI_FONTS = ("Noto Emoji", "Symbola", "Noto Sans Symbols 2", "Segoe UI Emoji", "Segoe UI Symbol")
SENTIMENT_ORDER = SENTIMENTS
SENTIMENT_COLORS = {"negative": "#d1495b", "neutral": "#b8b8b8", "positive": "#2e86ab"}
SENTIMENT_LABELS = SENTIMENT_NAMES
WINDOW_COLOR = "#f4d35e"


def korean_font_files() -> list[Path]:
    """The NanumGothic TTFs shipped by ``koreanize-matplotlib``, found without importing that package."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ParameterError(
            "Korean fonts not found: the package koreanize-matplotlib is not installed "
            "(pip install koreanize-matplotlib)"
        )
    files: list[Path] = []
    for location in spec.submodule_search_locations:
        files += sorted(Path(location, "fonts").glob("*.ttf"))
    if not files:
        raise ParameterError("koreanize-matplotlib is installed but ships no .ttf files in its fonts/ folder")
    return files


@functools.cache
def _register_fonts() -> tuple[str, ...]:
    """Add the package fonts to matplotlib's font manager once per process; return the family list."""
    for path in korean_font_files():
        font_manager.fontManager.addfont(str(path))
    installed = {f.name for f in font_manager.fontManager.ttflist}
    emoji = [name for name in EMOJI_FONTS if name in installed][:1]
    return (KOREAN_FONT, "DejaVu Sans", *emoji)


def use_korean_fonts() -> list[str]:
    """Make matplotlib draw Hangul: register the fonts (once) and set the family list and ASCII minus.

    Safe to call any number of times (each call re-applies the rcParams, e.g. after ``rcdefaults()``).
    """
    families = list(_register_fonts())
    mpl.rcParams["font.family"] = families
    mpl.rcParams["axes.unicode_minus"] = False
    return families


def use_korean_font() -> str:
    """:func:`use_korean_fonts`, returning just the Korean family's name (what ``civicnlp doctor`` shows)."""
    return use_korean_fonts()[0]


@functools.cache
def _covered_codepoints(families: tuple[str, ...]) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for family in families:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def safe_label(text: object) -> str:
    """``text`` with the characters no registered font can draw removed (e.g. colour emoji), spaces tidied."""
    families = tuple(use_korean_fonts())
    covered = _covered_codepoints(families)
    kept = "".join(ch for ch in str(text) if ch.isspace() or ord(ch) in covered)
    return re.sub(r"\s+", " ", kept).strip()


def _figure(width: float = 8.0, height: float = 4.0) -> tuple[Figure, Axes]:
    use_korean_fonts()
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what} needs the column(s) {missing}; the frame has {list(frame.columns)}")


def volume_timeline(
    volume: pd.DataFrame, *, start: object = None, end: object = None, title: str = "채널별 댓글 수"
) -> Figure:
    """Comments per day and channel as lines, from ``civicnlp.aggregate.volume(..., by=("channel", "day"))``,
    with the campaign window (start..end) shaded."""
    _require(volume, ["day", "channel", "comments"], "volume_timeline")
    fig, ax = _figure()
    counts = volume.pivot_table(
        index="day", columns="channel", values="comments", aggfunc="sum", fill_value=0
    )
    counts = counts.sort_index()
    if start is not None and end is not None and len(counts):
        days = pd.Series(counts.index)
        window_start, window_end = _aligned(start, days), _aligned(end, days)
        if window_end == window_end.normalize():  # a bare end date covers that whole day
            window_end += pd.Timedelta(days=1)
        ax.axvspan(
            mdates.date2num(window_start),
            mdates.date2num(window_end),
            color=WINDOW_COLOR,
            alpha=0.3,
            label="캠페인 기간",
        )
    for channel in counts.columns:
        ax.plot(
            counts.index, counts[channel], marker="o", markersize=3, label=safe_label(channel_name(channel))
        )
    ax.set_title(safe_label(title))
    ax.set_ylabel("댓글 수")
    ax.legend(loc="upper right", fontsize="small")
    fig.autofmt_xdate()
    return fig


def _aligned(value: object, times: pd.Series) -> pd.Timestamp:
    """A window bound as a Timestamp in the same time zone as ``times`` (naive bounds are taken as local)."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    tz = getattr(times.dt, "tz", None)
    if tz is not None:
        return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _whiskers(share: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Error-bar lengths below and above ``share``; never negative (rounding), zero where n was 0 (NaN)."""
    below = np.nan_to_num(share - low, nan=0.0).clip(min=0.0)
    above = np.nan_to_num(high - share, nan=0.0).clip(min=0.0)
    return below, above


def sentiment_by_group(
    shares: pd.DataFrame, *, by: str = "channel", title: str = "채널별 감성 비율"
) -> Figure:
    """Stacked sentiment shares per group from ``civicnlp.aggregate.sentiment_shares(..., by=(by,))``; each
    segment carries its 95% Wilson interval as a whisker."""
    classes = [c for c in SENTIMENT_ORDER if f"share_{c}" in shares.columns]
    _require(shares, [by, "n", *(f"share_{c}" for c in classes[:1] or ["negative"])], "sentiment_by_group")
    fig, ax = _figure(8.0, 1.2 + 0.6 * max(len(shares), 1))
    names = [channel_name(g) if by == "channel" else str(g) for g in shares[by]]
    labels = [f"{safe_label(name)} (n={int(n):,})" for name, n in zip(names, shares["n"], strict=True)]
    y = np.arange(len(shares), dtype=float)
    left = np.zeros(len(shares))
    # Whiskers sit at different heights inside the bar so that adjacent segments' intervals never overlap.
    offsets = np.linspace(-0.25, 0.25, len(classes)) if len(classes) > 1 else np.zeros(1)
    for sentiment, offset in zip(classes, offsets, strict=True):
        share = shares[f"share_{sentiment}"].fillna(0).to_numpy(dtype=float)
        low = shares[f"share_{sentiment}_low"].to_numpy(dtype=float)
        high = shares[f"share_{sentiment}_high"].to_numpy(dtype=float)
        below, above = _whiskers(share, low, high)
        ax.barh(
            y,
            share,
            left=left,
            color=SENTIMENT_COLORS.get(sentiment, "#888888"),
            label=SENTIMENT_LABELS.get(sentiment, sentiment),
        )
        # The whisker marks the segment's inner edge: the right edge, or the left one for the last segment.
        last = sentiment == classes[-1]
        edge, xerr = (left, [above, below]) if last else (left + share, [below, above])
        ax.errorbar(edge, y + offset, xerr=xerr, fmt="none", ecolor="#222222", capsize=3, lw=1)
        left = left + share
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_title(safe_label(title))
    ax.legend(loc="lower right", fontsize="small", ncols=3)
    return fig


def sentiment_over_time(
    shares: pd.DataFrame, *, title: str = "기간별 감성 비율", min_n: int = MIN_SHARE_N
) -> Figure:
    """Positive and negative shares per period with 95% Wilson bands, from
    ``civicnlp.aggregate.sentiment_shares(..., by=("day",))`` or ``by=("week",)``; periods with fewer than
    ``min_n`` comments are not drawn (a share of two comments swings from 0 to 100%), and the title counts
    them."""
    period = "week" if "week" in shares.columns else "day"
    _require(shares, [period, "n"], "sentiment_over_time")
    enough = shares["n"] >= min_n
    drawn = shares[enough].sort_values(period)
    fig, ax = _figure()
    for name in ("negative", "positive"):
        if f"share_{name}" not in drawn.columns or not len(drawn):
            continue
        color = SENTIMENT_COLORS[name]
        times = drawn[period]
        ax.plot(
            times, drawn[f"share_{name}"], marker="o", markersize=3, color=color, label=SENTIMENT_LABELS[name]
        )
        ax.fill_between(
            times, drawn[f"share_{name}_low"], drawn[f"share_{name}_high"], color=color, alpha=0.2
        )
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    unit = "주" if period == "week" else "일"
    left_out = int((~enough).sum())
    note = f" — {unit} 단위, {min_n}건 미만인 {left_out}개 {unit}은 생략" if left_out else f" — {unit} 단위"
    ax.set_title(safe_label(title + note))
    if len(drawn):
        ax.legend(loc="upper right", fontsize="small")
    else:
        ax.text(
            0.5,
            0.5,
            f"{min_n}건 이상인 기간이 없어 비율을 그리지 않았습니다",
            ha="center",
            transform=ax.transAxes,
        )
    fig.autofmt_xdate()
    return fig


def topic_shares(
    table: pd.DataFrame, *, column: str = "policy_area", top: int = 10, title: str = "주제별 비율"
) -> Figure:
    """Horizontal bars of each topic's share (largest on top) with its 95% Wilson whisker, from
    ``civicnlp.aggregate.topic_shares``' table (``column``, ``n``, ``share``, ``low``, ``high``)."""
    _require(table, [column, "share", "low", "high"], "topic_shares")
    shown = table.head(top)
    share = shown["share"].to_numpy(dtype=float)
    below, above = _whiskers(share, shown["low"].to_numpy(dtype=float), shown["high"].to_numpy(dtype=float))
    fig, ax = _figure(8.0, 1.2 + 0.4 * max(len(shown), 1))
    labels = [f"{safe_label(t)} ({n:,})" for t, n in zip(shown[column], shown["n"], strict=True)]
    ax.barh(labels, share, color="#2e86ab", xerr=[below, above], capsize=3)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_title(safe_label(title))
    return fig


def keyword_bars(values: pd.Series, *, title: str = "주요 키워드", xlabel: str = "빈도") -> Figure:
    """Horizontal bars of keyword -> value (counts, or signed scores such as log-odds z, coloured by sign)."""
    values = values.dropna()
    fig, ax = _figure(7.0, 1.2 + 0.3 * max(len(values), 1))
    colors = ["#d1495b" if v < 0 else "#2e86ab" for v in values.to_numpy()]
    ax.barh([safe_label(k) for k in values.index], values.to_numpy(), color=colors)
    ax.invert_yaxis()
    ax.set_title(safe_label(title))
    ax.set_xlabel(safe_label(xlabel))
    return fig


def confidence_histogram(annotated: pd.DataFrame, *, title: str = "감성 분류 확신도") -> Figure:
    """Histogram of the sentiment model's confidence (the winning class's probability) per predicted class."""
    columns = [f"p_{c}" for c in SENTIMENT_ORDER if f"p_{c}" in annotated.columns]
    _require(annotated, ["sentiment", *(columns or ["p_positive"])], "confidence_histogram")
    confidence = annotated[columns].max(axis=1)
    fig, ax = _figure(7.0, 3.5)
    bins = [i / 20 for i in range(21)]
    for sentiment in SENTIMENT_ORDER:
        chosen = confidence[annotated["sentiment"].astype(str).eq(sentiment)]
        if len(chosen):
            ax.hist(
                chosen,
                bins=bins,
                alpha=0.6,
                color=SENTIMENT_COLORS[sentiment],
                label=SENTIMENT_LABELS[sentiment],
            )
    ax.set_xlabel("확률")
    ax.set_ylabel("댓글 수")
    ax.set_title(safe_label(title))
    ax.legend(loc="upper left", fontsize="small")
    return fig


def grouped_bars(table: pd.DataFrame, *, title: str, ylabel: str = "", percent: bool = False) -> Figure:
    """Side-by-side bars: one group per row of ``table`` (e.g. campaigns), one bar per column (channels)."""
    fig, ax = _figure(8.0, 4.0)
    n_rows, n_cols = table.shape
    width = 0.8 / max(n_cols, 1)
    x = np.arange(n_rows, dtype=float)
    for i, column in enumerate(table.columns):
        values = pd.to_numeric(table[column], errors="coerce").fillna(0).to_numpy()
        ax.bar(x + (i - (n_cols - 1) / 2) * width, values, width=width, label=safe_label(column))
    ax.set_xticks(x, [safe_label(i) for i in table.index], rotation=15, ha="right")
    if percent:
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set_ylabel(safe_label(ylabel))
    ax.set_title(safe_label(title))
    if n_cols:
        ax.legend(fontsize="small")
    return fig
