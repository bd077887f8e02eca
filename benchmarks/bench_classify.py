"""Speed and size of the shipped models: file size, load time, comments/s on ~20k real short texts.

Each model is timed alone and cold (the batch memo of ``civicnlp.features`` cleared), then the models that
annotation runs (``annotate.DEFAULT_MODELS``: sentiment, policy_area, toxicity, reply) in a row on the same
batch: the later models reuse the first one's normalized texts, morphemes and hashed n-gram blocks (see
``civicnlp.features``); ``reply`` scores texts of several sentences again, sentence by sentence.

Not a test: prints a table. The texts are the first N NSMC reviews (short, comment-like) from the data home,
or, without the corpus, the shipped sample comments repeated. Run:

    CIVICNLP_DATA_HOME=/work/shared/datasets .venv/bin/python benchmarks/bench_classify.py [--n 20000]
"""

from __future__ import annotations

import argparse
import time

from civicnlp import annotate, classify, datasets, features
from civicnlp.exceptions import CorpusNotFoundError


def _texts(n: int) -> tuple[list[str], str]:
    try:
        return datasets.load_nsmc()["text"].head(n).tolist(), f"first {n:,} NSMC reviews"
    except CorpusNotFoundError:
        base = [
            "축제 정말 즐거웠어요 최고!",
            "주차 단속 너무 심하네요 최악입니다",
            "참여합니다 #인천당근이지",
        ]
        return (base * (n // len(base) + 1))[:n], f"{n:,} repeated sample comments"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="texts to classify (default 20,000)")
    args = parser.parse_args()
    texts, source = _texts(args.n)
    chars = sum(map(len, texts))
    print(f"texts: {source}, {chars / len(texts):.0f} characters on average")
    print(f"{'model':<14}{'size MB':>9}{'load s':>9}{'predict s':>11}{'comments/s':>12}")
    models = {}
    for name in classify.MODEL_NAMES:
        path = classify.models_dir() / f"{name}.skops"
        started = time.perf_counter()
        models[name] = classify.load_model_file(path)
        load = time.perf_counter() - started
        models[name].predict_proba(texts[:10])  # first call builds the tagger: not part of the rate
        features.clear_memo()  # each model alone, cold
        started = time.perf_counter()
        models[name].predict_proba(texts)
        seconds = time.perf_counter() - started
        size = path.stat().st_size / 2**20
        print(f"{name:<14}{size:>9.2f}{load:>9.2f}{seconds:>11.2f}{len(texts) / seconds:>12,.0f}")
    features.clear_memo()
    started = time.perf_counter()
    for role in annotate.DEFAULT_MODELS:
        models[role].predict_proba(texts)
    seconds = time.perf_counter() - started
    rate = len(texts) / seconds
    print(f"{'annotation':<14}{'':>9}{'':>9}{seconds:>11.2f}{rate:>12,.0f}  (its models, one batch)")


if __name__ == "__main__":
    main()
