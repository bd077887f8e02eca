"""Text features for civicnlp's classifiers: normalization as a transformer, one analyzer for Korean n-grams.

Both are scikit-learn objects holding only settings, so a Pipeline built from them clones, pickles and
round-trips through skops. The analyzer feeds a ``HashingVectorizer``: hashing needs no vocabulary, which
keeps the shipped models small and fast to load.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin

from civicnlp.normalize import normalize_text
from civicnlp.tokenize import Tokenizer

# Morphemes of recent texts by tokenizer settings: the shipped models tag the same comments with equal
# tokenizers, so the second model reuses the first one's tagging. Bounded; cleared when full.
_MORPHS: dict[tuple[str, str], list[str]] = {}
_MORPHS_MAX = 200_000


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Stateless step: :func:`civicnlp.normalize.normalize_text` of each text (None/NaN give "")."""

    def fit(self, X: Iterable[object], y: object = None) -> TextNormalizer:
        return self

    def transform(self, X: Iterable[object]) -> list[str]:
        cache: dict[object, str] = {}
        out = []
        for text in X:
            key = text if isinstance(text, str) else None
            if key is None or key not in cache:
                value = normalize_text(text)
                if key is not None:
                    cache[key] = value
            else:
                value = cache[key]
            out.append(value)
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


class KoreanAnalyzer(BaseEstimator):
    """Callable analyzer giving character n-grams within words and morpheme n-grams of one text.

    ``char_ngrams``: (min, max) lengths of character n-grams taken inside space-padded words (like
    ``analyzer="char_wb"``), or None. ``morph_ngrams``: (min, max) lengths of n-grams over the morphemes of
    ``tokenizer`` (default: civicnlp's Mecab tokenizer keeping every morpheme, endings included, since endings
    such as -지만 and negation carry sentiment), or None. Features are prefixed (``c:``/``m:``) so the two
    kinds never collide by name when they share one hashing space.
    """

    def __init__(
        self,
        char_ngrams: tuple[int, int] | None = (1, 4),
        morph_ngrams: tuple[int, int] | None = (1, 2),
        tokenizer: Tokenizer | None = None,
    ):
        self.char_ngrams = char_ngrams
        self.morph_ngrams = morph_ngrams
        self.tokenizer = tokenizer

    def _tokenizer(self) -> tuple[Tokenizer, str]:
        """The tokenizer and a key of its settings (models with equal tokenizers share cached morphemes)."""
        resolved = self.__dict__.get("_resolved")
        if resolved is None or resolved[0] is not self.tokenizer:
            tok = self.tokenizer
            if tok is None:
                tok = Tokenizer(backend="mecab", pos="all", stopwords=None, user_dict=None, progress=False)
            resolved = (self.tokenizer, tok, repr(sorted(tok.get_params().items())))
            self.__dict__["_resolved"] = resolved
        return resolved[1], resolved[2]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_resolved", None)
        return state

    def _morphs(self, text: str) -> list[str]:
        tok, key = self._tokenizer()
        cached = _MORPHS.get((key, text))
        if cached is None:
            if len(_MORPHS) >= _MORPHS_MAX:
                _MORPHS.clear()
            cached = _MORPHS[key, text] = tok(text)
        return cached

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        if self.char_ngrams is not None:
            lo, hi = self.char_ngrams
            for word in text.split():
                padded = f" {word} "
                size = len(padded)
                for n in range(lo, min(hi, size) + 1):
                    out.extend("c:" + padded[i : i + n] for i in range(size - n + 1))
        if self.morph_ngrams is not None:
            lo, hi = self.morph_ngrams
            morphs = self._morphs(text)
            for n in range(lo, hi + 1):
                out.extend("m:" + " ".join(morphs[i : i + n]) for i in range(len(morphs) - n + 1))
        return out
