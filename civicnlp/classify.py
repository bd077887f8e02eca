"""Scoring with the shipped classifiers: their estimators, and loading them safely.

Five models ship in ``civicnlp/models`` (``<name>.skops`` beside ``<name>.card.json``); how each is built and
trained is :mod:`civicnlp.training`.

| name | classes |
| --- | --- |
| ``sentiment`` | negative / neutral / positive (neutral learned: :class:`NeutralPolarity`) |
| ``policy_area`` | 17 areas, or :data:`NO_POLICY_AREA` below a threshold (:class:`ThresholdDecision`) |
| ``news_section`` | 7 news sections |
| ``toxicity`` | none / toxic, toxic exactly when ``p_toxic`` reaches a threshold |
| ``reply`` | reply / other, a comment's most asking sentence (:class:`PerSentence`) |

Models are saved with skops, not pickle: loading trusts only :data:`TRUSTED_TYPES` (what the models hold),
refuses a file carrying any other type, and checks that what it loaded is a fitted pipeline with its card's
classes (:func:`check_model`); each refusal is a :class:`~civicnlp.exceptions.ModelError`. The estimator
classes stay in this module: a model file names them by their path here.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import skops.io
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from civicnlp.exceptions import ModelError, ParameterError
from civicnlp.labels import MODEL_NAMES, NO_POLICY_AREA, SENTIMENTS
from civicnlp.normalize import split_sentences

__all__ = [
    "MODEL_NAMES",
    "NO_POLICY_AREA",
    "SENTIMENTS",
    "TRUSTED_TYPES",
    "NBLogisticRegression",
    "NeutralPolarity",
    "PerSentence",
    "ThresholdDecision",
    "check_model",
    "final_step",
    "forget_loaded_models",
    "labels_from_proba",
    "load_model",
    "load_model_file",
    "model_card",
    "models_dir",
    "save_model",
]


#: ``policy_area`` of a comment the policy-area model is not confident about (below its card's threshold).

#: Types a model file may hold beyond those skops trusts by default (scikit-learn's public estimators, numpy):
#: exactly what the fitted pipelines of :func:`build_pipeline` hold, as ``tests/test_classify.py`` checks.
#: A file carrying anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "civicnlp.classify.NBLogisticRegression",
    "civicnlp.classify.NeutralPolarity",
    "civicnlp.classify.PerSentence",
    "civicnlp.classify.ThresholdDecision",
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
    and a logistic regression is fitted on the result. ``sample_weight`` weighs rows in both the ratios and
    the regression. Learned: ``classes_``, ``r_`` (the ratios), ``coef_``, ``intercept_`` (float32, to keep
    files small).
    """

    def __init__(self, C: float = 4.0, alpha: float = 1.0, max_iter: int = 1000):
        self.C = C
        self.alpha = alpha
        self.max_iter = max_iter

    def fit(self, X: Any, y: Sequence[Any], sample_weight: Any = None) -> NBLogisticRegression:
        X = sp.csr_matrix(X, dtype=np.float64)
        labels = np.asarray(y)
        classes = np.unique(labels)
        if len(classes) != 2:
            raise ParameterError(
                f"NBLogisticRegression is binary; got {len(classes)} classes: {list(classes)}"
            )
        weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        is_pos = labels == classes[1]
        p = self.alpha + np.asarray(X[is_pos].T @ weight[is_pos]).ravel()
        q = self.alpha + np.asarray(X[~is_pos].T @ weight[~is_pos]).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        lr = LogisticRegression(C=self.C, solver="liblinear", max_iter=self.max_iter)
        lr.fit(_weighted(X, r), is_pos.astype(int), sample_weight=weight)
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


