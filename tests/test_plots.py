"""Plots: Korean fonts from packages, no missing glyphs, every helper draws a real figure."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from civicnlp import aggregate, labels, plots
from civicnlp.exceptions import ParameterError


@pytest.fixture
def annotated() -> pd.DataFrame:
    times = pd.date_range("2024-05-15 09:00", periods=60, freq="5h", tz="Asia/Seoul")
    return pd.DataFrame(
        {
            "created_at": times,
            "channel": np.resize(["danggeun", "facebook", "instagram", "blog"], 60),
            "sentiment": np.resize(["positive", "positive", "neutral", "negative", "positive"], 60),
            "policy_area": np.resize(["관광/문화", "교통", "행정 💬"], 60),
            "p_negative": np.linspace(0.05, 0.6, 60),
            "p_neutral": np.full(60, 0.05),
            "p_positive": np.linspace(0.9, 0.3, 60),
        }
    )


def _render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_korean_fonts_come_from_the_package_without_importing_it():
    files = plots.korean_font_files()
    assert any(f.name == "NanumGothic.ttf" for f in files)
    assert all("koreanize_matplotlib" in str(f) for f in files)
    import sys

    assert "koreanize_matplotlib" not in sys.modules


def test_use_korean_fonts_is_idempotent_and_sets_the_family_list():
    first = plots.use_korean_fonts()
    n_fonts = len(font_manager.fontManager.ttflist)
    second = plots.use_korean_fonts()
    assert first == second
    assert first[:2] == ["NanumGothic", "DejaVu Sans"]
    assert len(font_manager.fontManager.ttflist) == n_fonts
    assert mpl.rcParams["font.family"] == first
    assert mpl.rcParams["axes.unicode_minus"] is False
    path = font_manager.findfont(font_manager.FontProperties(family="NanumGothic"), fallback_to_default=False)
    assert Path(path).name.startswith("NanumGothic")
    assert plots.use_korean_font() == "NanumGothic"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("인천 당근 이벤트", "인천 당근 이벤트"),
        ("-3.5 감소", "-3.5 감소"),
        ("응모해요 🎉🎉", "응모해요"),
        ("👍🏻 좋아요", "좋아요"),
        ("하트 ❤️", "하트 ❤️"),  # DejaVu Sans has U+2764 and the variation selector
        ("", ""),
        (None, "None"),
    ],
)
def test_safe_label_keeps_what_fonts_can_draw(text, expected):
    assert plots.safe_label(text) == expected


def test_hangul_minus_and_emoji_labels_draw_without_missing_glyph_warnings():
    fig, ax = plots._figure()
    ax.plot([-2, -1, 0, 1], [1, -3, 2, -1])
    ax.set_title(plots.safe_label("인천당근이지 참여 현황 🎉 −증감"))
    ax.set_xlabel("날짜 (일)")
    ax.set_ylabel(plots.safe_label("댓글 수 👍 ❤️"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = _render(fig)
    assert png.startswith(b"\x89PNG")


def test_helpers_draw_without_warnings(annotated):
    keywords = pd.Series({"응모": 30, "당근": 22, "교통 💬": 5})
    log_odds = pd.Series({"불편": -3.2, "감사": 2.5, "주차": -1.1})
    figures = [
        plots.volume_timeline(
            aggregate.volume(annotated, by=("channel", "day")), start="2024-05-16", end="2024-05-24"
        ),
        plots.sentiment_by_group(aggregate.sentiment_shares(annotated)),
        plots.sentiment_over_time(aggregate.sentiment_shares(annotated, by=("day",)), min_n=3),
        plots.sentiment_by_group(
            aggregate.sentiment_shares(annotated, by=("policy_area",)), by="policy_area", title="주제별 감성"
        ),
        plots.topic_shares(aggregate.topic_shares(annotated)),
        plots.confidence_histogram(annotated),
        plots.keyword_bars(keywords),
        plots.keyword_bars(log_odds, title="긍정 vs 부정", xlabel="z"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in figures:
            assert isinstance(fig, Figure)
            assert len(_render(fig)) > 5_000


def test_volume_timeline_shades_the_window_and_counts_every_comment(annotated):
    volume = aggregate.volume(annotated, by=("channel", "day"))
    fig = plots.volume_timeline(volume, start="2024-05-16", end="2024-05-24")
    ax = fig.axes[0]
    assert len(ax.patches) == 1  # the shaded campaign window
    assert sum(line.get_ydata().sum() for line in ax.get_lines()) == len(annotated)
    assert sorted(line.get_label() for line in ax.get_lines()) == sorted(
        labels.channel_name(c) for c in annotated["channel"].unique()
    )  # the reader's names of the channels


def test_sentiment_by_group_stacks_to_one_and_draws_the_tables_intervals(annotated):
    shares = aggregate.sentiment_shares(annotated)
    fig = plots.sentiment_by_group(shares)
    widths: dict[float, float] = {}
    for bar in fig.axes[0].patches:
        widths[bar.get_y()] = widths.get(bar.get_y(), 0.0) + bar.get_width()
    assert len(widths) == 4
    assert all(w == pytest.approx(1.0) for w in widths.values())
    drawn = sorted(round(bar.get_width(), 6) for bar in fig.axes[0].patches)
    table = sorted(round(v, 6) for c in ("negative", "neutral", "positive") for v in shares[f"share_{c}"])
    assert drawn == table  # the bars are the table's shares, nothing computed again


@pytest.mark.parametrize(
    ("helper", "frame"),
    [
        (plots.volume_timeline, pd.DataFrame({"channel": ["a"]})),
        (plots.sentiment_by_group, pd.DataFrame({"channel": ["a"]})),
        (plots.sentiment_over_time, pd.DataFrame({"day": ["2024-05-16"]})),
        (plots.topic_shares, pd.DataFrame({"x": [1]})),
    ],
)
def test_missing_columns_are_named(helper, frame):
    with pytest.raises(ParameterError, match="needs the column"):
        helper(frame)


@pytest.mark.parametrize("n", [1, 3, 7, 13, 29, 58, 113])
def test_sentiment_bars_with_unanimous_groups(n):
    frame = pd.DataFrame(
        {
            "channel": ["blog"] * n + ["facebook"] * n,
            "sentiment": ["positive"] * n + ["negative"] * (n - 1) + ["neutral"],
        }
    )
    fig = plots.sentiment_by_group(aggregate.sentiment_shares(frame, drop_spam=False))
    assert len(_render(fig)) > 5_000
    fig = plots.topic_shares(aggregate.topic_shares(frame, column="sentiment"), column="sentiment")
    assert len(_render(fig)) > 5_000


def test_topic_bars_and_whiskers_are_the_tables_own(annotated):
    table = aggregate.topic_shares(annotated)
    fig = plots.topic_shares(table)
    widths = sorted(bar.get_width() for bar in fig.axes[0].patches)
    assert widths == pytest.approx(sorted(table["share"]))
    assert (table["low"] <= table["share"]).all() and (table["share"] <= table["high"]).all()


def test_sentiment_over_time_draws_no_share_of_a_small_period():
    days = pd.date_range("2024-05-16", periods=6, freq="D", tz="Asia/Seoul")
    created = (
        [days[0]] * 40 + [days[1]] * 35 + [days[2]] * 2 + [days[3]] * 40 + [days[4]] * 40 + [days[5]] * 1
    )
    frame = pd.DataFrame({"created_at": created, "sentiment": ["positive", "negative"] * (len(created) // 2)})
    fig = plots.sentiment_over_time(aggregate.sentiment_shares(frame, by=("day",)))
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata())]
    assert lines and all(len(line.get_xdata()) == 4 for line in lines)  # the 2- and 1-comment days left out
    assert "2개 일은 생략" in fig.axes[0].get_title()
    weekly = plots.sentiment_over_time(aggregate.sentiment_shares(frame, by=("week",)))
    assert "주 단위" in weekly.axes[0].get_title()
