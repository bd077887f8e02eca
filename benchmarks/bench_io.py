"""How fast synthetic comments are generated and how fast each format is read and validated
(target: 100,000 rows loaded in a second or two).

    .venv/bin/python benchmarks/bench_io.py [--n 100000] [--formats csv,jsonl,parquet,xlsx]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from civicnlp import io, synthetic

CAMPAIGN = {"campaign_id": "bench", "start": "2024-05-16", "end": "2024-05-24", "theme": "event"}


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic comments")
    parser.add_argument(
        "--formats", default="csv,jsonl,parquet", help="comma-separated: csv,tsv,jsonl,parquet,xlsx"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    frame = synthetic.generate_comments(CAMPAIGN, args.n, seed=0)
    print(f"generate_comments: {args.n:,} rows in {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory(prefix="civicnlp-bench-io-") as tmp:
        for fmt in args.formats.split(","):
            path = Path(tmp) / f"comments.{fmt}"
            _write(frame, path)
            started = time.perf_counter()
            result = io.load_comments(path)
            seconds = time.perf_counter() - started
            size = path.stat().st_size / 1e6
            print(f"load_comments {fmt:>7}: {seconds:.2f} s ({args.n / seconds:,.0f} rows/s, {size:.1f} MB)")
            print(f"  {result.summary()}")


if __name__ == "__main__":
    main()
