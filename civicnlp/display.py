"""What reaches a report's HTML: tables and sentences with every value escaped.

A report shows cells that strangers typed (comments, channel names, ids, quarantined rows). Everything shown
goes through :func:`civicnlp.io.redact` (personal data masked, authors pseudonymised) and is escaped, so a
comment reading ``<img src=x onerror=...>`` or ``[x](javascript:...)`` is shown as those characters and never
runs. The report page also carries a Content-Security-Policy that allows no script at all (see
``civicnlp.report``), as a second wall.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from civicnlp.aggregate import MIN_SHARE_N, wilson_interval
from civicnlp.io import file_sha256, redact
from civicnlp.labels import COLUMN_LABELS, channel_name, for_reader

__all__ = [
    "MAX_ROWS",
    "collect_warnings",
    "concerns_table",
    "escape_markdown",
    "files_table",
    "markdown",
    "models_table",
    "next_steps_table",
    "sentiment_table",
    "share_cell",
    "table",
    "themes_table",
    "warnings_note",
]

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def escape_markdown(value: object) -> str:
    """``value`` as literal text inside Markdown: HTML special characters as entities, Markdown punctuation
    backslash-escaped, line breaks as spaces (a value cannot start a heading, a list, a link or a tag)."""
    text = html.escape(_LINE_BREAKS.sub(" ", str(value)), quote=True)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def markdown(template: str, /, **values: Any) -> Any:
    """``IPython.display.Markdown`` of a trusted ``template`` filled with escaped ``values``.

    ``template`` uses ``str.format`` fields: ``markdown("**{name}** {n:,}건", name=campaign_name, n=rows)``.
    Strings (and anything not a number) are escaped with :func:`escape_markdown`; numbers are formatted as the
    field says.
    """
    from IPython.display import Markdown

    safe = {k: v if _is_number(v) else _Escaped(v) for k, v in values.items()}
    return Markdown(template.format(**safe))


#: Rows a report table shows at most; the full list is in the CSV.
MAX_ROWS = 20


def table(
    frame: pd.DataFrame,
    *,
    formatter: Mapping[str, Any] | None = None,
    precision: int = 2,
    total: int | None = None,
    max_rows: int = MAX_ROWS,
) -> Any:
    """A pandas ``Styler`` of ``frame``'s first ``max_rows`` rows, without its index, masked by
    :func:`civicnlp.io.redact`, in the reader's words (:func:`civicnlp.labels.for_reader`) and with every cell
    and label HTML-escaped.

    When rows are left out (``total``, the size of the list ``frame`` was cut from, or ``frame`` itself is
    longer than ``max_rows``), the caption says "상위 N건 / 전체 M건".
    """
    total = max(len(frame), total or 0)
    shown = for_reader(redact(frame.head(max_rows)))
    formats = {COLUMN_LABELS.get(k, k): v for k, v in (formatter or {}).items()}
    styled = (
        shown.style.hide(axis="index")
        .format(formatter=formats, precision=precision, escape="html", na_rep="-")
        .format_index(escape="html", axis=1)
        .set_properties(None, **{"text-align": "left", "white-space": "normal", "overflow-wrap": "anywhere"})
        .set_table_styles([{"selector": "th", "props": [("text-align", "left"), ("white-space", "nowrap")]}])
    )
    if total > len(shown):
        styled = styled.set_caption(
            f"상위 {len(shown):,}건 / 전체 {total:,}건 (전체 목록은 CSV 파일에 있습니다)"
        )
    return styled


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Escaped:
    """A value that formats as escaped Markdown text whatever the format spec says."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return escape_markdown(format(self.value, spec) if spec else self.value)