class NeutralPolarity(ClassifierMixin, BaseEstimator):
    """Three-way sentiment in two stages: neutral or not, then negative or positive.

    ``neutral`` is fitted on the rows whose corpus has a neutral class (``polar_only`` False), ``polarity``
    on every row not labelled "neutral", so a binary corpus (NSMC) teaches polarity without passing for a
    corpus where nothing is neutral. With ``n`` the first stage's neutral probability and ``p`` the second's
    positive one, ``predict_proba`` is ``[(1 - n)(1 - p), n, (1 - n) p]`` for negative, neutral, positive.
    """

    def __init__(self, neutral: Any = None, polarity: Any = None):
        self.neutral = neutral
        self.polarity = polarity

    def fit(
        self, X: Any, y: Sequence[Any], sample_weight: Any = None, polar_only: Any = None
    ) -> NeutralPolarity:
        labels = np.asarray([str(v) for v in y], dtype=object)
        unknown = set(labels) - set(SENTIMENTS)
        if unknown:
            raise ParameterError(f"sentiment labels must be among {SENTIMENTS}; got {sorted(unknown)}")
        weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        binary_corpus = np.zeros(len(labels), bool) if polar_only is None else np.asarray(polar_only, bool)
        X = sp.csr_matrix(X)
        first, second = ~binary_corpus, labels != "neutral"
        self.neutral_ = clone(self.neutral if self.neutral is not None else NBLogisticRegression()).fit(
            X[first], labels[first] == "neutral", sample_weight=weight[first]
        )
        self.polarity_ = clone(self.polarity if self.polarity is not None else NBLogisticRegression()).fit(
            X[second], labels[second] == "positive", sample_weight=weight[second]
        )
        self.classes_ = np.array(SENTIMENTS, dtype=object)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        n = self.neutral_.predict_proba(X)[:, 1]
        p = self.polarity_.predict_proba(X)[:, 1]
        return np.column_stack([(1.0 - n) * (1.0 - p), n, (1.0 - n) * p])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class ThresholdDecision(ClassifierMixin, BaseEstimator):
    """A classifier whose decision needs confidence: the wrapped model's probabilities unchanged, and as label
    the most probable class other than ``fallback`` when its probability reaches ``threshold``, else
    ``fallback``.

    Toxicity: ``fallback="none"``, so the label is "toxic" exactly when ``p_toxic >= threshold``. Policy area:
    a ``fallback`` that is no class of the model (:data:`NO_POLICY_AREA`), so a comment the model is unsure
    of gets no area. :meth:`decide` turns probabilities into labels; :func:`labels_from_proba` calls it.
    """

    def __init__(self, estimator: Any = None, threshold: float = 0.5, fallback: str = "none"):
        self.estimator = estimator
        self.threshold = threshold
        self.fallback = fallback

    def fit(self, X: Any, y: Sequence[Any], **fit_params: Any) -> ThresholdDecision:
        base = self.estimator if self.estimator is not None else LogisticRegression()
        self.estimator_ = clone(base).fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        proba: np.ndarray = self.estimator_.predict_proba(X)
        return proba

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """The labels of rows with class probabilities ``proba`` (columns following ``classes_``)."""
        classes = np.asarray(self.classes_, dtype=object)
        others = proba.copy()
        others[:, classes == self.fallback] = -1.0
        best = others.argmax(axis=1)
        sure = others[np.arange(len(best)), best] >= self.threshold
        return np.where(sure, classes[best], self.fallback).astype(object)

    def predict(self, X: Any) -> np.ndarray:
        return self.decide(self.predict_proba(X))


