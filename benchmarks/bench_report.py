"""How long a campaign report takes, and how much memory: the sample campaign in a warm environment
(targets: <= 30 s) and a synthetic 100,000-comment campaign (targets: <= 3 min, <= 2 GB peak).

    .venv/bin/python benchmarks/bench_report.py [--n 100000] [--skip-large | --skip-sample]

Peak memory is given for the runner (this process: papermill and the HTML export) and the kernel that ran
the notebook (``RUSAGE_CHILDREN``, the largest child once it has exited). The synthetic comments are composed
to be mostly distinct, as real comment sections at scale are.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from civicnlp import campaigns, config, report, synthetic


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process (the runner: HTML export) and of its largest exited child (the
    kernel), in MB; ru_maxrss is in KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, children / 1024


def _timed_report(campaign_id: str, data_dir: Path, out_dir: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    html = report.run_report(campaign_id, data_dir=data_dir, out_dir=out_dir)
    return time.perf_counter() - started, html


def bench_sample(out_dir: Path) -> None:
    campaign_id = synthetic.sample_campaign_ids()[0]
    cold, _ = _timed_report(campaign_id, config.sample_dir(), out_dir)
    warm, html = _timed_report(campaign_id, config.sample_dir(), out_dir)
    timings = json.loads((html.parent / "summary.json").read_text(encoding="utf-8"))["manifest"]["timings"]
    rows = campaigns.load_campaign(campaign_id).comments.rows_in
    print(f"sample report ({campaign_id}, {rows:,} comments): first run {cold:.1f} s, warm run {warm:.1f} s")
    print("  warm run stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def bench_large(out_dir: Path, n: int) -> None:
    campaign_id = synthetic.sample_campaign_ids()[0]
    data = out_dir / "data"
    (data / "comments").mkdir(parents=True)
    for name in ("campaigns.csv", "releases.csv"):
        shutil.copy(config.sample_dir() / name, data / name)
    campaign = campaigns.load_campaign(campaign_id).info
    frame = synthetic.generate_comments(
        {**campaign, "start": str(campaign["start"])[:10], "end": str(campaign["end"])[:10]},
        n,
        seed=1,
        compose=True,
    )
    frame.to_csv(data / "comments" / f"{campaign_id}.csv", index=False)
    seconds, html = _timed_report(campaign_id, data, out_dir / "reports")
    timings = json.loads((html.parent / "summary.json").read_text(encoding="utf-8"))["manifest"]["timings"]
    runner, kernel = _peak_mb()
    print(
        f"synthetic report ({n:,} comments): {seconds:.1f} s wall, peak memory runner {runner:,.0f} MB,"
        f" kernel {kernel:,.0f} MB"
    )
    print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"  report.html {html.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="comments in the synthetic campaign")
    parser.add_argument("--skip-large", action="store_true", help="only the sample report")
    parser.add_argument("--skip-sample", action="store_true", help="only the synthetic campaign")
    args = parser.parse_args()
    print(f"kernel: {report.kernel_name()}")
    with tempfile.TemporaryDirectory(prefix="civicnlp-bench-") as tmp:
        if not args.skip_sample:
            bench_sample(Path(tmp) / "sample")
        if not args.skip_large:
            bench_large(Path(tmp) / "large", args.n)


if __name__ == "__main__":
    main()
