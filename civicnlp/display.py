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
from collections.abc import Mapping
from typing import Any

import pandas as pd

from civicnlp.io import redact

__all__ = ["escape_markdown", "markdown", "table"]

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


def table(
    frame: pd.DataFrame,
    *,
    formatter: Mapping[str, Any] | None = None,
    precision: int = 2,
    redacted: bool = True,
) -> Any:
    """A pandas ``Styler`` of ``frame`` without its index, every cell and label HTML-escaped.

    The frame goes through :func:`civicnlp.io.redact` first unless ``redacted=False`` (for tables built only
    from the package's own numbers and labels).
    """
    shown = redact(frame) if redacted else frame
    styled = (
        shown.style.hide(axis="index")
        .format(formatter=dict(formatter or {}), precision=precision, escape="html", na_rep="-")
        .format_index(escape="html", axis=1)
    )
    return styled.set_properties(None, **{"text-align": "left"})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Escaped:
    """A value that formats as escaped Markdown text whatever the format spec says."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return escape_markdown(format(self.value, spec) if spec else self.value)
