"""Building and training the five shipped classifiers from the public corpora, and their model cards.

| name | corpora | classes | validation |
| --- | --- | --- | --- |
| ``sentiment`` | KODOLI, KOTE, NSMC, 3i4K questions, phrasebook | negative / neutral / positive | 20% hash |
| ``policy_area`` | petitions (title+body) | 17 areas, or :data:`NO_POLICY_AREA` | the last month (2019-07) |
| ``news_section`` | YNAT headlines | 7 news sections | ``val.csv`` |
| ``toxicity`` | BEEP!, KODOLI, curse, K-MHaS | none / toxic | BEEP! ``dev.tsv``, 20% hash split of rest |
| ``reply`` | 3i4K, marks added (:func:`with_marks`) | reply / other, per sentence | 20% hash-of-text split |

Each is normalization (:class:`~civicnlp.features.TextNormalizer`), character and Mecab-morpheme n-grams
hashed into one space (:class:`~civicnlp.features.KoreanHashingVectorizer`) and a linear classifier.
``civicnlp train NAME`` fits one, evaluates it on its held-out split (per corpus), and writes
``<name>.skops`` beside ``<name>.card.json`` (+ ``.card.md``): the files shipped in ``civicnlp/models``.

Models are saved with skops, not pickle: loading trusts only :data:`TRUSTED_TYPES` (what the models hold),
and a file carrying any other type is refused with :class:`~civicnlp.exceptions.ModelError`.

``sentiment`` learns neutral from comment corpora that have it (:class:`NeutralPolarity`). ``toxicity`` and
``policy_area`` decide through a threshold chosen on validation (:class:`ThresholdDecision`): the label is
"toxic" exactly when ``p_toxic`` reaches it, and a comment whose most probable area is below it gets
:data:`NO_POLICY_AREA`. ``reply`` scores each sentence of a comment (:class:`PerSentence`).

``sentiment``'s and ``toxicity``'s cards also have an ``in_domain`` section (:func:`evaluate_in_domain`):
their scores on comments labelled by hand and never trained on — the sample campaigns'
(``data/sample/labels.csv``, sentiment) and the civic validation comments (``data/civic``, both; they chose
:data:`QUESTION_WEIGHT`) —, sentiment three-way and binary on the non-neutral rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from civicnlp import __version__, config, datasets
from civicnlp.campaigns import load_campaign
from civicnlp.classify import (
    NBLogisticRegression,
    NeutralPolarity,
    PerSentence,
    ThresholdDecision,
    final_step,
    forget_loaded_models,
    labels_from_proba,
    models_dir,
    save_model,
)
from civicnlp.exceptions import DataContractError, ParameterError
from civicnlp.features import KoreanHashingVectorizer, TextNormalizer
from civicnlp.io import file_sha256, read_table
from civicnlp.labels import MODEL_NAMES, NO_POLICY_AREA, SENTIMENTS
from civicnlp.tokenize import Tokenizer

__all__ = [
    "COMMENT_WEIGHT",
    "HOLDOUT",
    "IN_DOMAIN_LABELS",
    "MAX_WEIGHTS",
    "PHRASEBOOK",
    "QUESTION_WEIGHT",
    "REPLY_INTENTS",
    "SUBJECT_TERMS",
    "build_pipeline",
    "check_phrasebook",
    "civic_data",
    "civic_phrases",
    "compact_model",
    "evaluate",
    "evaluate_in_domain",
    "expected_calibration_error",
    "holdout",
    "in_domain_data",
    "most_uncertain",
    "render_card",
    "splits",
    "train",
    "validation_data",
    "with_marks",
]

# --- the shipped pipelines -----------------------------------------------------------------------


def _morphs(pos: str) -> Tokenizer:
    return Tokenizer(backend="mecab", pos=pos, stopwords=None, user_dict=None, progress=False)


def _linear(features: KoreanHashingVectorizer, clf: Any) -> Pipeline:
    return Pipeline(
        [
            ("normalize", TextNormalizer()),
            ("features", features),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("classify", clf),
        ]
    )


def _binary_ngrams(ignore: tuple[str, ...] = ()) -> Pipeline:
    """Normalized text, binary character 1-4-grams and Mecab morpheme 1-3-grams: what NB-LR reads."""
    return Pipeline(
        [
            ("normalize", TextNormalizer()),
            (
                "features",
                KoreanHashingVectorizer((1, 4), (1, 3), _morphs("all"), 2**20, binary=True, ignore=ignore),
            ),
        ]
    )


#: What city campaigns are about — bids, events, waste — and so no evidence of how a citizen feels about
#: them: the sentiment model ignores their n-grams. In the movie reviews 유치 is mostly 유치하다, "childish",
#: which made "APEC 유치 응원합니다" read as negative; 쓰레기 is their commonest insult, which made
#: "쓰레기가 확 줄었어요 뿌듯합니다" negative (0.67).
SUBJECT_TERMS = (
    "쓰레기",
    "유치",
    "개최",
    "정상회의",
    "박람회",
    "엑스포",
    "올림픽",
    "행사",
    "이벤트",
    "축제",
    "캠페인",
    "APEC",
)


def build_pipeline(name: str) -> Any:
    """The unfitted model of one shipped name (settings chosen on its validation splits; the curve of what
    was tried is ``benchmarks/comment_models.py``)."""
    if name == "sentiment":
        # comment rows weigh 3 NSMC reviews (against 1: KOTE +0.008, KODOLI -0.001, NSMC -0.003)
        ngrams = _binary_ngrams(ignore=SUBJECT_TERMS)
        return Pipeline([*ngrams.steps, ("classify", NeutralPolarity(NBLogisticRegression(C=4.0)))])
    if name == "policy_area":
        # temperature scaling keeps the SVM's argmax (sigmoid calibration cost 0.02 macro-F1 here)
        svc = LinearSVC(C=1.0, class_weight="balanced")
        return _linear(
            KoreanHashingVectorizer((1, 3), (1, 2), _morphs("all"), 2**18),
            ThresholdDecision(
                CalibratedClassifierCV(svc, method="temperature", cv=3, ensemble=False),
                fallback=NO_POLICY_AREA,
            ),
        )
    if name == "news_section":
        # width and C chosen by 3-fold CV on the train split (C=0.1 -> 0.2: +0.006 macro-F1), val agreeing
        return _linear(
            KoreanHashingVectorizer((1, 4), (1, 2), _morphs("all"), 2**20),
            CalibratedClassifierCV(LinearSVC(C=0.2), method="sigmoid", cv=3, ensemble=False),
        )
    if name == "toxicity":
        return _linear(
            KoreanHashingVectorizer((1, 4), (1, 3), _morphs("all"), 2**20, binary=True),
            ThresholdDecision(LogisticRegression(C=8.0, solver="liblinear", max_iter=1000), fallback="none"),
        )
    if name == "reply":
        return PerSentence(Pipeline([*_binary_ngrams().steps, ("classify", NBLogisticRegression(C=4.0))]))
    raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")


#: Most weights a multi-class linear model keeps (about 5 MB on disk as a float32 sparse matrix).
MAX_WEIGHTS = 600_000


def _prune(coef: np.ndarray, keep: int) -> Any:
    """The ``keep`` largest-magnitude weights of ``coef`` as a float32 CSR matrix (the rest set to zero)."""
    if coef.size <= keep:
        return coef.astype(np.float32)
    cutoff = np.partition(np.abs(coef).ravel(), coef.size - keep)[coef.size - keep]
    return sp.csr_matrix(np.where(np.abs(coef) >= cutoff, coef, 0.0).astype(np.float32))


def compact_model(model: Any) -> Any:
    """Shrink a fitted model for shipping: float32 arrays, and at most :data:`MAX_WEIGHTS` linear weights.

    Hashed features leave most weights tiny; the card's metrics are measured after this step."""
    pipeline = model.estimator_ if isinstance(model, PerSentence) else model
    for _, step in pipeline.steps:
        inner = step.estimator_ if isinstance(step, ThresholdDecision) else step
        linear = [c.estimator for c in getattr(inner, "calibrated_classifiers_", [])] or [inner]
        for clf in linear:
            if isinstance(clf, (LogisticRegression, LinearSVC)):
                clf.coef_ = _prune(clf.coef_, MAX_WEIGHTS)
        if isinstance(step, TfidfTransformer):
            step.idf_ = step.idf_.astype(np.float32)
    return model


