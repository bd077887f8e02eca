"""A campaign report's data, built in one call: load → annotate → select → aggregate → findings.

:func:`build` is what the report notebook, the CLI and the tests call; :func:`write_outputs` writes what a
report leaves beside its HTML (``comments_scored.csv`` and ``summary.json``) through the one writer of
``civicnlp.io``. The notebook only shows what :class:`ReportData` holds: nothing in it decides what is safe to
write.

With ``annotated_dir`` (the output of ``civicnlp annotate --engine dask``) the summary comes from all rows
with Dask (the same metric functions), and what needs the texts (examples, themes, concerns, charts) from a
seeded sample of at most ``sample_rows`` rows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from civicnlp import aggregate, findings
from civicnlp.annotate import DEFAULT_MODELS, annotate_loaded
from civicnlp.campaigns import load_campaign
from civicnlp.classify import model_card
from civicnlp.io import redact, write_csv_parts, write_json, write_table
from civicnlp.keywords import as_token_lists
from civicnlp.report import run_manifest

__all__ = ["ReportData", "build", "write_outputs"]


@dataclass
class ReportData:
    """Everything a campaign report shows, computed once.

    ``scored`` holds the annotated comments in the selection (a sample of them with ``rows``, the Dask frame
    of all of them, when the report reads an annotated folder); ``quarantine`` is already redacted;
    ``summary`` is what ``summary.json`` carries before the run's data quality and manifest are added.
    """

    campaign_id: str
    info: dict[str, Any]
    releases: pd.DataFrame
    files: dict[str, Path]
    models: dict[str, str]
    scored: pd.DataFrame
    summary: dict[str, Any]
    concerns: pd.DataFrame
    next_steps: list[dict[str, str]]
    quarantine: pd.DataFrame
    data_quality: dict[str, Any]
    campaign_terms: set[str]
    cards: dict[str, dict[str, Any]]
    parameters: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    rows: Any = None

    @property
    def opinions(self) -> pd.DataFrame:
        """The scored comments that are opinions: no entries, no spam."""
        return aggregate.opinions(self.scored)

    @property
    def opinion_nouns(self) -> pd.Series:
        """Each opinion's nouns without the campaign's own terms (themes and word contrasts use these)."""
        said = self.opinions
        skip = self.campaign_terms
        return pd.Series(
            [[t for t in doc if t not in skip] for doc in as_token_lists(said["nouns"])], index=said.index
        )


def build(
    campaign_id: str,
    *,
    data_dir: str | Path | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    channels: Sequence[str] | None = None,
    models: Mapping[str, str] | None = None,
    annotated_dir: str | Path | None = None,
    sample_rows: int = 200_000,
    columns: Mapping[str, str] | str | None = None,
    tokenizer: Any = None,
) -> ReportData:
    """Load, annotate, select and aggregate one campaign's comments, and find what stands out.

    ``columns`` maps the comments file's own column names (``text=내용,created_at=작성일시``), as
    ``civicnlp validate`` and ``annotate`` take it."""
    chosen = {**DEFAULT_MODELS, **dict(models or {})}
    parameters = {
        "campaign_id": campaign_id,
        "data_dir": None if data_dir is None else str(data_dir),
        "date_from": date_from,
        "date_to": date_to,
        "channels": list(channels) if channels else None,
        "columns": columns,
        "models": chosen,
        "annotated_dir": None if annotated_dir is None else str(annotated_dir),
        "sample_rows": sample_rows if annotated_dir else None,
    }
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if annotated_dir:
        from civicnlp import distributed

        part = distributed.load_partitioned(campaign_id, annotated_dir, data_dir)
        info, releases, files = part.info, part.releases, part.files
        timings["load_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = distributed.select_dask(
            part.annotated, date_from=date_from, date_to=date_to, channels=channels
        )
        scored = distributed.sample_rows(rows, sample_rows)
        reported, annotated = int(rows.shape[0].compute()), int(part.annotated.shape[0].compute())
        rows_in, quarantine, reasons = part.rows_in, part.quarantine, part.quarantine_reasons
        timings["annotate_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        summary = aggregate.summarize(rows, info, releases, tokenizer=tokenizer)
    else:
        campaign = load_campaign(campaign_id, data_dir, columns=columns)
        info, releases, files = campaign.info, campaign.releases, campaign.files
        timings["load_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        result = annotate_loaded(campaign.comments, campaign=info, models=chosen, tokenizer=tokenizer)
        rows = None
        scored = aggregate.select_comments(
            result.data, date_from=date_from, date_to=date_to, channels=channels
        )
        reported, annotated, rows_in = len(scored), len(result.data), result.rows_in
        quarantine = result.quarantine
        reasons = {str(k): int(v) for k, v in quarantine["reason"].value_counts().items()}
        timings["annotate_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        summary = aggregate.summarize(scored, info, releases, tokenizer=tokenizer)
    terms = findings.campaign_terms(
        info, aggregate.release_nouns(releases, tokenizer) if len(releases) else []
    )
    found = findings.concerns(scored, terms)
    summary["concerns"] = found.to_dict("records")
    steps = findings.next_steps(scored, summary, found, actionable=summary.get("actionable"))
    summary["next_steps"] = steps
    quality = {
        "rows_in": rows_in,
        "annotated": annotated,
        "quarantined": sum(reasons.values()),
        "outside_selection": annotated - reported,
        "reported": reported,
        "quarantine_reasons": reasons,
    }
    if annotated_dir:
        quality["sample_rows"] = len(scored)
    timings["aggregate_seconds"] = time.perf_counter() - started
    return ReportData(
        campaign_id=campaign_id,
        info=info,
        releases=releases,
        files=files,
        models=chosen,
        scored=scored,
        summary=summary,
        concerns=found,
        next_steps=steps,
        quarantine=redact(quarantine),
        data_quality=quality,
        campaign_terms=terms,
        cards={role: model_card(name) for role, name in chosen.items()},
        parameters=parameters,
        timings=timings,
        rows=rows,
    )


def write_outputs(
    data: ReportData,
    folder: str | Path,
    *,
    run_id: str | None,
    parameters: Mapping[str, Any] | None = None,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """Write ``comments_scored.csv`` (every scored row of the selection) and ``summary.json`` (the summary,
    data quality, warnings seen and the run's manifest: inputs' sha256, parameters — ``data.parameters``
    and ``parameters`` —, model cards, package version, timings) into ``folder``; return the manifest."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    if data.rows is not None:
        write_csv_parts(data.rows, target / "comments_scored.csv")
    else:
        write_table(data.scored, target / "comments_scored.csv")
    manifest = run_manifest(
        files=data.files,
        parameters={**data.parameters, **dict(parameters or {})},
        models=data.cards,
        run_id=str(run_id),
        timings=data.timings,
    )
    record = {
        **data.summary,
        "data_quality": data.data_quality,
        "warnings": list(warnings),
        "manifest": manifest,
    }
    write_json(record, target / "summary.json", verbatim=("manifest",))
    return manifest
