"""A campaign folder: where its campaigns, releases and comments live, and one campaign read from it.

Layout (``data/sample`` is one)::

    campaigns.csv               campaign_id, name, start, end, [channels, hashtags, release_id, captured_at]
    releases.csv                release_id, campaign_id, title, body, published_at, [department, url]
    comments/<campaign_id>.csv  a comments table (or .tsv/.jsonl/.json/.xlsx/.parquet) — or:
    raw/<campaign_id>/          the campaign's channel exports as they came (civicnlp.channels)

Campaign ids name these paths, so they are checked (:func:`civicnlp.io.check_campaign_id`) and files are
found by exact name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civicnlp import config
from civicnlp.channels import export_files, read_channel
from civicnlp.exceptions import CapturedAtRequired, ParameterError
from civicnlp.io import (
    RELEASES,
    TABLE_SUFFIXES,
    LoadResult,
    check_campaign_id,
    load_campaigns,
    load_comments,
    load_releases,
)

__all__ = ["Campaign", "campaign_details", "comments_source", "list_campaigns", "load_campaign"]


@dataclass
class Campaign:
    """One campaign's bundle: its row of campaigns.csv (``info``), its releases and its comments."""

    campaign_id: str
    info: dict[str, Any]
    releases: pd.DataFrame
    comments: LoadResult
    files: dict[str, Path] = field(default_factory=dict)


_CAMPAIGNS_FILE = "campaigns.csv"
_RELEASES_FILE = "releases.csv"
_COMMENTS_DIR = "comments"
_RAW_DIR = "raw"


def list_campaigns(data_dir: str | Path | None = None) -> list[str]:
    """Campaign ids in ``<data_dir>/campaigns.csv`` (default: the shipped sample)."""
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    return load_campaigns(_need(folder / _CAMPAIGNS_FILE)).data["campaign_id"].tolist()


def load_campaign(
    campaign_id: str, data_dir: str | Path | None = None, *, columns: Mapping[str, str] | str | None = None
) -> Campaign:
    """One campaign from a folder laid out like ``data/sample``.

    Layout: ``campaigns.csv``, ``releases.csv``, and the campaign's comments either as one table,
    ``comments/<campaign_id>.<csv|tsv|jsonl|xlsx|parquet>``, or as its channels' own exports in
    ``raw/<campaign_id>/`` (read by :func:`civicnlp.channels.read_channel`; relative times in pasted comment
    lists count back from the campaign's ``captured_at`` in campaigns.csv). One of the two, not both.
    """
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    info, releases, files = campaign_details(campaign_id, folder)
    source = comments_source(campaign_id, folder)
    if source.is_dir():
        exports = export_files(source)
        try:
            comments = read_channel(
                exports, campaign_id=campaign_id, captured_at=info.get("captured_at"), columns=columns
            )
        except CapturedAtRequired as exc:
            raise CapturedAtRequired(
                f"{exc}; in a campaign folder, give {campaign_id!r} a captured_at in {_CAMPAIGNS_FILE}"
            ) from exc
        comments.name = f"{_RAW_DIR}/{campaign_id}/ ({len(exports)} files)"
        files.update({f"{_RAW_DIR}/{campaign_id}/{p.name}": p for p in exports})
    else:
        comments = load_comments(source, campaign_id=campaign_id, columns=columns)
        files["comments"] = source
    return Campaign(campaign_id=campaign_id, info=info, releases=releases, comments=comments, files=files)


def campaign_details(
    campaign_id: str, data_dir: str | os.PathLike[str] | None = None
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Path]]:
    """A campaign without its comments: its campaigns.csv row (``channels`` and ``hashtags`` as lists, blanks
    as None), its releases, and the files they came from (for the run's fingerprints)."""
    check_campaign_id(campaign_id)
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    campaigns = load_campaigns(_need(folder / _CAMPAIGNS_FILE)).data
    row = campaigns[campaigns["campaign_id"] == campaign_id]
    if row.empty:
        raise ParameterError(
            f"unknown campaign {campaign_id!r} in {folder / _CAMPAIGNS_FILE};"
            f" known: {campaigns['campaign_id'].tolist()}"
        )
    info: dict[str, Any] = {str(k): (None if _isna(v) else v) for k, v in row.iloc[0].to_dict().items()}
    for key in ("channels", "hashtags"):
        info[key] = [p.strip() for p in str(info.get(key) or "").split(";") if p.strip()]
    files = {"campaigns": folder / _CAMPAIGNS_FILE}
    releases = _empty_releases()
    if (folder / _RELEASES_FILE).is_file():
        files["releases"] = folder / _RELEASES_FILE
        releases = load_releases(files["releases"]).data
    return info, releases[releases["campaign_id"] == campaign_id].reset_index(drop=True), files


def comments_source(campaign_id: str, data_dir: str | Path | None = None) -> Path:
    """Where a campaign folder keeps ``campaign_id``'s comments: its table in ``comments/`` or its
    ``raw/<campaign_id>/`` folder of channel exports; a :class:`ParameterError` for none or both."""
    check_campaign_id(campaign_id)
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    named = (folder / _COMMENTS_DIR / f"{campaign_id}{suffix}" for suffix in TABLE_SUFFIXES)
    tables = [path for path in named if path.is_file()]
    raw = folder / _RAW_DIR / campaign_id
    if tables and raw.is_dir():
        raise ParameterError(
            f"{campaign_id!r} has both {tables[0]} and {raw}/; keep the comments in one of them"
        )
    if raw.is_dir():
        return raw
    if not tables:
        raise ParameterError(
            f"no comments for {campaign_id!r}: expected {folder / _COMMENTS_DIR}/{campaign_id}.csv"
            f" (or .tsv/.jsonl/.xlsx/.parquet) or channel exports in {raw}/"
        )
    return tables[0]


def _empty_releases() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in (*RELEASES.required, *RELEASES.optional)})


def _isna(value: object) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))
    )


def _need(path: Path) -> Path:
    if not path.is_file():
        raise ParameterError(f"missing file {path}")
    return path