class PerSentence(ClassifierMixin, BaseEstimator):
    """A binary text model applied to each sentence of a text: the text's probability of ``positive`` is its
    most probable sentence's. A comment needs a reply when one of its sentences asks or requests, wherever
    that sentence is. Sentences are :func:`civicnlp.normalize.split_sentences`' (after ``?``/``!``, a full
    stop after a sentence-final syllable, a line break; pieces with no letter dropped)."""

    def __init__(self, estimator: Any = None, positive: str = "reply"):
        self.estimator = estimator
        self.positive = positive

    def fit(self, X: Iterable[object], y: Sequence[Any]) -> PerSentence:
        self.estimator_ = clone(self.estimator).fit(list(X), y)
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        if self.positive not in set(self.classes_) or len(self.classes_) != 2:
            raise ParameterError(f"PerSentence needs two classes, one {self.positive!r}; got {self.classes_}")
        return self

    def predict_proba(self, X: Iterable[object]) -> np.ndarray:
        check_is_fitted(self)
        texts = ["" if not isinstance(t, str) else t for t in X]
        column = list(self.classes_).index(self.positive)
        # the batch as given shares its features with the other models (civicnlp.features' memo), and a
        # text of one sentence is scored as it is; only longer texts are scored again, sentence by sentence
        best = self.estimator_.predict_proba(texts)[:, column] if texts else np.empty(0)
        several = {i: each for i, each in enumerate(map(split_sentences, texts)) if len(each) > 1}
        if several:
            flat = [s for each in several.values() for s in each]
            p = self.estimator_.predict_proba(flat)[:, column]
            owner = np.repeat(list(several), [len(each) for each in several.values()])
            best[list(several)] = 0.0
            np.maximum.at(best, owner, p)
        out = np.empty((len(texts), 2))
        out[:, column], out[:, 1 - column] = best, 1.0 - best
        return out

    def predict(self, X: Iterable[object]) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def final_step(model: Any) -> Any:
    """The classifier at the end of a fitted pipeline (or the model itself)."""
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def labels_from_proba(model: Any, proba: np.ndarray) -> np.ndarray:
    """The labels ``model`` gives rows with probabilities ``proba``: its :meth:`ThresholdDecision.decide`
    when it has one, else the most probable class. Annotation and :func:`evaluate` both decide here."""
    clf = final_step(model)
    if isinstance(clf, ThresholdDecision):
        return clf.decide(proba)
    return np.asarray(clf.classes_, dtype=object)[np.asarray(proba).argmax(axis=1)]


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
def _cached_load(path: Path, mtime_ns: int, card_path: Path, card_mtime_ns: int) -> Any:
    """A model file loaded and checked against its card once per process (and again when either changes)."""
    model = load_model_file(path)
    check_model(model, json.loads(card_path.read_text(encoding="utf-8")), where=str(path))
    return model


def forget_loaded_models() -> None:
    """Drop the models loaded so far, so that the next :func:`load_model` reads the files again (after a
    retrain in the same process)."""
    _cached_load.cache_clear()


def load_model(name: str, *, model_dir: str | os.PathLike[str] | None = None) -> Any:
    """A shipped (or ``model_dir``'s) fitted pipeline over raw strings, loaded once per process.

    ``name`` is one of :data:`MODEL_NAMES`; the pipeline has ``predict`` and ``predict_proba`` (columns follow
    ``classes_``)."""
    path = (_model_path(name, model_dir, ".skops") / f"{name}.skops").resolve()
    if not path.is_file():
        raise ModelError(f"model {name!r} not found at {path}; train it with `civicnlp train {name}`")
    card = (_model_path(name, model_dir, ".card.json") / f"{name}.card.json").resolve()
    if not card.is_file():
        raise ModelError(f"model card for {name!r} not found at {card}")
    return _cached_load(path, path.stat().st_mtime_ns, card, card.stat().st_mtime_ns)


def check_model(model: Any, card: Mapping[str, Any], *, where: str = "the model") -> None:
    """A :class:`ModelError` unless ``model`` is a fitted scikit-learn estimator over raw strings (a
    ``Pipeline`` or one of civicnlp's wrappers of one) whose classes are those its card names."""
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(model, BaseEstimator) or not hasattr(model, "predict_proba"):
        raise ModelError(f"{where} holds a {type(model).__name__}, not a fitted classifier pipeline")
    try:
        check_is_fitted(model)
        classes = [str(c) for c in model.classes_]
    except (NotFittedError, AttributeError) as exc:
        raise ModelError(f"{where} holds an estimator that was never fitted") from exc
    expected = [str(c) for c in card.get("classes") or []]
    if classes != expected:
        raise ModelError(f"{where}: the model's classes {classes} are not its card's {expected}")


def model_card(name: str, *, model_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The model card (JSON) written beside a model by ``civicnlp train``."""
    path = _model_path(name, model_dir, ".card.json") / f"{name}.card.json"
    if not path.is_file():
        raise ModelError(f"model card for {name!r} not found at {path}")
    card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return card
