"""The shipped models and the needs-a-reply flags on civic comments labelled by hand: ``data/civic``
(validation, then test) and the sample campaigns' ``labels.csv``.

    .venv/bin/python benchmarks/civic_comments.py

Each text goes through ``annotate.annotate_comments``, as in a report. Printed per file:
- sentiment: macro-F1 over three classes, and binary accuracy on the rows labelled negative or positive;
- toxicity: binary macro-F1;
- needs a reply (``is_question`` or ``is_complaint``): precision, recall and F1 against ``needs_reply``;
  on the sample, the share of ``question`` and ``complaint`` comments found and of the others flagged;
- the same with the negative comments that are no entry line counted as needing a reply, from the surest
  (``p_negative`` ≥ 0.9, 0.8, 0.7) to every one labelled negative: the curve of what it takes to find the
  sample's complaints (issue 15's target: 90% of questions and complaints), and what it costs;
- and the two sentences of issue 15 that must read as positive.

Not a test: the files are small (200–330 comments), so a difference of 0.03 is within chance.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from civicnlp import config
from civicnlp.annotate import annotate_comments
from civicnlp.classify import load_model
from civicnlp.io import read_table

SENTENCES = ["APEC 유치 응원합니다", "유치되면 지역 경제에 도움"]
#: The curve of counting negative comments as needing a reply: from this ``p_negative`` on.
NEGATIVE_FROM = (0.9, 0.8, 0.7)


def _flags(scored: pd.DataFrame) -> dict[str, np.ndarray]:
    """The shipped flags, then the curve of adding negative comments (no entry lines) from the most sure."""
    asks = (scored["is_question"] | scored["is_complaint"]).to_numpy()
    out = {"flags": asks}
    for at_least in NEGATIVE_FROM:
        negative = (scored["p_negative"].ge(at_least) & ~scored["is_entry"]).to_numpy()
        out[f"flags or p_negative >= {at_least}"] = asks | negative
    negative = (scored["sentiment"].eq("negative") & ~scored["is_entry"]).to_numpy()
    out["flags or any negative"] = asks | negative
    return out


def _sentiment(scored: pd.DataFrame, labels: pd.Series) -> str:
    polar = labels.ne("neutral").to_numpy()
    pred = scored["sentiment"].to_numpy()
    binary = np.where(scored["p_positive"] > scored["p_negative"], "positive", "negative")[polar]
    return (
        f"sentiment macro-F1 {f1_score(labels, pred, average='macro'):.3f}, "
        f"binary accuracy {accuracy_score(labels[polar], binary):.3f} ({polar.sum()} rows)"
    )


def civic(name: str) -> None:
    data = read_table(config.civic_validation_path().with_name(f"{name}.csv"))
    scored = annotate_comments(data[["text"]])
    toxic = data["toxic"].eq("yes").to_numpy()
    print(f"data/civic/{name}.csv, {len(data)} comments")
    print(f"  {_sentiment(scored, data['sentiment'])}")
    print(f"  toxicity macro-F1 {f1_score(toxic, scored['toxicity'].eq('toxic'), average='macro'):.3f}")
    wanted = data["needs_reply"].eq("yes").to_numpy()
    for rule, found in _flags(scored).items():
        print(
            f"  needs a reply, {rule}: precision {precision_score(wanted, found):.3f}, "
            f"recall {recall_score(wanted, found):.3f}, F1 {f1_score(wanted, found):.3f}"
        )


def sample() -> None:
    data = read_table(config.sample_dir() / "labels.csv")
    scored = annotate_comments(data[["text"]])
    kind = data["comment_type"]
    print(f"data/sample/labels.csv, {len(data)} comments")
    print(f"  {_sentiment(scored, data['sentiment'])}")
    for rule, found in _flags(scored).items():
        shares = ", ".join(f"{k} {found[kind.eq(k).to_numpy()].mean():.0%}" for k in ("opinion", "entry"))
        print(
            f"  needs a reply, {rule}: question + complaint found "
            f"{found[kind.isin(['question', 'complaint']).to_numpy()].mean():.1%} (question "
            f"{found[kind.eq('question').to_numpy()].mean():.0%}, complaint "
            f"{found[kind.eq('complaint').to_numpy()].mean():.0%}); flagged among {shares}"
        )


def main() -> None:
    started = time.perf_counter()
    civic("validation")
    civic("test")
    sample()
    model = load_model("sentiment")
    for text, p in zip(SENTENCES, model.predict_proba(SENTENCES), strict=True):
        shares = ", ".join(f"{c} {v:.2f}" for c, v in zip(model.classes_, p, strict=True))
        print(f"{text!r}: {model.classes_[p.argmax()]} ({shares})")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
