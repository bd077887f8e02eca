"""The four shipped classifiers: scikit-learn Pipelines over raw strings, trained from the public corpora.

| name | corpus | classes | validation |
| --- | --- | --- | --- |
| ``sentiment`` | NSMC | negative / neutral / positive | stratified random 10% (seed 0) |
| ``policy_area`` | petitions (title + body) | 17 policy areas | the latest month (2019-07) |
| ``news_section`` | YNAT headlines | 7 news sections | ``val.csv`` |
| ``toxicity`` | BEEP! | none / offensive / hate | ``dev.tsv`` |

Each pipeline is normalization (:class:`~civicnlp.features.TextNormalizer`), character and Mecab-morpheme
n-grams hashed into one space (:class:`~civicnlp.features.KoreanHashingVectorizer`) and a
linear classifier. ``civicnlp train NAME`` fits one, evaluates it on its held-out split, and writes
``<name>.skops`` beside ``<name>.card.json`` (+ ``.card.md``): the files shipped in ``civicnlp/models``.

Models are saved with skops, not pickle: loading trusts only :data:`TRUSTED_TYPES` (what the pipelines hold),
and a file carrying any other type is refused with :class:`~civicnlp.exceptions.ModelError`.

NSMC is binary, so ``sentiment`` adds a documented neutral band (:class:`NeutralBand`): a comment is "neutral"
when the binary model's confidence in either side is below ``threshold`` (0.65 shipped, set on NSMC).

``sentiment``'s card also has an ``in_domain`` section (:func:`evaluate_in_domain`): its scores on the sample
campaigns' hand-labelled comments (``data/sample/labels.csv``), three-way and binary on the non-neutral rows.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
import skops.io
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from civicnlp import __version__, config, datasets
from civicnlp.exceptions import DataContractError, ModelError, ParameterError
from civicnlp.features import KoreanHashingVectorizer, TextNormalizer
from civicnlp.tokenize import Tokenizer

__all__ = [
    "IN_DOMAIN_LABELS",
    "MODEL_NAMES",
    "TRUSTED_TYPES",
    "NBLogisticRegression",
    "NeutralBand",
    "build_pipeline",
    "compact_model",
    "evaluate",
    "evaluate_in_domain",
    "expected_calibration_error",
    "in_domain_data",
    "load_model",
    "load_model_file",
    "model_card",
    "models_dir",
    "most_uncertain",
    "render_card",
    "save_model",
    "train",
    "validation_data",
]

MODEL_NAMES = ("sentiment", "policy_area", "news_section", "toxicity")

#: Types a model file may hold beyond those skops trusts by default (scikit-learn's public estimators, numpy):
#: exactly what the fitted pipelines of :func:`build_pipeline` hold, as ``tests/test_classify.py`` checks.
#: A file carrying anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "civicnlp.classify.NBLogisticRegression",
    "civicnlp.classify.NeutralBand",
    "civicnlp.features.KoreanHashingVectorizer",
    "civicnlp.features.TextNormalizer",
    "civicnlp.tokenize.Tokenizer",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
)


# --- estimators -----------------------------------------------------------------------------------


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression over naive-Bayes-weighted features (NB-LR, after Wang & Manning 2012).

    Each feature is scaled by its smoothed log-count ratio between the two classes, rows are L2-normalized,
    and a logistic regression is fitted on the result. Learned: ``classes_``, ``r_`` (the ratios),
    ``coef_``, ``intercept_`` (float32, to keep files small).
    """

    def __init__(self, C: float = 4.0, alpha: float = 1.0, max_iter: int = 1000):
        self.C = C
        self.alpha = alpha
        self.max_iter = max_iter

    def fit(self, X: Any, y: Sequence[Any]) -> NBLogisticRegression:
        X = sp.csr_matrix(X, dtype=np.float64)
        labels = np.asarray(y)
        classes = np.unique(labels)
        if len(classes) != 2:
            raise ParameterError(
                f"NBLogisticRegression is binary; got {len(classes)} classes: {list(classes)}"
            )
        is_pos = labels == classes[1]
        p = self.alpha + np.asarray(X[is_pos].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(X[~is_pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        lr = LogisticRegression(C=self.C, solver="liblinear", max_iter=self.max_iter)
        lr.fit(_weighted(X, r), is_pos.astype(int))
        self.classes_ = classes
        self.r_ = r.astype(np.float32)
        self.coef_ = lr.coef_.ravel().astype(np.float32)
        self.intercept_ = float(lr.intercept_[0])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return _weighted(X, self.r_) @ self.coef_.astype(np.float64) + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _weighted(X: Any, r: np.ndarray) -> sp.csr_matrix:
    """``X`` with each column scaled by its ratio in ``r`` and rows L2-normalized: what NB-LR fits on."""
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    X.data *= r[X.indices]
    return normalize(X)


class NeutralBand(ClassifierMixin, BaseEstimator):
    """A binary classifier made three-way: "neutral" where it is confident in neither side.

    With ``p`` the binary probability of the positive side and ``m = max(p, 1 - p)``, the neutral probability
    is ``n = k (1 - m)`` with ``k = t / (1 - t**2)`` for ``t = threshold``; the sides share the rest in the
    binary ratio (``(1 - n)(1 - p)`` and ``(1 - n) p``). The columns sum to one, keep the ratio of the two
    sides, and their argmax is "neutral" exactly when ``m < threshold``. ``classes_`` is the sorted three
    labels, and ``predict`` is the argmax of ``predict_proba``. ``threshold`` lies in (0.5, 0.78], so n <= 1.
    """

    def __init__(self, estimator: Any = None, threshold: float = 0.65, neutral_label: str = "neutral"):
        self.estimator = estimator
        self.threshold = threshold
        self.neutral_label = neutral_label

    def fit(self, X: Any, y: Sequence[Any]) -> NeutralBand:
        if not 0.5 < self.threshold <= 0.78:
            raise ParameterError(f"threshold must be in (0.5, 0.78], got {self.threshold}")
        base = clone(self.estimator if self.estimator is not None else NBLogisticRegression())
        self.estimator_ = base.fit(X, y)
        sides = list(self.estimator_.classes_)
        if len(sides) != 2 or self.neutral_label in sides:
            raise ParameterError(
                f"NeutralBand needs two labels other than {self.neutral_label!r}, got {sides}"
            )
        self.classes_ = np.array(sorted(str(s) for s in [*sides, self.neutral_label]), dtype=object)
        return self

    def binary_proba(self, X: Any) -> np.ndarray:
        """The wrapped binary model's probabilities, columns following ``estimator_.classes_``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        binary = self.binary_proba(X)
        t = self.threshold
        neutral = (t / (1.0 - t * t)) * (1.0 - binary.max(axis=1))
        out = np.empty((binary.shape[0], 3))
        columns = list(self.classes_)
        out[:, columns.index(self.neutral_label)] = neutral
        for j, side in enumerate(self.estimator_.classes_):
            out[:, columns.index(side)] = (1.0 - neutral) * binary[:, j]
        return out

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


# --- the four pipelines ---------------------------------------------------------------------------


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


def build_pipeline(name: str) -> Pipeline:
    """The unfitted pipeline of one shipped model (settings chosen on each corpus' validation split)."""
    if name == "sentiment":
        return Pipeline(
            [
                ("normalize", TextNormalizer()),
                ("features", KoreanHashingVectorizer((1, 4), (1, 3), _morphs("all"), 2**20, binary=True)),
                ("classify", NeutralBand(NBLogisticRegression(C=4.0), threshold=0.65)),
            ]
        )
    if name == "policy_area":
        # temperature scaling keeps the SVM's argmax (sigmoid calibration cost 0.02 macro-F1 here)
        svc = LinearSVC(C=1.0, class_weight="balanced")
        return _linear(
            KoreanHashingVectorizer((1, 3), (1, 2), _morphs("all"), 2**18),
            CalibratedClassifierCV(svc, method="temperature", cv=3, ensemble=False),
        )
    if name == "news_section":
        # width and C chosen by 3-fold CV on the train split (C=0.1 -> 0.2: +0.006 macro-F1), val agreeing
        return _linear(
            KoreanHashingVectorizer((1, 4), (1, 2), _morphs("all"), 2**20),
            CalibratedClassifierCV(LinearSVC(C=0.2), method="sigmoid", cv=3, ensemble=False),
        )
    if name == "toxicity":
        return _linear(
            KoreanHashingVectorizer((1, 4), None, None, 2**18),
            LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000),
        )
    raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")


#: Most weights a multi-class linear model keeps (about 5 MB on disk as a float32 sparse matrix).
MAX_WEIGHTS = 600_000


def _prune(coef: np.ndarray, keep: int) -> Any:
    """The ``keep`` largest-magnitude weights of ``coef`` as a float32 CSR matrix (the rest set to zero)."""
    if coef.size <= keep:
        return coef.astype(np.float32)
    cutoff = np.partition(np.abs(coef).ravel(), coef.size - keep)[coef.size - keep]
    return sp.csr_matrix(np.where(np.abs(coef) >= cutoff, coef, 0.0).astype(np.float32))


def compact_model(model: Pipeline) -> Pipeline:
    """Shrink a fitted pipeline for shipping: float32 arrays, and at most :data:`MAX_WEIGHTS` linear weights.

    Hashed features leave most weights tiny; the card's metrics are measured after this step."""
    for _, step in model.steps:
        linear = [c.estimator for c in getattr(step, "calibrated_classifiers_", [])] or [step]
        for clf in linear:
            if isinstance(clf, (LogisticRegression, LinearSVC)):
                clf.coef_ = _prune(clf.coef_, MAX_WEIGHTS)
        if isinstance(step, TfidfTransformer):
            step.idf_ = step.idf_.astype(np.float32)
    return model


# --- training data and splits ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    corpus: str
    task: str
    split: Callable[[str | os.PathLike[str] | None], tuple[pd.DataFrame, pd.DataFrame]]
    split_note: str
    intended_use: str
    caveats: str


def _split_nsmc(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = datasets.load_nsmc(data_home=data_home)
    train_df, val_df = train_test_split(df, test_size=0.1, stratify=df["label"], random_state=0)
    return train_df, val_df


def _split_petitions(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = datasets.load_petitions(data_home=data_home)
    latest = df["begin"].max()
    return df[df["begin"] < latest], df[df["begin"] == latest]


def _split_ynat(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    return datasets.load_ynat("train", data_home=data_home), datasets.load_ynat("val", data_home=data_home)


def _split_beep(data_home: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    return datasets.load_beep("train", data_home=data_home), datasets.load_beep("dev", data_home=data_home)


_SPECS: dict[str, _Spec] = {
    "sentiment": _Spec(
        "nsmc",
        "sentiment of a short Korean text: negative / neutral / positive",
        _split_nsmc,
        "stratified random 10% of NSMC's train split (random_state=0)",
        "Share of negative and positive reactions in citizens' comments; rank comments to read.",
        "Trained on movie reviews (1-4 vs 9-10 stars): civic vocabulary, sarcasm and mixed comments are out "
        "of domain. NSMC has no neutral class: 'neutral' means the binary model is below 0.65 confidence on "
        "both sides, not that a text was judged neutral. Validation accuracy is binary (neutral band "
        "ignored). On the sample campaigns' labelled comments (in_domain) it scores far lower; the 0.65 "
        "threshold was set on NSMC and is deliberately not tuned on those labels, which are for evaluation.",
    ),
    "policy_area": _Spec(
        "petitions",
        "policy area of a citizen's request (17 Blue House petition categories)",
        _split_petitions,
        "the latest month of the archive (petitions opened in 2019-07); trained on the earlier months",
        "Which civic policy area a comment or request is about, for topic shares.",
        "Petitions are long, formal requests; comments are short and informal, so expect lower accuracy on "
        "comments. Categories are unbalanced and drift over time; '기타' (other) is a catch-all.",
    ),
    "news_section": _Spec(
        "ynat",
        "news section of a headline (7 YNAT sections)",
        _split_ynat,
        "the corpus' val.csv (unofficial YNAT re-split)",
        "Which news section a press release title or headline belongs to (message fit).",
        "Trained on Yonhap headlines; body text and comments are out of domain. Scores are not comparable "
        "with the official KLUE leaderboard.",
    ),
    "toxicity": _Spec(
        "beep",
        "toxic speech in a comment: none / offensive / hate",
        _split_beep,
        "the corpus' dev.tsv",
        "Flag offensive or hateful comments for moderation and for the report's toxic share.",
        "Trained on comments on entertainment news (2018-2020); annotators agree only moderately "
        "(Krippendorff's alpha about 0.5). Use as a flag for a human to read, never as a verdict.",
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

    For a :class:`NeutralBand` model and labels that are only its two sides (NSMC), the binary decision is
    scored (positive when its probability beats negative's) and the neutral share is reported beside it."""
    texts = list(texts)
    y = np.asarray([str(label) for label in labels], dtype=object)
    if len(texts) != len(y) or not len(y):
        raise ParameterError(
            f"need as many labels as texts, and at least one (got {len(texts)} and {len(y)})"
        )
    clf = model.steps[-1][1] if isinstance(model, Pipeline) else model
    proba = model.predict_proba(texts)
    classes = np.asarray(clf.classes_, dtype=object)
    extra: dict[str, Any] = {}
    if isinstance(clf, NeutralBand) and set(y) <= set(clf.estimator_.classes_):
        neutral = list(classes).index(clf.neutral_label)
        extra["neutral_share"] = float((proba.argmax(axis=1) == neutral).mean())
        proba = np.delete(proba, neutral, axis=1)
        proba = proba / proba.sum(axis=1, keepdims=True)
        classes = np.delete(classes, neutral)
    pred = classes[proba.argmax(axis=1)]
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
        "ece": expected_calibration_error(proba.max(axis=1), pred == y),
        **extra,
    }


# --- persistence ----------------------------------------------------------------------------------


def models_dir() -> Path:
    """The shipped models' folder inside the package."""
    return Path(__file__).resolve().parent / "models"


def save_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write a fitted model with skops (compressed), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(fd)
    try:
        skops.io.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a shipped file must be readable by all
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """Load a skops model file trusting only :data:`TRUSTED_TYPES`; anything else is a :class:`ModelError`."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} not found")
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises plain exceptions of several kinds on a corrupt file
        raise ModelError(f"{path} is not a readable skops model file: {exc}") from exc
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(f"{path} contains untrusted types, refusing to load it: {', '.join(refused)}")
    return skops.io.load(path, trusted=list(untrusted))


def _model_path(name: str, model_dir: str | os.PathLike[str] | None, suffix: str) -> Path:
    if name not in MODEL_NAMES:
        raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    return Path(model_dir) if model_dir is not None else models_dir()


@functools.cache
def _cached_load(path: Path, mtime_ns: int) -> Any:
    return load_model_file(path)


def load_model(name: str, *, model_dir: str | os.PathLike[str] | None = None) -> Any:
    """A shipped (or ``model_dir``'s) fitted pipeline over raw strings, loaded once per process.

    ``name`` is one of :data:`MODEL_NAMES`; the pipeline has ``predict`` and ``predict_proba`` (columns follow
    ``classes_``)."""
    path = (_model_path(name, model_dir, ".skops") / f"{name}.skops").resolve()
    if not path.is_file():
        raise ModelError(f"model {name!r} not found at {path}; train it with `civicnlp train {name}`")
    return _cached_load(path, path.stat().st_mtime_ns)


def model_card(name: str, *, model_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The model card (JSON) written beside a model by ``civicnlp train``."""
    path = _model_path(name, model_dir, ".card.json") / f"{name}.card.json"
    if not path.is_file():
        raise ModelError(f"model card for {name!r} not found at {path}")
    card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return card


def render_card(card: Mapping[str, Any]) -> str:
    """A short markdown rendering of a model card."""
    val, corpus, rows = card["validation"], card["corpus"], card["rows"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"- Task: {card['task']}",
        f"- Training data: {corpus['name']} ({corpus['licence']}), sha256 {corpus['sha256']}",
        f"- Rows: {rows['train']:,} train, {rows['validation']:,} validation ({card['split']})",
        f"- Validation: accuracy {val['accuracy']:.4f}, macro-F1 {val['macro_f1']:.4f}, ECE {val['ece']:.4f}",
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


def _render_in_domain(section: Mapping[str, Any] | None) -> list[str]:
    if not section:
        return []
    every = section["all_classes"]
    line = (
        f"- In domain ({section['data']}, {section['rows']} rows, sha256 {section['sha256']}): "
        f"accuracy {every['accuracy']:.4f}, macro-F1 {every['macro_f1']:.4f}"
    )
    if "binary" in section:
        binary = section["binary"]
        line += f"; on the {binary['rows']} non-neutral rows, binary accuracy {binary['accuracy']:.4f}"
    return [line]


def _describe(model: Pipeline) -> dict[str, Any]:
    """The pipeline's non-default parameters, as JSON-friendly strings, step by step."""
    out: dict[str, Any] = {}
    for step_name, step in model.steps:
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
    from civicnlp.io import read_table

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


def validation_data(name: str, *, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The held-out rows ``civicnlp train NAME`` scores its model on (``text``, ``label``, corpus columns)."""
    if name not in _SPECS:
        raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    return _SPECS[name].split(data_home)[1].reset_index(drop=True)


#: Models with an in-domain check: model name -> column of ``labels.csv`` in the sample campaigns' folder.
IN_DOMAIN_LABELS = {"sentiment": "sentiment"}


def in_domain_data(name: str, *, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The sample campaigns' hand-labelled comments for model ``name``: ``campaign_id``, ``text``, ``label``.

    Labels come from ``labels.csv`` in ``data_dir`` (default: the shipped ``data/sample``) and are keyed by
    campaign, channel and text, as an analyst labels (:func:`most_uncertain`'s sheet) — comment ids do not
    survive ingest from a pasted page, where they depend on the pseudonym key. Each labelled text must be
    among its campaign's comments as :func:`civicnlp.campaigns.load_campaign` loads them, so the model reads
    what annotation reads; one that is not is a :class:`DataContractError`."""
    from civicnlp.campaigns import load_campaign
    from civicnlp.io import read_table

    if name not in IN_DOMAIN_LABELS:
        raise ParameterError(f"no in-domain labels for {name!r}; labelled: {', '.join(IN_DOMAIN_LABELS)}")
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    labels = read_table(folder / "labels.csv")
    column = IN_DOMAIN_LABELS[name]
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


def evaluate_in_domain(
    name: str, model: Any, *, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """``model`` scored on the sample campaigns' labelled comments: the card's ``in_domain`` section.

    For ``sentiment``, ``all_classes`` scores all three labels (the neutral band as shipped, its threshold
    chosen on NSMC, never on these labels) and ``binary`` the rows labelled negative or positive."""
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    data = in_domain_data(name, data_dir=folder)
    texts, labels = data["text"].tolist(), data["label"].astype(str)
    out: dict[str, Any] = {
        "data": "labels.csv of the sample campaigns (data/sample)",
        "sha256": datasets.file_sha256(folder / "labels.csv"),
        "rows": len(data),
        "all_classes": evaluate(model, texts, labels.tolist()),
    }
    clf = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if isinstance(clf, NeutralBand):
        sides = labels != clf.neutral_label
        out["binary"] = evaluate(model, data.loc[sides, "text"].tolist(), labels[sides].tolist())
    return out


def train(
    name: str,
    *,
    data_home: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    extra_labels: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Fit a shipped model, score it on its held-out split, write the model and its card; return the card."""
    if name not in _SPECS:
        raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    spec = _SPECS[name]
    train_df, val_df = spec.split(data_home)
    extra = None
    if extra_labels is not None:
        rows = _extra_labels(extra_labels, train_df["label"].unique())
        train_df = pd.concat([train_df[["text", "label"]], rows], ignore_index=True)
        extra = {"file": str(extra_labels), "rows": len(rows), "sha256": datasets.file_sha256(extra_labels)}
    model = build_pipeline(name)
    started = time.perf_counter()
    compact_model(model.fit(train_df["text"].tolist(), train_df["label"].to_numpy(dtype=object)))
    seconds = time.perf_counter() - started
    metrics = evaluate(model, val_df["text"].tolist(), val_df["label"].tolist())
    # Outside a checkout there is no sample campaign to score on; the card then says so with a null.
    has_labels = (config.sample_dir() / "labels.csv").is_file()
    in_domain = evaluate_in_domain(name, model) if name in IN_DOMAIN_LABELS and has_labels else None
    corpus = datasets.CORPORA[spec.corpus]
    card = {
        "name": name,
        "task": spec.task,
        "classes": [str(c) for c in model.classes_],
        "corpus": {
            "name": corpus.name,
            "description": corpus.description,
            "licence": corpus.licence,
            "sha256": datasets.corpus_sha256(spec.corpus, data_home=data_home),
            "files": [f.url for f in corpus.files],
        },
        "split": spec.split_note,
        "extra_labels": extra,
        "rows": {"train": len(train_df), "validation": len(val_df)},
        "parameters": _describe(model),
        "validation": metrics,
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
    _cached_load.cache_clear()
    return card
