"""The annotate pipeline single-process vs on Dask with local workers: wall time, comments/s, peak memory
per process, and the token cache's effect on a re-run (targets: Dask on 2 workers >= 1.7x the single
process, <= 1.5 GB per worker, 1,000,000 comments in <= 10 minutes).

    .venv/bin/python benchmarks/bench_dask.py [--rows 1000000 | --quick] [--files 8] [--campaigns 1]
        [--mix realistic | phrases] [--cache-rows 100000]

Synthetic comments (``civicnlp.synthetic``, with the sample's messes) are written to Parquet (or CSV) first:
``--mix realistic`` (default) composes mostly distinct texts, as real comment sections at scale are;
``--mix phrases`` draws whole phrases of the phrase bank (few distinct texts, the shipped sample's mix). The
distinct-text share of the input is printed. Both paths then read, validate, annotate and write them.
The single process runs in a child process so its peak memory is its own; the Dask runs start their own
``LocalCluster`` (start-up included in the time). Besides wall time, each run's CPU seconds (the worker
processes' plus this process's, which hosts the scheduler) show the work done whatever else the machine runs:
on a busy machine, compare ``2 x single CPU s / Dask CPU s`` too. The token cache's effect (a cold run, then
a warm re-run) is measured on the first files, about ``--cache-rows`` rows, so that 1,000,000 comments stay
well inside 15 minutes.
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


def write_inputs(
    folder: Path, rows: int, files: int, campaigns: int, fmt: str, compose: bool
) -> tuple[list[Path], float]:
    """``rows`` synthetic comments in ``files`` files, file i belonging to campaign ``i % campaigns``, and
    the share of distinct texts among them."""
    from civicnlp.synthetic import generate_comments

    paths, texts = [], set()
    for i in range(files):
        n = rows // files + (1 if i < rows % files else 0)
        camp = {**CAMPAIGN, "campaign_id": f"bench-{i % campaigns}"}
        frame = generate_comments(camp, n, seed=i, compose=compose)
        texts.update(frame["text"])
        for column in ("comment_id", "parent_id"):  # ids unique across files of one campaign
            frame[column] = frame[column].where(frame[column].fillna("").eq(""), f"f{i}-" + frame[column])
        path = folder / f"comments-{i:03d}.{fmt}"
        frame.to_parquet(path, index=False) if fmt == "parquet" else frame.to_csv(path, index=False)
        paths.append(path)
    return paths, len(texts) / max(rows, 1)


def single_process(paths: list[Path], out: Path, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """What ``civicnlp annotate`` does, on all files as one table (validated file by file, as Dask does)."""
    from civicnlp.annotate import annotate_loaded
    from civicnlp.io import LoadResult, load_comments, write_table

    started, cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF)
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
    queue.put(
        (time.perf_counter() - started, result.summary(), peak, _cpu_seconds(resource.RUSAGE_SELF) - cpu)
    )


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class PeakMemory:
    """Polls the RSS of this process's child processes (the Dask workers) and keeps each one's peak, and
    their CPU seconds as last seen."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peaks, self._stop = every, dict[int, int](), threading.Event()
        self.cpu = dict[int, float]()
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
                    rss, times = child.memory_info().rss, child.cpu_times()
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(rss, self.peaks.get(child.pid, 0))
                self.cpu[child.pid] = times.user + times.system

    def worker_peak(self) -> int:
        """The largest peak among the children that grew past 100 MB (workers, not helper processes)."""
        return max((p for p in self.peaks.values() if p > 100e6), default=0)


def run_dask(paths: list[Path], out: Path, workers: int, cache: bool) -> tuple[float, str, int, float]:
    from civicnlp.distributed import annotate_dask
    from civicnlp.tokenize import Tokenizer

    tokenizer = Tokenizer(cache=True) if cache else None
    started, own = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF)
    with PeakMemory() as memory:
        summary = annotate_dask(paths, out, n_workers=workers, tokenizer=tokenizer)
    cpu = sum(memory.cpu.values()) + _cpu_seconds(resource.RUSAGE_SELF) - own
    return time.perf_counter() - started, summary.summary(), memory.worker_peak(), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--files", type=int, default=8, help="input files (Dask reads them in parallel)")
    parser.add_argument("--campaigns", type=int, default=1, help="campaigns the files are spread over")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--skip-single", action="store_true", help="only the Dask runs")
    parser.add_argument(
        "--cache-rows", type=int, default=100_000, help="about how many rows the token cache runs annotate"
    )
    parser.add_argument(
        "--mix",
        choices=["realistic", "phrases"],
        default="realistic",
        help="mostly distinct composed texts, or whole phrase-bank phrases (about 7%% distinct at 1M)",
    )
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows

    with tempfile.TemporaryDirectory(prefix="civicnlp-bench-dask-") as tmp:
        folder = Path(tmp)
        os.environ["CIVICNLP_CACHE_DIR"] = str(folder / "cache")  # a cold token cache, seen by the workers
        started = time.perf_counter()
        paths, distinct = write_inputs(
            folder, rows, args.files, args.campaigns, args.format, args.mix == "realistic"
        )
        print(
            f"{rows:,} synthetic comments ({args.mix} mix, {distinct:.1%} distinct texts) in {args.files}"
            f" {args.format} files, {args.campaigns} campaign(s): written in"
            f" {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores; load average"
            f" {os.getloadavg()[0]:.1f}"
        )
        table = []
        if not args.skip_single:
            queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()  # type: ignore[type-arg]
            child = multiprocessing.get_context("spawn").Process(
                target=single_process, args=(paths, folder, queue)
            )
            child.start()
            seconds, line, peak, cpu = queue.get()
            child.join()
            table.append(("single process (pandas)", rows, seconds, peak, cpu, line))
        seconds, line, peak, cpu = run_dask(paths, folder / "dask", args.workers, False)
        table.append((f"dask, {args.workers} workers", rows, seconds, peak, cpu, line))
        files = max(1, min(args.files, round(args.files * args.cache_rows / max(rows, 1))))
        subset = sum(rows // args.files + (i < rows % args.files) for i in range(files))
        for label in ("token cache cold", "token cache warm (re-run)"):
            seconds, line, peak, cpu = run_dask(paths[:files], folder / "cache", args.workers, True)
            table.append(
                (f"dask, {args.workers} workers, {label}, {files} file(s)", subset, seconds, peak, cpu, line)
            )
        print(f"load average after the runs: {os.getloadavg()[0]:.1f}")

    base = table[0][2] / table[0][1] if not args.skip_single else None  # single-process seconds per row
    head = ("run", "rows", "wall s", "comments/s", "speedup", "CPU s", "peak MB/proc")
    print("\n{:<54} {:>9} {:>7} {:>11} {:>8} {:>7} {:>13}".format(*head))
    for label, n, seconds, peak, cpu, _ in table:
        speed = f"{base * n / seconds:.2f}x" if base else "-"
        cells = (
            label,
            f"{n:,}",
            f"{seconds:.1f}",
            f"{n / seconds:,.0f}",
            speed,
            f"{cpu:.0f}",
            f"{peak / 1e6:,.0f}",
        )
        print("{:<54} {:>9} {:>7} {:>11} {:>8} {:>7} {:>13}".format(*cells))
    print()
    for label, *_, line in table:
        print(f"{label}: {line}")


if __name__ == "__main__":
    main()