def collect_warnings() -> list[str]:
    """From now on, record each Python warning of this process in the returned list instead of printing it
    into the notebook: a report shows the reader a Korean note (:func:`warnings_note`) and keeps the list in
    its run manifest, never a warning box with a library's path."""
    seen: list[str] = []

    def record(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        seen.append(f"{category.__name__}: {message}")

    warnings.showwarning = record
    return seen


def warnings_note(seen: list[str]) -> Any:
    """A Korean sentence for the method section about the warnings :func:`collect_warnings` recorded."""
    if not seen:
        return markdown("분석 중 경고는 없었습니다.")
    kinds = sorted({w.split(":", 1)[0] for w in seen})
    return markdown(
        "분석 중 라이브러리 경고가 {n:,}건 있었습니다({kinds}). 내용은 summary.json의 실행 기록(manifest)에 "
        "남겨 두었습니다.",
        n=len(seen),
        kinds=", ".join(kinds),
    )


# ---------------------------------------------------------------- the report's tables, in the reader's words

ROLE_NAMES = {
    "sentiment": "감성",
    "policy_area": "정책 분야",
    "toxicity": "공격성",
    "reply": "답변 필요",
    "news_section": "뉴스 분야",
}


def share_cell(count: int, n: int) -> str:
    """``35% (31–40%)``: a share with its 95% Wilson interval; ``n건 중 k건`` below the minimum sample."""
    if n < MIN_SHARE_N:
        return f"{count:,}건 / {n:,}건"
    low, high = (float(v) for v in wilson_interval(count, n))
    return f"{count / n:.0%} ({low:.0%}–{high:.0%})"


def files_table(files: Mapping[str, Any]) -> pd.DataFrame:
    """The run's input files by their name in the data folder, with the first 16 digits of their sha256."""
    return pd.DataFrame(
        [
            {"입력": name if "/" in name else Path(path).name, "sha256 (앞 16자리)": file_sha256(path)[:16]}
            for name, path in files.items()
        ]
    )


def sentiment_table(shares: pd.DataFrame) -> pd.DataFrame:
    """``civicnlp.aggregate.sentiment_shares`` by channel as the reader's table: each class's share with its
    interval (counts below the minimum sample) and the net sentiment in %p."""
    rows = []
    for row in shares.to_dict("records"):
        n = int(row["n"])
        record = {"채널": channel_name(row["channel"]), "의견 댓글": f"{n:,}"}
        for name, label in (("negative", "부정"), ("neutral", "중립"), ("positive", "긍정")):
            if f"n_{name}" in row:
                record[label] = share_cell(int(row[f"n_{name}"]), n)
        net = row.get("net_sentiment")
        record["순감성(긍정−부정)"] = (
            "-" if n < MIN_SHARE_N or net is None or net != net else f"{net * 100:+.0f}%p"
        )
        rows.append(record)
    return pd.DataFrame(rows)


def models_table(cards: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per model: its role, name, training date and key validation figure."""
    rows = []
    for role, card in cards.items():
        validation = card.get("validation") or {}
        figure = validation.get("macro_f1") if isinstance(validation, Mapping) else None
        corpora = card.get("corpora") or [card.get("corpus") or "-"]
        rows.append(
            {
                "역할": ROLE_NAMES.get(role, role),
                "모델": "기본" if card.get("name", role) == role else str(card.get("name")),
                "버전": str(card.get("civicnlp_version", "-")),
                "학습일": str(card.get("trained_at", "-"))[:10],
                "학습 말뭉치": ", ".join(
                    str(c.get("name", c)) if isinstance(c, Mapping) else str(c) for c in corpora
                ),
                "검증 macro-F1": "-" if figure is None else f"{float(figure):.3f}",
            }
        )
    return pd.DataFrame(rows)


def next_steps_table(steps: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """The recommendations of ``civicnlp.findings.next_steps``, numbered."""
    return pd.DataFrame([{"순서": i, **step} for i, step in enumerate(steps, start=1)])


def concerns_table(concerns: pd.DataFrame, opinions: int) -> pd.DataFrame:
    """``civicnlp.findings.concerns`` as the reader's table: words, comments, share of the opinion comments
    with its interval, channels and one or two masked examples."""
    rows = [
        {
            "우려(핵심어)": c["name"],
            "댓글 수": f"{c['comments']:,}",
            "의견 댓글 중 비율": share_cell(int(c["comments"]), opinions),
            "채널": ", ".join(f"{channel_name(k)} {v}" for k, v in c["channels"].items()),
            "예시 (개인정보 가림)": " / ".join(str(e)[:120] for e in c["examples"]),
        }
        for c in concerns.to_dict("records")
    ]
    return pd.DataFrame(rows)


def themes_table(themes: pd.DataFrame, doc_themes: pd.Series, texts: pd.Series) -> pd.DataFrame:
    """Discovered themes, named by their top words, with their size and one example comment each."""
    rows = []
    total = len(texts)
    positions = doc_themes.to_numpy()
    for theme in themes.sort_values("documents", ascending=False).to_dict("records"):
        members = texts.iloc[positions == theme["theme"]]
        rows.append(
            {
                "테마(핵심어)": "·".join(theme["keywords"][:3]),
                "다른 핵심어": ", ".join(theme["keywords"][3:6]),
                "댓글 수": f"{int(theme['documents']):,}",
                "비율": share_cell(int(theme["documents"]), total),
                "예시 (개인정보 가림)": str(members.iloc[0])[:120] if len(members) else "-",
            }
        )
    return pd.DataFrame(rows)
