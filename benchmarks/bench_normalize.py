"""Throughput of normalize_series and mask_pii_series on 100k short real comments (NSMC reviews)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from civicnlp import config
from civicnlp.normalize import normalize_series
from civicnlp.pii import mask_pii_series


def _timed(func: Callable[[pd.Series], pd.Series], series: pd.Series) -> tuple[pd.Series, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(series)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    path = config.data_home() / "nsmc" / "ratings_train.txt"
    texts = pd.read_csv(path, sep="\t", quoting=3, usecols=["document"])["document"].head(100_000)
    # every row distinct (defeats the once-per-distinct-value shortcut) and with digits
    distinct = texts.fillna("") + " #" + pd.Series(range(len(texts)), index=texts.index).astype(str)
    print(f"{len(texts):,} NSMC rows, {texts.nunique():,} distinct, mean {texts.str.len().mean():.1f} chars")
    for label, series in [("as read", texts), ("all distinct", distinct)]:
        normalized, wall_n, cpu_n = _timed(normalize_series, series)
        _, wall_m, cpu_m = _timed(mask_pii_series, normalized)
        rows = len(series)
        print(
            f"{label:>12}: normalize {rows / cpu_n:,.0f} rows/s CPU ({cpu_n:.2f} s, wall {wall_n:.2f} s)"
            f" | mask_pii {rows / cpu_m:,.0f} rows/s CPU ({cpu_m:.2f} s, wall {wall_m:.2f} s)"
        )


if __name__ == "__main__":
    main()