# --- training data and splits ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    corpora: tuple[str, ...]
    task: str
    split: Callable[[str | os.PathLike[str] | None], tuple[pd.DataFrame, pd.DataFrame]]
    split_note: str
    intended_use: str
    caveats: str


#: Share of each comment corpus held out for validation (by :func:`holdout`).
HOLDOUT = 0.2


def holdout(texts: Iterable[object], fraction: float = HOLDOUT) -> np.ndarray:
    """Whether each text is in the validation part: a hash of its whitespace-collapsed text, so a text
    that occurs twice, in one corpus or in two, is always on one side of the split, on every machine."""

    def bucket(text: object) -> int:
        digest = hashlib.blake2b(" ".join(str(text).split()).encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % 10_000

    return np.array([bucket(t) < fraction * 10_000 for t in texts], dtype=bool)


def _carve(frames: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and validation rows (``text``, ``label``, ``corpus``) of corpora given as frames with a boolean
    ``val``; a training text that also occurs among the validation texts is dropped from training."""
    rows = pd.concat([df.assign(corpus=name) for name, df in frames.items()], ignore_index=True)
    key = rows["text"].map(lambda t: " ".join(str(t).split()))
    val = rows["val"].to_numpy(dtype=bool)
    train = ~val & ~key.isin(set(key[val])).to_numpy()
    columns = ["text", "label", "corpus"]
    return rows.loc[train, columns].reset_index(drop=True), rows.loc[val, columns].reset_index(drop=True)


_SENTIMENT = {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
#: The sentiment model's phrasebook, inside the package (:func:`civic_phrases`).
PHRASEBOOK = "resources/civic_phrases.csv"


def civic_phrases() -> pd.DataFrame:
    """The sentiment model's phrasebook (:data:`PHRASEBOOK` in the package: ``text``, ``sentiment``,
    ``kind``): civic expressions whose polarity is conventional but which the corpora hardly have.
    Thanks to officials (공무원분들 고생 많으십니다: in the movie reviews 고생 is hardship, and the line
    read as negative 0.80), support (찬성합니다, 지역 경제에 도움이 됩니다) and opposition (반대합니다,
    세금 낭비, 전시 행정: 반대합니다 read as positive). Written for the project, not taken from any
    evaluation comment; each line is a training row weighing as a comment."""
    with resources.files("civicnlp").joinpath(PHRASEBOOK).open("rb") as handle:
        book = pd.read_csv(handle, dtype="str", keep_default_na=False)
    return check_phrasebook(book)


def check_phrasebook(book: pd.DataFrame) -> pd.DataFrame:
    """``book`` if it is a phrasebook a retrain can use: columns ``text``, ``sentiment``, ``kind``; every
    text non-blank and unique; every sentiment negative, neutral or positive. Else a
    :class:`DataContractError` naming the lines (an analyst edits the file by hand)."""
    missing = {"text", "sentiment", "kind"} - set(book.columns)
    if missing:
        raise DataContractError(f"the phrasebook {PHRASEBOOK} misses columns: {', '.join(sorted(missing))}")
    line = pd.Series(range(2, len(book) + 2), index=book.index)  # as a spreadsheet numbers them
    problems = {
        "a blank text": book["text"].str.strip().eq(""),
        "a text given twice": book["text"].str.strip().duplicated(keep=False),
        f"a sentiment not in {', '.join(SENTIMENTS)}": ~book["sentiment"].isin(SENTIMENTS),
    }
    found = [
        f"{what} on line(s) {', '.join(map(str, line[bad][:5]))}"
        for what, bad in problems.items()
        if bad.any()
    ]
    if found:
        raise DataContractError(f"the phrasebook {PHRASEBOOK} has {'; '.join(found)}")
    return book


def _split_sentiment(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    nsmc = datasets.load_nsmc(data_home=data_home)
    kodoli = datasets.load_kodoli(data_home=data_home)
    kote = datasets.load_kote(data_home=data_home)
    kote = kote[kote["label"] != "mixed"]
    kote_val = holdout(kote["text"])
    questions = datasets.load_3i4k(data_home=data_home)
    questions = questions[questions["label"].eq("question") & ~holdout(questions["text"])]
    return _carve(
        {
            "nsmc": nsmc.assign(val=holdout(nsmc["text"])),
            "kodoli": kodoli.assign(label=kodoli["label"].map(_SENTIMENT), val=holdout(kodoli["text"])),
            # KOTE's validation rows are its polar ones (binary figure); its few neutral ones only train
            "kote": kote.assign(val=kote_val)[~kote_val | (kote["label"] != "neutral").to_numpy()],
            # questions asking for information, taken as neutral: no corpus above has many of them
            "3i4k": questions.assign(label="neutral", val=False),
            "civic_phrases": civic_phrases()[["text", "sentiment"]]
            .rename(columns={"sentiment": "label"})
            .assign(val=False),
        }
    )


def _split_petitions(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = datasets.load_petitions(data_home=data_home)
    return _carve({"petitions": df.assign(val=df["begin"] == df["begin"].max())})


def _split_ynat(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = datasets.load_ynat("train", data_home=data_home).assign(val=False)
    val = datasets.load_ynat("val", data_home=data_home).assign(val=True)
    return _carve({"ynat": pd.concat([train, val], ignore_index=True)})


def _split_toxicity(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    beep = pd.concat(
        [
            datasets.load_beep("train", data_home=data_home).assign(val=False),
            datasets.load_beep("dev", data_home=data_home).assign(val=True),
        ],
        ignore_index=True,
    )
    kodoli = datasets.load_kodoli(data_home=data_home)
    curse = datasets.load_curse(data_home=data_home)
    kmhas = datasets.load_kmhas(data_home=data_home)

    def toxic(df: pd.DataFrame, is_toxic: pd.Series, val: Any) -> pd.DataFrame:
        return df.assign(label=np.where(is_toxic, "toxic", "none"), val=val)

    return _carve(
        {
            "beep": toxic(beep, beep["label"] != "none", beep["val"]),
            "kodoli": toxic(kodoli, kodoli["offensiveness"] != "NOT", holdout(kodoli["text"])),
            "curse": toxic(curse, curse["label"] == "curse", holdout(curse["text"])),
            "kmhas": toxic(kmhas, kmhas["label"] == "hate", holdout(kmhas["text"])),
        }
    )


#: 3i4K intentions that need an answer: a question or a request (command); the rest (statements,
#: fragments, rhetorical questions and commands, intonation-dependent lines) do not.
REPLY_INTENTS = ("question", "command")


#: The sentence ends that go with a 3i4K intent's form: "?" after an interrogative one, "." or "!" after the
#: others; a fragment gets none.
FORM_ENDS = {
    "question": ("?",),
    "rhetorical_question": ("?",),
    "intonation_dependent": ("?", "."),
    "statement": (".", "!"),
    "command": (".", "!"),
    "rhetorical_command": (".", "!"),
    "fragment": ("",),
}
#: Marks that citizens add to any kind of sentence: laughter, crying, emoticons, emoji, trailing punctuation.
ANY_TAILS = (
    "ㅋㅋ",
    "ㅋㅋㅋㅋ",
    "ㅎㅎ",
    "ㅠㅠ",
    "ㅜㅜ",
    "^^",
    "😊",
    "😢",
    "😡",
    "👍",
    "~",
    "...",
    "!!",
    "ㅠㅠㅠ!!",
)
#: Shares of the reply model's training sentences given a sentence end, and a tail (chosen on the civic
#: validation comments and the sample's labels: needs-a-reply F1 0.788 -> 0.802, sample 73% -> 77% found).
END_SHARE, TAIL_SHARE = 0.5, 0.3


def with_marks(texts: Iterable[str], intents: Iterable[str], *, seed: int = 0) -> list[str]:
    """3i4K's sentences as citizens type them. 3i4K has no punctuation, so a model trained on it reads "?"
    and ㅋㅋ as unknown n-grams that blur the words ("셔틀버스 운행하나요?" p_reply 0.44, without "?" 0.74).
    A share of the sentences gets the end of its form (:data:`FORM_ENDS`) and a share a tail that says
    nothing of the intent (:data:`ANY_TAILS`); reproducible for a given ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for text, intent in zip(texts, intents, strict=True):
        ends = FORM_ENDS[intent]
        if rng.random() < END_SHARE:
            text += ends[rng.integers(len(ends))]
        if rng.random() < TAIL_SHARE:
            text += ANY_TAILS[rng.integers(len(ANY_TAILS))]
        out.append(text)
    return out


def _split_reply(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = datasets.load_3i4k(data_home=data_home)
    train, val = _carve({"3i4k": df.assign(val=holdout(df["text"]))})
    train = train.assign(text=with_marks(train["text"], train["label"]))
    replies = [
        part.assign(label=np.where(part["label"].isin(REPLY_INTENTS), "reply", "other"))
        for part in (train, val)
    ]
    return replies[0], replies[1]


_HASH_SPLIT = f"a {HOLDOUT:.0%} hash-of-text split of each corpus (a text always on one side)"

_SPECS: dict[str, _Spec] = {
    "sentiment": _Spec(
        ("kodoli", "kote", "nsmc", "3i4k"),
        "sentiment of a short Korean text: negative / neutral / positive",
        _split_sentiment,
        f"{_HASH_SPLIT}; KOTE's mixed rows left out, its validation rows only the polar ones",
        "Share of negative, neutral and positive reactions in citizens' comments; rank comments to read.",
        "Neutral is learned from KODOLI and KOTE's comments (a first stage: neutral or not), with 3i4K's "
        "information questions (its training side, 0.3 a row) taken as neutral, since a citizen's plain "
        "question is neither praise nor blame and the comment corpora have few; polarity from NSMC movie "
        "reviews with the comment corpora weighing 3 reviews a row. KOTE and NSMC figures are "
        "binary (positive against negative probability), KODOLI's three-way. Below target on KODOLI "
        "(0.76) and KOTE (0.84): the curve in benchmarks/comment_models.py stops there for linear models. "
        "The n-grams of campaign subject words (SUBJECT_TERMS: 유치, 개최, 정상회의, ...) are ignored. "
        "A phrasebook of civic expressions (resources/civic_phrases.csv, training.civic_phrases: thanks to "
        "officials, support, opposition; 292 lines) is taught as comments: the corpora hardly have them. "
        "The in-domain labels (the sample campaigns' 330 comments, the 240 civic validation comments) are "
        "never trained on; both were written for this project, so read their figures as a rough check.",
    ),
    "policy_area": _Spec(
        ("petitions",),
        "policy area of a citizen's request (17 Blue House petition categories), or none",
        _split_petitions,
        "the latest month of the archive (petitions opened in 2019-07); trained on the earlier months",
        "Which civic policy area a comment or request is about, for topic shares.",
        "Petitions are long, formal requests; comments are short and informal, so expect lower accuracy on "
        "comments. Categories are unbalanced and drift over time; '기타' (other) is a catch-all. Below the "
        f"abstain threshold the label is '{NO_POLICY_AREA}': the threshold is chosen on the validation "
        "month against comments about no policy (BEEP! dev, entertainment news) and short comments about a "
        "policy get it more often than long petitions do. Validation figures are the most probable area's.",
    ),
    "news_section": _Spec(
        ("ynat",),
        "news section of a headline (7 YNAT sections)",
        _split_ynat,
        "the corpus' val.csv (unofficial YNAT re-split)",
        "Which news section a press release title or headline belongs to (message fit).",
        "Trained on Yonhap headlines; body text and comments are out of domain. Scores are not comparable "
        "with the official KLUE leaderboard.",
    ),
    "toxicity": _Spec(
        ("beep", "kodoli", "curse", "kmhas"),
        "toxic speech in a comment: none / toxic",
        _split_toxicity,
        f"BEEP!'s dev.tsv; {_HASH_SPLIT} for KODOLI, curse and K-MHaS",
        "Flag offensive or hateful comments for moderation and for the report's toxic share.",
        "One label scheme: toxic = BEEP! offensive or hate, KODOLI offensiveness LIKELY or OFFEN, curse 1, "
        "K-MHaS any hate kind; none = the rest. p_toxic is the logistic regression's probability; the "
        "label is 'toxic' exactly when p_toxic reaches the threshold, chosen on validation for the best "
        "mean macro-F1 over the four corpora (so the figures are slightly optimistic). Annotators agree "
        "only moderately on such labels: a flag for a human to read, never a verdict.",
    ),
    "reply": _Spec(
        ("3i4k",),
        "whether a comment asks or requests something to answer: reply / other (per sentence)",
        _split_reply,
        _HASH_SPLIT,
        "Find the questions and requests a city should answer (annotate combines it with its cues).",
        "3i4K is short conversational sentences, many addressed to an assistant, not online comments. "
        "Rhetorical questions and commands count as 'other'. 3i4K has no punctuation: half the training "
        "sentences get the end of their form ('?' after a question), 30% a tail such as ㅋㅋ or an emoji "
        "(training.with_marks). A comment's probability is its most probable sentence's; validation "
        "figures are on 3i4K's single sentences as written.",
    ),
}


# --- metrics --------------------------------------------------------------------------------------


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Top-label expected calibration error: the bin-weighted gap between confidence and accuracy."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        return float("nan")
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(which):
        mask = which == b
        total += mask.sum() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total / confidence.size)


def evaluate(model: Any, texts: Iterable[object], labels: Iterable[object]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1, confusion matrix and ECE of a fitted model on labelled texts.

    Labels are the model's decisions (:func:`labels_from_proba`), with two exceptions. For a sentiment model
    and labels without "neutral" (NSMC, KOTE's polar rows), the binary decision is scored (positive when its
    probability beats negative's) and the neutral share is reported beside it. For a model that abstains
    (a :class:`ThresholdDecision` whose fallback is no class), the most probable class is scored and
    ``coverage`` (the share it decides) and ``accuracy_decided`` (its accuracy there) are reported."""
    texts = list(texts)
    y = np.asarray([str(label) for label in labels], dtype=object)
    if len(texts) != len(y) or not len(y):
        raise ParameterError(
            f"need as many labels as texts, and at least one (got {len(texts)} and {len(y)})"
        )
    clf = final_step(model)
    proba = np.asarray(model.predict_proba(texts))
    classes = np.asarray(clf.classes_, dtype=object)
    pred = labels_from_proba(model, proba)
    extra: dict[str, Any] = {}
    if list(classes) == list(SENTIMENTS) and "neutral" not in set(y):
        extra["neutral_share"] = float((pred == "neutral").mean())
        proba = proba[:, [0, 2]] / proba[:, [0, 2]].sum(axis=1, keepdims=True)
        classes = classes[[0, 2]]
        pred = classes[proba.argmax(axis=1)]
    elif isinstance(clf, ThresholdDecision) and clf.fallback not in set(classes):
        decided = pred != clf.fallback
        pred = classes[proba.argmax(axis=1)]
        extra["threshold"] = float(clf.threshold)
        extra["coverage"] = float(decided.mean())
        extra["accuracy_decided"] = float((pred == y)[decided].mean()) if decided.any() else float("nan")
    chosen = np.asarray([list(classes).index(p) if p in set(classes) else 0 for p in pred])
    confidence = proba[np.arange(len(pred)), chosen]
    labels_seen = sorted(set(y) | set(pred))
    per_class = f1_score(y, pred, labels=labels_seen, average=None, zero_division=0)
    return {
        "rows": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, labels=sorted(set(y)), average="macro", zero_division=0)),
        "per_class_f1": {label: float(f) for label, f in zip(labels_seen, per_class, strict=False)},
        "confusion_matrix": {
            "labels": labels_seen,
            "matrix": confusion_matrix(y, pred, labels=labels_seen).tolist(),
        },
        "ece": expected_calibration_error(confidence, pred == y),
        **extra,
    }


def render_card(card: Mapping[str, Any]) -> str:
    """A short markdown rendering of a model card."""
    val, rows = card["validation"], card["rows"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"- Task: {card['task']}",
        *(f"- Training data: {c['name']} ({c['licence']}), sha256 {c['sha256']}" for c in card["corpora"]),
        *(
            [f"- Phrasebook: {book['file']}, {book['rows']} lines, sha256 {book['sha256']}"]
            if (book := card.get("phrasebook"))
            else []
        ),
        f"- Rows: {rows['train']:,} train, {rows['validation']:,} validation ({card['split']})",
        f"- Validation, all rows: accuracy {val['accuracy']:.4f}, macro-F1 {val['macro_f1']:.4f}, "
        f"ECE {val['ece']:.4f}",
        *(
            f"- Validation, {corpus} ({m['rows']:,} rows): accuracy {m['accuracy']:.4f}, "
            f"macro-F1 {m['macro_f1']:.4f}"
            for corpus, m in (card.get("validation_by_corpus") or {}).items()
        ),
        *_render_decision(card.get("decision")),
        f"- Trained in {card['train_seconds']:.0f} s with civicnlp {card['civicnlp_version']}, "
        f"scikit-learn {card['sklearn_version']}",
        f"- Intended use: {card['intended_use']}",
        f"- Caveats: {card['caveats']}",
        *_render_in_domain(card.get("in_domain")),
        "",
        "| class | F1 |",
        "| --- | --- |",
        *(f"| {label} | {f1:.3f} |" for label, f1 in val["per_class_f1"].items()),
    ]
    return "\n".join(lines) + "\n"


def _render_decision(section: Mapping[str, Any] | None) -> list[str]:
    if not section:
        return []
    line = f"- Threshold {section['threshold']:.3f}, chosen by {section['rule']} ({section['score']:.4f})"
    if "abstained_on_no_policy" in section:
        line += f"; {section['abstained_on_no_policy']:.0%} of those comments get no area"
    return [line]


def _render_in_domain(sections: Mapping[str, Any] | None) -> list[str]:
    lines = []
    for section in (sections or {}).values():
        every = section["all_classes"]
        line = (
            f"- In domain ({section['data']}, {section['rows']} rows, sha256 {section['sha256']}): "
            f"accuracy {every['accuracy']:.4f}, macro-F1 {every['macro_f1']:.4f}"
        )
        if "binary" in section:
            binary = section["binary"]
            line += f"; on the {binary['rows']} non-neutral rows, binary accuracy {binary['accuracy']:.4f}"
        lines.append(line)
    return lines


def _describe(model: Any) -> dict[str, Any]:
    """The pipeline's non-default parameters, as JSON-friendly strings, step by step (for
    :class:`PerSentence`, its sentence pipeline's)."""
    out: dict[str, Any] = {}
    pipeline = model.estimator_ if isinstance(model, PerSentence) else model
    for step_name, step in pipeline.steps:
        defaults = type(step)().get_params(deep=False) if step_name != "classify" else {}
        params = {k: v for k, v in step.get_params(deep=False).items() if defaults.get(k, object()) != v}
        out[step_name] = {"type": type(step).__name__, **{k: repr(v) for k, v in params.items()}}
    return out


def most_uncertain(model: Any, texts: Iterable[object], n: int = 200) -> pd.DataFrame:
    """The ``n`` texts the model is least sure of (smallest margin between its top two classes), to label.

    Columns: ``text``, ``predicted``, ``margin``, one ``p_<class>`` per class and an empty ``label`` to fill
    in; the filled file goes back through ``civicnlp train NAME --extra-labels FILE``."""
    texts = list(texts)
    proba = model.predict_proba(texts)
    top_two = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else np.hstack([proba * 0, proba])
    margin = top_two[:, 1] - top_two[:, 0]
    classes = [str(c) for c in model.classes_]
    out = pd.DataFrame({"text": texts, "predicted": np.asarray(classes, dtype=object)[proba.argmax(axis=1)]})
    out["margin"] = margin
    for j, label in enumerate(classes):
        out[f"p_{label}"] = proba[:, j]
    out["label"] = ""
    return out.sort_values("margin", kind="stable").head(n).reset_index(drop=True)


def _extra_labels(path: str | os.PathLike[str], classes: Iterable[str]) -> pd.DataFrame:
    """Analyst-labelled rows (``text``, ``label``) to add to a corpus; rows without a label are skipped."""
    df = read_table(Path(path))
    missing = {"text", "label"} - set(df.columns)
    if missing:
        raise ParameterError(f"{path} needs columns text and label; missing: {', '.join(sorted(missing))}")
    df = df[df["label"].notna() & (df["label"].astype(str).str.strip() != "")]
    labels = df["label"].astype(str).str.strip()
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise ParameterError(f"{path} has labels the model does not know: {', '.join(unknown)}")
    return pd.DataFrame({"text": df["text"].astype(str), "label": labels})


def splits(
    name: str, *, data_home: str | os.PathLike[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and held-out rows of model ``name`` (``text``, ``label``, ``corpus``), as it trains."""
    if name not in _SPECS:
        raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    return _SPECS[name].split(data_home)


def validation_data(name: str, *, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The held-out rows ``civicnlp train NAME`` scores its model on (``text``, ``label``, ``corpus``)."""
    return splits(name, data_home=data_home)[1]


#: Models with in-domain checks: model name -> label set -> its column. ``sample``: ``labels.csv`` of the
#: sample campaigns; ``civic``: :func:`civicnlp.config.civic_validation_path`, 240 comments on eight kinds of
#: city campaign, written and labelled for this project by someone who never saw the models' output.
IN_DOMAIN_LABELS = {
    "sentiment": {"sample": "sentiment", "civic": "sentiment"},
    "toxicity": {"civic": "toxic"},
}
_CIVIC_VALUES = {"toxic": {"yes": "toxic", "no": "none"}}


def _check_in_domain(name: str, label_set: str) -> str:
    if label_set not in IN_DOMAIN_LABELS.get(name, {}):
        labelled = ", ".join(f"{m} ({'/'.join(sets)})" for m, sets in IN_DOMAIN_LABELS.items())
        raise ParameterError(f"no {label_set} labels for {name!r}; labelled: {labelled}")
    return IN_DOMAIN_LABELS[name][label_set]


def in_domain_data(name: str, *, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The sample campaigns' hand-labelled comments for model ``name``: ``campaign_id``, ``text``, ``label``.

    Labels come from ``labels.csv`` in ``data_dir`` (default: the shipped ``data/sample``) and are keyed by
    campaign, channel and text, as an analyst labels (:func:`most_uncertain`'s sheet) — comment ids do not
    survive ingest from a pasted page, where they depend on the pseudonym key. Each labelled text must be
    among its campaign's comments as :func:`civicnlp.campaigns.load_campaign` loads them, so the model reads
    what annotation reads; one that is not is a :class:`DataContractError`."""
    column = _check_in_domain(name, "sample")
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    labels = read_table(folder / "labels.csv")
    key = ["campaign_id", "channel", "text"]
    missing = {*key, column} - set(labels.columns)
    if missing:
        raise DataContractError(f"{folder / 'labels.csv'} lacks column(s) {', '.join(sorted(missing))}")
    loaded = pd.concat(
        [load_campaign(c, folder).comments.data[key] for c in labels["campaign_id"].unique()],
        ignore_index=True,
    ).drop_duplicates()
    found = labels[key].merge(loaded, on=key, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    if not found.all():
        lost = labels.loc[~found, "text"].tolist()
        raise DataContractError(f"{len(lost)} labelled text(s) not among the loaded comments: {lost[:3]}")
    return pd.DataFrame(
        {"campaign_id": labels["campaign_id"], "text": labels["text"], "label": labels[column]}
    )


def civic_data(name: str, *, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The civic validation comments for model ``name``: ``topic``, ``text``, ``label`` (in the model's
    classes: toxicity's yes/no become toxic/none)."""
    column = _check_in_domain(name, "civic")
    path = Path(path) if path is not None else config.civic_validation_path()
    df = read_table(path)
    missing = {"text", "topic", column} - set(df.columns)
    if missing:
        raise DataContractError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
    labels = df[column].astype(str).str.strip()
    values = _CIVIC_VALUES.get(column)
    if values is not None:
        unknown = sorted(set(labels) - set(values))
        if unknown:
            raise DataContractError(f"{path}: {column} must be {' or '.join(values)}; got {unknown[:3]}")
        labels = labels.map(values)
    return pd.DataFrame({"topic": df["topic"], "text": df["text"].astype(str), "label": labels})


def evaluate_in_domain(
    name: str,
    model: Any,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    civic_path: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """``model`` scored on each of its in-domain label sets (:data:`IN_DOMAIN_LABELS`) found on disk: the
    card's ``in_domain`` section, by label set (a set that is not there, outside a checkout, is left out).

    For ``sentiment``, ``all_classes`` scores all three labels and ``binary`` the rows labelled negative or
    positive. These labels are never trained on."""
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    civic = Path(civic_path) if civic_path is not None else config.civic_validation_path()
    sources = {
        "sample": (
            folder / "labels.csv",
            "labels.csv of the sample campaigns (data/sample)",
            lambda: in_domain_data(name, data_dir=folder),
        ),
        "civic": (
            civic,
            "civic comments written for this project (data/civic)",
            lambda: civic_data(name, path=civic),
        ),
    }
    out: dict[str, Any] = {}
    for label_set in IN_DOMAIN_LABELS.get(name, {}):
        path, description, load = sources[label_set]
        if not path.is_file():
            continue
        data = load()
        texts, labels = data["text"].tolist(), data["label"].astype(str)
        section: dict[str, Any] = {
            "data": description,
            "sha256": file_sha256(path),
            "rows": len(data),
            "all_classes": evaluate(model, texts, labels.tolist()),
        }
        if name == "sentiment":
            sides = labels != "neutral"
            section["binary"] = evaluate(model, data.loc[sides, "text"].tolist(), labels[sides].tolist())
        out[label_set] = section
    return out


#: Rows of the comment corpora weigh this many NSMC reviews in the sentiment model (chosen on validation).
COMMENT_WEIGHT = 3.0
#: What one of 3i4K's questions weighs in the sentiment model's neutral stage: chosen on the civic validation
#: comments (macro-F1 0.716; at 3.0, 0.697, with half the negative comments read as neutral).
QUESTION_WEIGHT = 0.3


def _fit_params(name: str, train_df: pd.DataFrame) -> dict[str, Any]:
    """What ``fit`` needs beyond texts and labels: the sentiment model's row weights and binary rows."""
    if name != "sentiment":
        return {}
    corpus = train_df["corpus"]
    weight = np.select([corpus.eq("nsmc"), corpus.eq("3i4k")], [1.0, QUESTION_WEIGHT], COMMENT_WEIGHT)
    return {"classify__sample_weight": weight, "classify__polar_only": corpus.eq("nsmc").to_numpy()}


_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def _choose_threshold(
    name: str, model: Any, val_df: pd.DataFrame, data_home: str | os.PathLike[str] | None
) -> dict[str, Any] | None:
    """Set a :class:`ThresholdDecision`'s threshold from the validation rows; what was chosen, and on what.

    ``toxicity``: the best mean over corpora of binary macro-F1. ``policy_area``: the best balanced accuracy
    between deciding an area on the validation petitions and abstaining on comments about no policy
    (BEEP!'s dev comments on entertainment news)."""
    if name == "toxicity":
        p = model.predict_proba(val_df["text"].tolist())[:, list(model.classes_).index("toxic")]
        toxic = val_df["label"].eq("toxic").to_numpy()
        groups = [val_df["corpus"].eq(c).to_numpy() for c in val_df["corpus"].unique()]

        def score(t: float) -> float:
            return float(np.mean([f1_score(toxic[g], p[g] >= t, average="macro") for g in groups]))

        rule = "best mean binary macro-F1 over the validation corpora"
    elif name == "policy_area":
        none = datasets.load_beep("dev", data_home=data_home)["text"].tolist()
        top = model.predict_proba(val_df["text"].tolist()).max(axis=1)
        top_none = model.predict_proba(none).max(axis=1)

        def score(t: float) -> float:
            return float(((top >= t).mean() + (top_none < t).mean()) / 2)

        rule = (
            "best balanced accuracy of deciding an area on the validation petitions and abstaining on "
            f"BEEP!'s {len(none)} dev comments (entertainment news)"
        )
    else:
        return None
    scores = [score(t) for t in _GRID]
    threshold = float(_GRID[int(np.argmax(scores))])
    model.set_params(classify__threshold=threshold)
    out = {"threshold": threshold, "rule": rule, "score": round(max(scores), 4)}
    if name == "policy_area":
        out["abstained_on_no_policy"] = round(float((top_none < threshold).mean()), 4)
    return out


def train(
    name: str,
    *,
    data_home: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    extra_labels: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Fit a shipped model, score it on its held-out split, write the model and its card; return the card."""
    train_df, val_df = splits(name, data_home=data_home)
    spec = _SPECS[name]
    extra = None
    if extra_labels is not None:
        rows = _extra_labels(extra_labels, train_df["label"].unique())
        train_df = pd.concat([train_df, rows.assign(corpus="extra_labels")], ignore_index=True)
        extra = {"file": str(extra_labels), "rows": len(rows), "sha256": file_sha256(extra_labels)}
    model = build_pipeline(name)
    started = time.perf_counter()
    labels = train_df["label"].to_numpy(dtype=object)
    model.fit(train_df["text"].tolist(), labels, **_fit_params(name, train_df))
    compact_model(model)
    seconds = time.perf_counter() - started
    decision = _choose_threshold(name, model, val_df, data_home)
    metrics = evaluate(model, val_df["text"].tolist(), val_df["label"].tolist())
    by_corpus = {
        str(c): evaluate(model, rows["text"].tolist(), rows["label"].tolist())
        for c, rows in val_df.groupby("corpus", sort=False)
    }
    # Outside a checkout there are no in-domain labels to score on; the card then says so with a null.
    in_domain = evaluate_in_domain(name, model) or None
    card = {
        "name": name,
        "task": spec.task,
        "classes": [str(c) for c in model.classes_],
        "corpora": [_corpus_entry(c, data_home) for c in spec.corpora],
        "split": spec.split_note,
        "extra_labels": extra,
        "phrasebook": _phrasebook_entry() if name == "sentiment" else None,
        "rows": {"train": len(train_df), "validation": len(val_df)},
        "parameters": _describe(model),
        "decision": decision,
        "validation": metrics,
        "validation_by_corpus": by_corpus,
        "in_domain": in_domain,
        "intended_use": spec.intended_use,
        "caveats": spec.caveats,
        "civicnlp_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "train_seconds": round(seconds, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    folder = Path(out_dir) if out_dir is not None else models_dir()
    save_model(model, folder / f"{name}.skops")
    (folder / f"{name}.card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")
    (folder / f"{name}.card.md").write_text(render_card(card), encoding="utf-8")
    forget_loaded_models()
    return card


def _phrasebook_entry() -> dict[str, Any]:
    data = resources.files("civicnlp").joinpath(PHRASEBOOK).read_bytes()
    return {
        "file": f"civicnlp/{PHRASEBOOK}",
        "rows": len(civic_phrases()),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _corpus_entry(name: str, data_home: str | os.PathLike[str] | None) -> dict[str, Any]:
    corpus = datasets.CORPORA[name]
    return {
        "name": corpus.name,
        "description": corpus.description,
        "licence": corpus.licence,
        "sha256": datasets.corpus_sha256(name, data_home=data_home),
        "files": [f.url or f"{corpus.origin}/{f.path}" for f in corpus.files],
    }
