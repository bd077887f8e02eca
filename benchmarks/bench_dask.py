"""The annotate pipeline single-process vs on Dask with local workers: wall time, comments/s, peak memory
per process, and the token cache's effect on a re-run (targets: Dask on 2 workers >= 1.7x the single
process, <= 1.5 GB per worker, 1,000,000 comments in <= 10 minutes).

    .venv/bin/python benchmarks/bench_dask.py [--rows 1000000 | --quick] [--files 8] [--campaigns 1]

Synthetic comments (``civicnlp.synthetic``, with the sample's messes) are written to Parquet (or CSV) first;
both paths then read, validate, annotate and write them. The single process runs in a child process so its
peak memory is its own; the Dask runs start their own ``LocalCluster`` (start-up included in the time).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

CAMPAIGN = {
    "start": "2024-05-16",
    "end": "2024-06-30",
    "theme": "event",
    "hashtags": "#인천당근이지;참여합니다",
}


def write_inputs(folder: Path, rows: int, files: int, campaigns: int, fmt: str) -> list[Path]:
    """``rows`` synthetic comments in ``files`` files, file i belonging to campaign ``i % campaigns``."""
    from civicnlp.synthetic import generate_comments

    paths = []
    for i in range(files):
        n = rows // files + (1 if i < rows % files else 0)
        camp = {**CAMPAIGN, "campaign_id": f"bench-{i % campaigns}"}
        frame = generate_comments(camp, n, seed=i)
        for column in ("comment_id", "parent_id"):  # ids unique across files of one campaign
            frame[column] = frame[column].where(frame[column].fillna("").eq(""), f"f{i}-" + frame[column])
        path = folder / f"comments-{i:03d}.{fmt}"
        frame.to_parquet(path, index=False) if fmt == "parquet" else frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def single_process(paths: list[Path], out: Path, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """What ``civicnlp annotate`` does, on all files as one table (validated file by file, as Dask does)."""
    from civicnlp.annotate import annotate_loaded, write_table
    from civicnlp.io import LoadResult, load_comments

    started = time.perf_counter()
    loads = [load_comments(p) for p in paths]
    loaded = LoadResult(
        name="all",
        data=pd.concat([x.data for x in loads], ignore_index=True),
        quarantine=pd.concat([x.quarantine for x in loads], ignore_index=True),
        rows_in=sum(x.rows_in for x in loads),
    )
    result = annotate_loaded(loaded)
    write_table(result.data, out / "annotated.parquet")
    write_table(result.quarantine, out / "quarantine.parquet")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put((time.perf_counter() - started, result.summary(), peak))


class PeakMemory:
    """Polls the RSS of this process's child processes (the Dask workers) and keeps each one's peak."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peaks, self._stop = every, dict[int, int](), threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(self.every):
            for child in psutil.Process().children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(rss, self.peaks.get(child.pid, 0))

    def worker_peak(self) -> int:
        """The largest peak among the children that grew past 100 MB (workers, not helper processes)."""
        return max((p for p in self.peaks.values() if p > 100e6), default=0)


def run_dask(paths: list[Path], out: Path, workers: int, cache: bool) -> tuple[float, str, int]:
    from civicnlp.distributed import annotate_dask
    from civicnlp.tokenize import Tokenizer

    tokenizer = Tokenizer(cache=True) if cache else None
    started = time.perf_counter()
    with PeakMemory() as memory:
        summary = annotate_dask(paths, out, n_workers=workers, tokenizer=tokenizer)
    return time.perf_counter() - started, summary.summary(), memory.worker_peak()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--files", type=int, default=8, help="input files (Dask reads them in parallel)")
    parser.add_argument("--campaigns", type=int, default=1, help="campaigns the files are spread over")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--skip-single", action="store_true", help="only the Dask runs")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows

    with tempfile.TemporaryDirectory(prefix="civicnlp-bench-dask-") as tmp:
        folder = Path(tmp)
        os.environ["CIVICNLP_CACHE_DIR"] = str(folder / "cache")  # a cold token cache, seen by the workers
        started = time.perf_counter()
        paths = write_inputs(folder, rows, args.files, args.campaigns, args.format)
        print(
            f"{rows:,} synthetic comments in {args.files} {args.format} files, {args.campaigns} campaign(s):"
            f" written in {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores"
        )
        table = []
        if not args.skip_single:
            queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()  # type: ignore[type-arg]
            child = multiprocessing.get_context("spawn").Process(
                target=single_process, args=(paths, folder, queue)
            )
            child.start()
            seconds, line, peak = queue.get()
            child.join()
            table.append(("single process (pandas)", seconds, peak, line))
        for label, cache in [
            (f"dask, {args.workers} workers", False),
            (f"dask, {args.workers} workers, token cache cold", True),
            (f"dask, {args.workers} workers, token cache warm (re-run)", True),
        ]:
            seconds, line, peak = run_dask(paths, folder / "dask", args.workers, cache)
            table.append((label, seconds, peak, line))

    base = table[0][1] if not args.skip_single else None
    print(f"\n{'run':<48} {'wall s':>8} {'comments/s':>11} {'speedup':>8} {'peak MB/proc':>13}")
    for label, seconds, peak, _ in table:
        speed = f"{base / seconds:.2f}x" if base else "-"
        print(f"{label:<48} {seconds:>8.1f} {rows / seconds:>11,.0f} {speed:>8} {peak / 1e6:>13,.0f}")
    print()
    for label, _, _, line in table:
        print(f"{label}: {line}")


if __name__ == "__main__":
    main()
