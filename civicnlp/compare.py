"""Reports side by side: the latest report of a campaign, headline numbers of several, and what changed.

Reads the ``summary.json`` files that ``civicnlp report`` publishes under a reports folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from civicnlp import config
from civicnlp.io import check_campaign_id, inside

__all__ = [
    "HEADLINE_METRICS",
    "changed_models",
    "channel_table",
    "collect_summaries",
    "comparison_sentences",
    "comparison_table",
    "headline",
    "headline_table",
    "latest_summary",
    "styled_headline",
]


def latest_summary(
    reports_root: str | os.PathLike[str] | None, campaign_id: str, *, exclude: str | None = None
) -> dict[str, Any] | None:
    """The newest published ``summary.json`` of a campaign under ``reports_root`` (None when there is none).

    ``exclude`` skips the run with that run id (the current one). The result gains ``_report_dir``.
    """
    if not reports_root:
        return None
    folder = inside(reports_root, check_campaign_id(campaign_id))
    found = []
    for path in folder.glob("*/summary.json"):
        if path.parent.name.startswith("."):
            continue
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        manifest = summary.get("manifest") or {}
        if exclude and manifest.get("run_id") == exclude:
            continue
        found.append((str(manifest.get("created_at", "")), path.parent.name, summary, path.parent))
    if not found:
        return None
    *_, summary, where = max(found, key=lambda item: (item[0], item[1]))
    return {**summary, "_report_dir": str(where)}


HEADLINE_METRICS = {
    "comments": "댓글 수",
    "participants": "참여자 수",
    "entry_share": "응모 댓글 비율",
    "opinion_net": "의견 순감성",
    "actionable": "답변 필요 댓글",
    "spam": "스팸",
    "toxic_share": "공격·혐오 비율",
}


HEADLINE_SHARES = ("entry_share", "opinion_net", "toxic_share")


def headline(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """The few numbers two reports are compared on (keys of ``HEADLINE_METRICS``)."""
    values = {key: summary.get(key) for key in HEADLINE_METRICS}
    values["opinion_net"] = (summary.get("opinion_sentiment") or {}).get("net")
    return {k: None if v is None else float(v) for k, v in values.items()}


def headline_table(summaries: Mapping[str, Mapping[str, Any] | None]) -> pd.DataFrame:
    """Headline metrics of several reports side by side (``{label: summary}``), one row per metric."""
    table = pd.DataFrame({label: headline(s) for label, s in summaries.items() if s})
    table.index = pd.Index([HEADLINE_METRICS[k] for k in table.index], name="지표")
    return table


def styled_headline(table: pd.DataFrame) -> Any:
    """A headline table for display: counts as whole numbers, shares as percentages, missing as "-"."""
    shares = [HEADLINE_METRICS[k] for k in HEADLINE_SHARES if HEADLINE_METRICS[k] in table.index]
    counts = [label for label in table.index if label not in shares]
    return (
        table.style.format("{:,.0f}", subset=pd.IndexSlice[counts, :], na_rep="-")
        .format("{:.1%}", subset=pd.IndexSlice[shares, :], na_rep="-")
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
    )


def comparison_table(
    current: Mapping[str, Any],
    others: Mapping[str, Mapping[str, Any] | None],
    *,
    models: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """This report's headline metrics beside other reports (``{label: summary}``). A report made with another
    sentiment model than ``models``' (``{role: card}``) shows no net sentiment ("-"), as
    :func:`comparison_sentences` does not compare it."""
    table = headline_table({"이번 보고서": current, **others})
    for label, other in others.items():
        if other and "sentiment" in changed_models(models or {}, other):
            table.loc[HEADLINE_METRICS["opinion_net"], label] = None
    return table


def collect_summaries(
    reports_root: str | os.PathLike[str] | None = None, campaign_ids: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The latest summary.json of each campaign under ``reports_root`` (default ``reports/``), by id."""
    root = Path(reports_root) if reports_root is not None else config.reports_dir()
    if not root.is_dir():
        return {}
    ids = list(campaign_ids) if campaign_ids else sorted(p.name for p in root.iterdir() if p.is_dir())
    found = {c: latest_summary(root, c) for c in ids}
    return {c: s for c, s in found.items() if s}


def channel_table(summaries: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per campaign and channel from the summaries' ``by_channel`` records."""
    rows = [
        {"campaign_id": campaign, **record}
        for campaign, summary in summaries.items()
        for record in summary.get("by_channel") or []
    ]
    return pd.DataFrame(rows, columns=None if rows else ["campaign_id", "channel", "comments"])


def changed_models(
    models: Mapping[str, Mapping[str, Any]], other: Mapping[str, Any]
) -> dict[str, tuple[str, str]]:
    """This report's models (``{role: card}``) that were trained at another time than those in ``other``'s
    manifest: ``{role: (then, now)}`` training times. A report without a manifest changes nothing."""
    before = (other.get("manifest") or {}).get("models") or {}
    out = {}
    for role, card in models.items():
        then, now = (before.get(role) or {}).get("trained_at"), card.get("trained_at")
        if then and now and then != now:
            out[role] = (str(then), str(now))
    return out


def comparison_sentences(
    current: Mapping[str, Any],
    other: Mapping[str, Any] | None,
    label: str,
    *,
    models: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Plain Korean sentences on how this report differs from ``other`` (e.g. the previous run).

    ``models`` (``{role: card}``, the models this report used): when the sentiment model is not the one
    ``other`` used, its net sentiment is not compared, since the change could be the model's."""
    if not other:
        return []
    now, before = headline(current), headline(other)
    out = []
    if now["comments"] is not None and before["comments"] is not None:
        diff = int(now["comments"] - before["comments"])
        change = f"{abs(diff):,}건 {'늘었' if diff > 0 else '줄었'}습니다" if diff else "같습니다"
        out.append(f"{label} 대비 댓글 수는 {change}.")
    retrained = changed_models(models or {}, other)
    if "sentiment" in retrained:
        then, now_at = (t[:16].replace("T", " ") for t in retrained["sentiment"])
        out.append(
            f"감성 모델이 {label}와 달라(학습 시각 {then} → {now_at} UTC) 의견 순감성은 비교하지 않습니다. "
            "차이가 모델 때문일 수 있습니다."
        )
    elif now["opinion_net"] is not None and before["opinion_net"] is not None:
        diff_p = (now["opinion_net"] - before["opinion_net"]) * 100
        out.append(f"의견 순감성은 {label} 대비 {diff_p:+.0f}%p 변했습니다.")
    return out
