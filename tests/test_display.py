"""What reaches the HTML: escaped sentences and tables, capped with a caption, in the reader's words."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from civicnlp import display

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<xss autofocus onfocus=alert(1)>",
    "# 제목\n\n- 목록",
    "`code` **bold** _it_",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_markdown_renders_as_its_own_characters(value):
    html = markdown2html_mistune(display.markdown("값: {v} 끝", v=value).data)
    assert "<img" not in html and "<script" not in html and "<xss" not in html and "<a " not in html
    assert "<h1" not in html and "<li" not in html and "<code" not in html and "<strong" not in html
    assert html.startswith("<p>값: ")


def test_numbers_keep_their_format_and_templates_their_markup():
    html = markdown2html_mistune(display.markdown("**{n:,}건** {s:.0%}", n=12345, s=0.256).data)
    assert html.strip() == "<p><strong>12,345건</strong> 26%</p>"


def test_a_table_escapes_cells_and_headers_and_masks_them():
    frame = pd.DataFrame({"<b>col</b>": ["<script>x</script>"], "text_masked": ["010-1234-5678 로 연락"]})
    html = display.table(frame).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;col" in html
    assert "010-1234-5678" not in html and "&lt;전화번호&gt;" in html


def test_a_long_table_is_cut_and_says_so():
    frame = pd.DataFrame({"text_masked": [f"댓글 {i}" for i in range(50)]})
    html = display.table(frame).to_html()
    assert html.count("<tr") == 1 + display.MAX_ROWS and "상위 20건 / 전체 50건" in html
    assert "상위 20건 / 전체 63건" in display.table(frame.head(20), total=63).to_html()
    assert "상위" not in display.table(frame.head(5)).to_html()


def test_formats_follow_the_columns_into_korean():
    html = display.table(pd.DataFrame({"entry_share": [0.5]}), formatter={"entry_share": "{:.0%}"}).to_html()
    assert "응모 비율" in html and "50%" in html


def test_warnings_are_recorded_not_printed(capsys):
    seen = display.collect_warnings()
    try:
        warnings.warn("model did not converge", UserWarning, stacklevel=1)
    finally:
        warnings.showwarning = warnings._showwarning_orig  # type: ignore[attr-defined]
    assert seen == ["UserWarning: model did not converge"]
    assert capsys.readouterr().err == ""
    assert "경고가 1건" in display.warnings_note(seen).data
    assert "없었습니다" in display.warnings_note([]).data


@pytest.mark.parametrize(("count", "n", "cell"), [(5, 10, "5건 / 10건"), (30, 100, "30% (22%–40%)")])
def test_share_cells_give_counts_below_the_minimum_sample(count, n, cell):
    assert display.share_cell(count, n) == cell


def test_sentiment_table_reads_in_korean_with_intervals():
    shares = pd.DataFrame(
        {"channel": ["facebook", "blog"], "n": [100, 10], "n_negative": [50, 5], "n_positive": [20, 5],
         "net_sentiment": [-0.3, 0.0]}
    )  # fmt: skip
    table = display.sentiment_table(shares)
    assert table.iloc[0].tolist() == ["페이스북", "100", "50% (40%–60%)", "20% (13%–29%)", "-30%p"]
    assert table.iloc[1].tolist() == ["블로그", "10", "5건 / 10건", "5건 / 10건", "-"]
