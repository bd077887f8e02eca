"""The annotate pipeline and the report's counts on Dask, for campaigns past one machine.

Same functions, no scheduler of our own: every partition goes through ``civicnlp.annotate.annotate_masked``,
the function of the single-process path, with ``dask.dataframe.map_partitions``; the counts behind the
report are Dask group-by sums turned into ratios only at the end.

How ``annotate_dask`` keeps its output identical to ``civicnlp annotate`` (row for row, column for column):

1. Each input file is read and validated whole by ``civicnlp.io.load_comments`` on a worker, so encoding
   detection, ``source_row`` numbering and the duplicate ``comment_id`` check are exactly those of the file.
2. The valid rows are masked and cut into pieces of ``partition_rows`` rows, indexed by their global input
   order (file order, then row order); rows that are blank after normalization are quarantined as
   ``annotate_loaded`` does. Each piece is annotated where it is (no shuffle) by ``annotate_masked``, which
   tokenizes and scores each distinct text of the piece once; the texts found in several pieces (stock
   lines, copies) are scored once for all by one task (``score_texts``) that every piece takes them from.
   A text's tokens and scores do not depend on the other rows, so they equal the single process's.
3. The flags that compare comments with each other (duplicate, near duplicate, spam by repetition) need
   the whole campaign — the earliest comment is the original. One task per campaign runs
   ``cross_row_flags`` over the columns they read (campaign, author, time and the text's comparison key)
   of that campaign's rows in input order, beside the annotation; each annotated piece then takes its
   rows' three flags from it, and is written. The other flags read only their own row.

Limits: one campaign's cross-row flags are one task, so its slim columns must fit one worker (about
150 bytes a comment, and about 250 MB more a million comments while flagging) and that step does not
speed up with more workers; ``comment_id`` duplicates are checked within each input file, as
``civicnlp annotate`` checks them, not across files; ``out_dir`` must be reachable from every worker (a
shared file system when the cluster spans machines).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import dask.dataframe as dd
    from distributed import WorkerPlugin
except ImportError as exc:  # dask is an optional extra
    raise ImportError("civicnlp.distributed needs Dask: pip install 'civicnlp[dask]'") from exc

from civicnlp import aggregate
from civicnlp.aggregate import select_comments
from civicnlp.annotate import (
    CROSS_ROW_FLAGS,
    annotate_masked,
    comparison_keys,
    cross_row_flags,
    load_models,
    mask_texts,
    score_texts,
)
from civicnlp.campaigns import campaign_details
from civicnlp.exceptions import CivicNLPError, DataContractError, ParameterError
from civicnlp.io import TABLE_SUFFIXES, annotated_parts, load_campaigns, load_comments, write_parts
from civicnlp.tokenize import Tokenizer

__all__ = [
    "DaskAnnotateSummary",
    "WarmUp",
    "annotate_dask",
    "connect",
    "expand_inputs",
    "load_partitioned",
    "read_annotated",
    "sample_rows",
    "select_dask",
]

PARTITION_ROWS = 25_000
# Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (to hand freed memory back); set alone it turns off
# glibc's adaptive mmap threshold, so every numpy temporary of 128 KB or more is a fresh mmap, zeroed page by
# page: annotating a 49,000-row part took 12.4 s against 10.7 s. Temporaries up to 32 MB from the heap, which
# is trimmed past 64 MB free: 10.0 s.
WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": 32 * 2**20, "MALLOC_TRIM_THRESHOLD_": 64 * 2**20}
# What the local cluster's Dask servers do in the background, turned down: each worker samples its task
# thread's stack every 10 ms for the dashboard's Profile page (about 4% of its CPU while annotating: 11.5 s
# against 11.1 s for one 50,000-row part), and every server checks its event loop every 20 ms and samples
# the system every 0.5 s: idle, the scheduler process and two workers used 0.76 s and 0.91 s of CPU in 30 s,
# and 0.43 s and 0.46 s with the two slower intervals below. The dashboard works, without its Profile page.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}
ORDER = "_seq"  # the global input order: file order, then row order within the file
_GLOB_CHARS = set("*?[")


# ---------------------------------------------------------------- cluster


class WarmUp(WorkerPlugin):
    """Worker plugin: builds the tagger and loads the models once when a worker starts, so no partition
    pays for them (both are cached per process by ``civicnlp.tokenize`` and ``civicnlp.classify``)."""

    name = "civicnlp-warm-up"

    def __init__(self, tokenizer: Any = None, models: Mapping[str, Any] | None = None) -> None:
        self.tokenizer = tokenizer
        self.models = models

    def setup(self, worker: Any) -> None:

        tok = self.tokenizer if self.tokenizer is not None else Tokenizer()
        tok.tokenize_presets(["준비 완료"], [tok.pos, "nouns"])
        load_models(self.models)

    def teardown(self, worker: Any) -> None:
        """Nothing to release: the caches die with the worker process."""


@contextmanager
def connect(scheduler: str | None = None, n_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to the cluster at ``scheduler`` (``tcp://host:8786``), or to a new
    ``LocalCluster`` of ``n_workers`` processes (default: one per core) with one thread each, started with
    :data:`WORKER_MALLOC` in their environment (a variable already set in this environment wins) and
    :data:`WORKER_CONFIG`."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ParameterError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from exc
        with client:
            yield client
        return
    workers = n_workers if n_workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ParameterError(f"n_workers must be >= 1, got {workers}")
    malloc = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC.items()}
    with (
        dask.config.set({**malloc, **WORKER_CONFIG}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


# ---------------------------------------------------------------- inputs


def expand_inputs(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    """Files from paths, folders (their table files) and globs (``data/2024-*/*.parquet``), in a stable
    order (each pattern's matches sorted; a file named twice is read once)."""

    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if not items:
        raise ParameterError("no input given: name comment files, folders or globs")
    files: list[Path] = []
    for item in items:
        text = str(item)
        if _GLOB_CHARS & set(text):
            found = [Path(p) for p in sorted(glob.glob(text, recursive=True)) if Path(p).is_file()]
        elif Path(text).is_dir():
            found = sorted(p for p in Path(text).iterdir() if p.suffix.lower() in TABLE_SUFFIXES)
        elif Path(text).is_file():
            found = [Path(text)]
        else:
            raise ParameterError(f"input not found: {text}")
        if not found:
            raise ParameterError(f"no comment files match {text}")
        files.extend(p for p in found if p not in files)
    return files


def _campaign_table(campaign: Any, files: Sequence[Path]) -> Any:
    """The entry-keyword source: as given, read from a campaigns file, or the ``campaigns.csv`` beside the
    first input or its parent folder (the rule of ``annotate_file``)."""

    if isinstance(campaign, (str, Path)):
        if not Path(campaign).is_file():
            raise ParameterError(f"campaigns file not found: {campaign}")
        return load_campaigns(campaign).data
    if campaign is not None:
        return campaign
    first = files[0]
    nearby = [folder / "campaigns.csv" for folder in (first.parent, first.parent.parent)]
    found = next((p for p in nearby if p.is_file()), None)
    return load_campaigns(found).data if found is not None else None


# ---------------------------------------------------------------- partition functions


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _trim_memory() -> None:
    """Give the heap's free pages back to the system before a big task. A part's temporaries leave holes
    in the heap that glibc keeps, so a worker's resident memory grew with every part it had annotated;
    trimmed at the start of each big task, it follows what the worker holds (with the 1M-comment benchmark,
    the busiest worker's peak went from 1,422 to 1,273 MB). Dask's documentation suggests the same call to
    trim unmanaged memory; it takes milliseconds."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _describe(loaded: Any) -> tuple[int, int, list[str], pd.DataFrame]:
    return loaded.rows_in, len(loaded.data), list(loaded.quarantine.columns), loaded.data.iloc[:0]


def _cut(loaded: Any, start: int, stop: int, offset: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows ``start:stop`` of a file's valid rows, indexed by global order, masked and split as
    ``annotate_loaded`` splits them — text left after normalization, and the rest (quarantined, as text) —,
    and what the cross-row flags read of the kept rows (their comparison keys in place of the text)."""

    data = loaded.data.iloc[start:stop].copy()
    data.index = pd.RangeIndex(offset + start, offset + stop, name=ORDER)
    masked, empty = mask_texts(data)
    kept = masked[~empty]
    slim = kept[["campaign_id", "author_id", "created_at"]].assign(key=comparison_keys(kept["text_masked"]))
    return kept, data[empty].astype("string").assign(reason="empty after normalization"), slim


def _quarantine_part(frame: pd.DataFrame, columns: list[str], source_file: str) -> pd.DataFrame:
    """One quarantine schema for every part: ``source_file``, ``source_row`` and the rest as text (masked
    when written, by ``civicnlp.io.write_parts``)."""
    out = frame.reset_index(drop=True).reindex(columns=columns)
    out = out.astype({c: "string" for c in out.columns if c != "source_row"})
    out["source_row"] = pd.to_numeric(out["source_row"]).astype("Int64")
    out.insert(0, "source_file", pd.Series(source_file, index=out.index, dtype="string"))
    return out


def _distinct_hashes(part: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each distinct text of a part."""
    return pd.util.hash_pandas_object(part["text_masked"].drop_duplicates(), index=False).to_numpy()


def _texts_among(part: pd.DataFrame, part_hashes: np.ndarray, hashes: np.ndarray) -> list[str]:
    """The distinct texts of a part whose hash is one of ``hashes`` (``part_hashes``: the part's
    :func:`_distinct_hashes`, in the same order, so the texts' 64-bit hashes are computed once; finding the
    distinct texts again spares holding them beside the hashes until every part is hashed)."""
    return part["text_masked"].drop_duplicates()[np.isin(part_hashes, hashes)].tolist()


def _score_shared(tokenizer: Any, models: Mapping[str, Any] | None, *texts: list[str]) -> pd.DataFrame:
    """``score_texts`` of the texts found in several parts, each once."""

    return score_texts(list(dict.fromkeys(chain.from_iterable(texts))), tokenizer=tokenizer, models=models)


def _annotate_partition(
    chunk: pd.DataFrame, flags: pd.DataFrame | None = None, like: pd.DataFrame | None = None, **kwargs: Any
) -> pd.DataFrame:
    """``annotate_masked`` on one masked partition, with the campaign-wide cross-row ``flags`` of its rows in
    place of the partition's own, cast to ``like``'s types so every Parquet part agrees."""

    _trim_memory()
    out = annotate_masked(chunk, cross_row=flags is None, **kwargs)
    if flags is not None:
        flags = flags.reindex(out.index)
        out = out.assign(
            is_duplicate=flags["is_duplicate"].to_numpy(),
            is_near_duplicate=flags["is_near_duplicate"].to_numpy(),
            is_spam=out["is_spam"].to_numpy() | flags["is_repeated"].to_numpy(),
        )
    return out if like is None else out[list(like.columns)].astype(like.dtypes.to_dict())


def _campaigns(slim: pd.DataFrame) -> set[str]:
    return set(_campaign_key(slim).unique())


def _campaign_key(slim: pd.DataFrame) -> pd.Series:
    """The campaign of each row as ``flag_comments`` groups it (a missing id is the campaign "")."""
    return slim["campaign_id"].astype(object).fillna("").astype(str)


def _campaign_flags(campaign_id: str, *slims: pd.DataFrame) -> pd.DataFrame:
    """``cross_row_flags`` over one whole campaign, from the cross-row columns of the parts that hold it, in
    input order: the cross-row flags of its every row, indexed by input order."""

    _trim_memory()
    # the parts' rows are in input order, and mostly of one campaign: copy them only to put them together
    pieces = [part if (ids := _campaign_key(part).eq(campaign_id)).all() else part[ids] for part in slims]
    rows = pd.concat(pieces)
    if not rows.index.is_monotonic_increasing:
        rows = rows.sort_index(kind="stable")
    return cross_row_flags(rows, keys=rows["key"])


def _part_flags(start: int, stop: int, *flags: pd.DataFrame) -> pd.DataFrame:
    """The campaign-wide flags of the rows ``start..stop`` of the input order, from their campaigns'."""
    return pd.concat([f.loc[start:stop] for f in flags]).sort_index()


# ---------------------------------------------------------------- annotate


@dataclass
class DaskAnnotateSummary:
    """Row accounting of one ``annotate_dask`` run: rows in = annotated + quarantined."""

    rows_in: int
    annotated: int
    quarantined: int
    reasons: dict[str, int]
    files: list[Path]
    out_dir: Path
    partitions: int
    seconds: float
    workers: int = 0

    def summary(self) -> str:
        """``2,104 rows read / 2,071 annotated / 33 quarantined (blank text: 20, ...)`` plus the run."""
        line = f"{self.rows_in:,} rows read / {self.annotated:,} annotated / {self.quarantined:,} quarantined"
        if self.reasons:
            line += " (" + ", ".join(f"{r}: {c:,}" for r, c in self.reasons.items()) + ")"
        return (
            f"{line} — {len(self.files)} file(s), {self.partitions} partitions, {self.workers} workers,"
            f" {self.seconds:.1f} s"
        )


def annotate_dask(
    inputs: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    campaign: Mapping[str, Any] | pd.DataFrame | str | Path | None = None,
    campaign_id: str | None = None,
    columns: Mapping[str, str] | str | None = None,
    tokenizer: Any = None,
    models: Mapping[str, Any] | None = None,
    partition_rows: int = PARTITION_ROWS,
) -> DaskAnnotateSummary:
    """Annotate comment files (paths, folders, globs; CSV/Parquet and the other ``load_comments`` formats)
    on Dask: ``out_dir/annotated/`` and ``out_dir/quarantine/`` get partitioned Parquet.

    The output equals ``civicnlp.annotate.annotate_file`` on the same rows (module docstring); the
    quarantine adds ``source_file``. ``scheduler`` is a running cluster's address, else a ``LocalCluster`` of
    ``n_workers`` processes is started for the run. ``campaign`` is a campaigns table, a campaigns file, or
    one campaign mapping (entry hashtags); ``campaign_id`` fills a missing one; ``columns`` renames columns.
    """
    import dask

    if partition_rows < 1:
        raise ParameterError(f"partition_rows must be >= 1, got {partition_rows}")
    started = time.perf_counter()
    files = expand_inputs(inputs)
    table = _campaign_table(campaign, files)
    out = Path(out_dir)
    # keep pandas' own string dtype (Dask would turn text columns into string[pyarrow] on the way)
    with connect(scheduler, n_workers) as client, dask.config.set({"dataframe.convert-string": False}):
        client.register_plugin(WarmUp(tokenizer, models))
        counts = _annotate_on(
            client, files, out, table, campaign_id, columns, tokenizer, models, partition_rows
        )
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
    result = DaskAnnotateSummary(
        **counts, files=files, out_dir=out, seconds=time.perf_counter() - started, workers=workers
    )
    if result.rows_in != result.annotated + result.quarantined:
        raise CivicNLPError(f"row accounting broke, please report it: {result.summary()}")
    return result


def _annotate_on(
    client: Any,
    files: list[Path],
    out: Path,
    table: Any,
    campaign_id: str | None,
    columns: Mapping[str, str] | str | None,
    tokenizer: Any,
    models: Mapping[str, Any] | None,
    partition_rows: int,
) -> dict[str, Any]:
    import dask

    load = dask.delayed(load_comments, pure=True)
    loads = client.persist([load(str(f), columns=columns, campaign_id=campaign_id) for f in files])
    described = client.compute([dask.delayed(_describe)(x) for x in loads], sync=True)
    data_columns = [list(d[3].columns) for d in described]
    for f, cols in zip(files, data_columns, strict=True):
        if cols != data_columns[0]:
            raise DataContractError(
                f"{f.name} has columns {cols}, {files[0].name} has {data_columns[0]}:"
                " inputs annotated together need the same columns (map them with columns=...)"
            )
    quarantine_columns = ["source_row", "reason"]
    for cols in [d[2] for d in described] + data_columns:
        quarantine_columns += [c for c in cols if c not in quarantine_columns]

    cut = dask.delayed(_cut, nout=3)
    kept, rejected, slim, divisions = [], [], [], []
    offset = 0
    for f, x, (_, n, _, _) in zip(files, loads, described, strict=True):
        name = f.name
        rejected.append(
            dask.delayed(_quarantine_part)(
                dask.delayed(attrgetter("quarantine"))(x), quarantine_columns, name
            )
        )
        for start in range(0, n, partition_rows):
            ok, empty, cross = cut(x, start, min(start + partition_rows, n), offset)
            kept.append(ok)
            slim.append(cross)
            rejected.append(dask.delayed(_quarantine_part)(empty, quarantine_columns, name))
            divisions.append(offset + start)
        offset += n
    # cut once: the kept rows, the rejected ones and the cross-row columns come from the same task
    persisted = client.persist(kept + slim + rejected)
    kept, slim, rejected = (
        persisted[: len(kept)],
        persisted[len(kept) : 2 * len(kept)],
        persisted[2 * len(kept) :],
    )
    sizes = client.compute([dask.delayed(len)(k) for k in kept], sync=True)
    del loads, x  # the whole files: their pieces hold what is needed now
    divisions = [d for d, size in zip(divisions, sizes, strict=True) if size]
    # empty parts would hide the divisions the flags are joined by
    kept = [k for k, size in zip(kept, sizes, strict=True) if size]
    slim = [c for c, size in zip(slim, sizes, strict=True) if size]
    quarantine = dd.from_delayed(
        rejected, meta=_quarantine_part(pd.DataFrame(columns=quarantine_columns), quarantine_columns, "")
    )
    _clear(out)
    if not kept:  # every row was quarantined
        write_parts(quarantine, out / "quarantine")
        return _counts(out, described, partitions=0, annotated=0)

    bounds = (*divisions, offset - 1)
    options = {"campaign": table, "tokenizer": tokenizer, "models": models}
    # The campaign-wide flags: one task per campaign over the cross-row columns of the parts holding it,
    # submitted first so that it runs beside the annotation instead of after it.
    holds = client.compute([dask.delayed(_campaigns)(c) for c in slim], sync=True)
    flag_task = dask.delayed(_campaign_flags, pure=True)
    flags = {
        c: flag_task(c, *[part for part, ids in zip(slim, holds, strict=True) if c in ids])
        for c in sorted(set().union(*holds))
    }
    flags = dict(zip(flags, client.persist(list(flags.values())), strict=True))
    # Texts found in several parts (stock lines, copies) are tokenized and scored once, by one task that
    # every part then takes them from; the other texts are scored in their part.
    part_hashes = client.persist([dask.delayed(_distinct_hashes)(k) for k in kept])
    hashes, counts = np.unique(np.concatenate(client.compute(part_hashes, sync=True)), return_counts=True)
    shared_hashes = client.scatter(hashes[counts > 1], broadcast=True)
    among = [dask.delayed(_texts_among)(k, h, shared_hashes) for k, h in zip(kept, part_hashes, strict=True)]
    (shared,) = client.persist([dask.delayed(_score_shared, pure=True)(tokenizer, models, *among)])
    head = dask.delayed(pd.DataFrame.head)(kept[0], 5)
    meta = client.compute(dask.delayed(_annotate_partition)(head, **options)).result().iloc[:0]
    part_flags = dask.delayed(_part_flags, pure=True)
    cross = dd.from_delayed(
        [
            part_flags(start, stop - 1, *[flags[c] for c in sorted(ids)])
            for start, stop, ids in zip(divisions, (*divisions[1:], offset), holds, strict=True)
        ],
        meta=pd.DataFrame({f: pd.Series(dtype=bool) for f in CROSS_ROW_FLAGS}),
        divisions=bounds,
        verify_meta=False,
    )
    base_meta = mask_texts(described[0][3])[0]
    base_meta.index = pd.RangeIndex(0, name=ORDER)
    valid = dd.from_delayed(kept, meta=base_meta, divisions=bounds)
    # each partition is annotated, given its flags and written in turn: no shuffle, no rows held
    annotated = valid.map_partitions(
        _annotate_partition, cross, like=meta, meta=meta, scored=shared, **options
    )
    dask.compute(
        write_parts(annotated, out / "annotated", compute=False),
        write_parts(quarantine, out / "quarantine", compute=False),
    )
    return _counts(out, described, partitions=len(kept), annotated=None)


def _clear(out: Path) -> None:
    """Outputs are replaced as a whole, like a file is overwritten: old parts must not mix with new ones."""
    for name in ("annotated", "quarantine"):
        if (out / name).is_dir():
            shutil.rmtree(out / name)
    out.mkdir(parents=True, exist_ok=True)


def _counts(out: Path, described: list[Any], *, partitions: int, annotated: int | None) -> dict[str, Any]:
    import pyarrow.dataset as ds

    if annotated is None:
        annotated = ds.dataset(out / "annotated", format="parquet").count_rows()
    reasons = ds.dataset(out / "quarantine", format="parquet").to_table(columns=["reason"]).to_pandas()
    counted = reasons["reason"].value_counts()
    return {
        "rows_in": sum(d[0] for d in described),
        "annotated": int(annotated),
        "quarantined": int(counted.sum()),
        "reasons": {str(k): int(v) for k, v in counted.items()},
        "partitions": partitions,
    }


# ---------------------------------------------------------------- the report's counts from partitioned output


def read_annotated(path: str | Path) -> Any:
    """Annotated output as a Dask frame: an ``annotate_dask`` folder (its ``annotated/``) or Parquet files."""

    path = Path(path)
    if (path / "annotated").is_dir():
        path = path / "annotated"
    if not path.exists():
        raise ParameterError(f"no annotated output at {path}")
    return dd.read_parquet(path)


def _group_sum(frame: Any, by: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Column sums per group as int64, sorted by group (one row when ``by`` is empty), like
    ``aggregate._sum_by``; only the group totals leave the cluster."""
    missing = [c for c in (*by, *columns) if c not in frame.columns]
    if missing:
        raise DataContractError(f"the annotated data lacks column(s) {missing}")
    values = frame[[*by, *columns]]
    if by:
        out = values.groupby(list(by), observed=True).sum().compute().sort_index().reset_index()
    else:
        out = values[list(columns)].sum().compute().to_frame().T.reset_index(drop=True)
    # group keys as pandas' own text dtype (Dask reads text as string[pyarrow])
    keys = {c: "str" for c in by if pd.api.types.is_string_dtype(out[c].dtype)}
    return out.astype({**keys, **{c: "int64" for c in columns}})


def _each_part(frame: Any, func: Any) -> list[Any]:
    import dask

    return list(dask.compute([dask.delayed(func)(part) for part in frame.to_delayed()])[0])


def _count_by(frame: Any, keys: list[str]) -> Any:
    return frame.assign(n=1).groupby(keys, observed=True)["n"].sum(split_out=True).reset_index()


aggregate.register_reductions(
    (dd.DataFrame, dd.Series),
    aggregate.Reductions(
        group_sum=_group_sum,
        map_parts=lambda frame, func: frame.map_partitions(func),
        each_part=_each_part,
        count_by=_count_by,
    ),
)


def select_dask(
    annotated: Any,
    campaign_id: str | None = None,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    channels: Sequence[str] | None = None,
) -> Any:
    """``aggregate.select_comments`` on a Dask frame, and only ``campaign_id``'s rows when given (an empty
    selection raises :class:`ParameterError` naming what the data has, as ``select_comments`` does)."""

    rows = annotated
    if campaign_id is not None:
        rows = annotated[annotated["campaign_id"] == campaign_id]
        if rows.shape[0].compute() == 0:
            found = sorted(str(c) for c in annotated["campaign_id"].dropna().unique().compute())
            raise ParameterError(
                f"no comments of campaign {campaign_id!r} in the annotated data; it has {found}"
            )
    if not (date_from or date_to or channels):
        return rows
    kwargs: dict[str, Any] = {"date_from": date_from, "date_to": date_to, "channels": channels}
    selected = rows.map_partitions(_select_or_empty, meta=rows._meta, **kwargs)
    if selected.shape[0].compute() == 0:
        select_comments(_span(rows), **kwargs)  # raises, naming the dates and channels there are
    return selected


def _select_or_empty(part: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """``select_comments`` on one partition, where selecting nothing is fine (the whole is checked after)."""

    try:
        return select_comments(part, **kwargs)
    except ParameterError:
        return part.iloc[:0]


def _span(rows: Any) -> pd.DataFrame:
    """A tiny frame with the first and last comment on every channel (what an error message shows)."""
    import dask

    first, last, channels = dask.compute(
        rows["created_at"].min(), rows["created_at"].max(), rows["channel"].dropna().unique()
    )
    names = [str(c) for c in channels] or [""]
    return pd.DataFrame({"created_at": [first] * len(names) + [last], "channel": [*names, names[0]]})


def sample_rows(annotated: Any, n: int = 200_000, *, seed: int = 0) -> pd.DataFrame:
    """At most about ``n`` rows as pandas, in input order: every row when there are no more than ``n``,
    else a seeded random sample (for what needs the texts: examples, themes, word contrasts)."""
    total = int(annotated.shape[0].compute())
    chosen = annotated if total <= n else annotated.sample(frac=n / total, random_state=seed)
    return chosen.compute().reset_index(drop=True)


@dataclass
class PartitionedCampaign:
    """A campaign whose comments exist only as annotated partitioned Parquet (``civicnlp annotate --engine
    dask``): its campaigns.csv row and releases, its rows as a Dask frame, and its quarantined rows' count."""

    campaign_id: str
    info: dict[str, Any]
    releases: pd.DataFrame
    files: dict[str, Path]
    annotated: Any
    quarantine_reasons: dict[str, int]
    quarantine: pd.DataFrame  # the first quarantined rows, to show

    @property
    def rows_in(self) -> int:
        """Rows read = annotated + quarantined."""
        return int(self.annotated.shape[0].compute()) + sum(self.quarantine_reasons.values())


def load_partitioned(
    campaign_id: str, annotated_dir: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> PartitionedCampaign:
    """``campaign_id``'s annotated rows from ``annotated_dir`` (every campaign's, as written by ``annotate
    --engine dask``) with its row of ``data_dir``'s campaigns.csv and its releases; the quarantined rows of
    the campaign, and those without a campaign id, from the folder's ``quarantine/`` when there is one."""

    info, releases, files = campaign_details(campaign_id, data_dir)
    parts = annotated_parts(annotated_dir)
    files.update({f"annotated/{p.name}": p for p in parts})
    rows = select_dask(read_annotated(parts[0].parent if len(parts) > 1 else parts[0]), campaign_id)
    reasons: dict[str, int] = {}
    shown = pd.DataFrame(columns=["source_row", "reason"])
    held = Path(annotated_dir) / "quarantine"
    if held.is_dir() and any(held.glob("*.parquet")):
        quarantine = dd.read_parquet(held)
        if "campaign_id" in quarantine.columns:
            ids = quarantine["campaign_id"]
            quarantine = quarantine[ids.isna() | ids.eq(campaign_id)]
        counted = quarantine["reason"].value_counts().compute()
        reasons = {str(k): int(v) for k, v in counted.sort_values(ascending=False, kind="stable").items()}
        shown = quarantine.head(20, npartitions=-1)
    return PartitionedCampaign(campaign_id, info, releases, files, rows, reasons, shown)
