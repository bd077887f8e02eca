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
from collections.abc import Mapping
from typing import Any, TextIO

import pandas as pd

from civicnlp.io import redact

__all__ = ["MAX_ROWS", "collect_warnings", "escape_markdown", "markdown", "table", "warnings_note"]

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
    :func:`civicnlp.io.redact` and with every cell and label HTML-escaped.

    When rows are left out (``total``, the size of the list ``frame`` was cut from, or ``frame`` itself is
    longer than ``max_rows``), the caption says "상위 N건 / 전체 M건".
    """
    total = max(len(frame), total or 0)
    shown = redact(frame.head(max_rows))
    styled = (
        shown.style.hide(axis="index")
        .format(formatter=dict(formatter or {}), precision=precision, escape="html", na_rep="-")
        .format_index(escape="html", axis=1)
        .set_properties(None, **{"text-align": "left", "white-space": "normal", "overflow-wrap": "anywhere"})
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
