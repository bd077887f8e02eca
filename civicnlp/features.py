"""Text features for civicnlp's classifiers: normalization as a transformer, hashed Korean n-grams.

:class:`KoreanAnalyzer` defines the features of one text (character n-grams within words, morpheme
n-grams) as readable strings — the specification, and what an analyst passes to ``CountVectorizer`` to see
feature names; :class:`KoreanHashingVectorizer`, which the shipped models use, computes the same hashed
counts as a ``HashingVectorizer`` over that analyzer, batch by batch with numpy. Hashing needs no
vocabulary, which keeps the shipped models small and fast to load. All hold only settings, so a Pipeline
built from them clones, pickles and round-trips through skops.

The shipped models score the same batch one after the other (annotation runs three of them, the benchmark
four), with overlapping n-gram settings. So a batch's normalized texts and each block of n-gram features
(one kind, one length) are memoized by a fingerprint of the exact texts, for the last batch only (its
blocks take about 3 KB a text): the second model reuses the first one's work. :func:`clear_memo` forgets it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import murmurhash3_32

from civicnlp.exceptions import ParameterError
from civicnlp.normalize import normalize_text
from civicnlp.tokenize import Tokenizer

__all__ = ["KoreanAnalyzer", "KoreanHashingVectorizer", "TextNormalizer", "clear_memo"]

_T = TypeVar("_T")


class _BatchMemo:
    """Values computed from the last ``batches`` batches of texts, by the batch's fingerprint and a key."""

    def __init__(self, batches: int = 1):
        self.batches = batches
        self._values: OrderedDict[bytes, dict[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, batch: bytes, key: Hashable, compute: Callable[[], _T]) -> _T:
        with self._lock:
            values = self._values.get(batch)
            if values is not None and key in values:
                self._values.move_to_end(batch)
                found: _T = values[key]
                return found
        value = compute()
        with self._lock:
            self._values.setdefault(batch, {})[key] = value
            self._values.move_to_end(batch)
            while len(self._values) > self.batches:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_NORMALIZED = _BatchMemo()
_BLOCKS = _BatchMemo()


def clear_memo() -> None:
    """Forget the memoized batches (normalized texts and n-gram blocks), e.g. to time a model cold."""
    _NORMALIZED.clear()
    _BLOCKS.clear()


def _fingerprint(texts: list[str]) -> bytes:
    """A digest of the exact list of texts (their lengths delimit them in the joined text)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)).tobytes())
    digest.update("".join(texts).encode("utf-8", "surrogatepass"))
    return digest.digest()


class _StringTransformer(TransformerMixin, BaseEstimator):
    """A stateless transformer of a 1-d list of strings (tags that scikit-learn's checks read)."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


class TextNormalizer(_StringTransformer):
    """Stateless step: :func:`civicnlp.normalize.normalize_text` of each text (None/NaN give "").

    A batch of strings is normalized once and memoized (module doc); other batches are normalized each time.
    """

    def fit(self, X: Iterable[object], y: object = None) -> TextNormalizer:
        return self

    def transform(self, X: Iterable[object]) -> list[str]:
        texts = list(X)
        if all(isinstance(text, str) for text in texts):
            strings: list[str] = texts  # type: ignore[assignment]
            return list(_NORMALIZED.get(_fingerprint(strings), "normalized", lambda: _normalize_all(texts)))
        return _normalize_all(texts)


def _normalize_all(texts: list[object]) -> list[str]:
    """:func:`normalize_text` of each text, once per distinct string."""
    done: dict[str, str] = {}
    out = []
    for text in texts:
        if not isinstance(text, str):
            out.append(normalize_text(text))
        elif text in done:
            out.append(done[text])
        else:
            out.append(done.setdefault(text, normalize_text(text)))
    return out


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
            morphs = _tokenizer(self.tokenizer)(text)
            for n in range(lo, hi + 1):
                out.extend("m:" + " ".join(morphs[i : i + n]) for i in range(len(morphs) - n + 1))
        return out


@functools.cache
def _default_tokenizer() -> Tokenizer:
    return Tokenizer(backend="mecab", pos="all", stopwords=None, user_dict=None, progress=False)


def _tokenizer(tokenizer: Tokenizer | None) -> Tokenizer:
    """``tokenizer``, or the default: Mecab keeping every morpheme (endings too: -지만, negation)."""
    return tokenizer if tokenizer is not None else _default_tokenizer()


#: Width at which feature blocks are hashed; a narrower power of two folds the indices, since
#: ``abs(h) % 2**18 == (abs(h) % 2**20) % 2**18``.
_WIDTH = 2**20


class KoreanHashingVectorizer(_StringTransformer):
    """Hashed counts of :class:`KoreanAnalyzer`'s n-grams, computed a batch at a time.

    The output equals ``HashingVectorizer(analyzer=KoreanAnalyzer(char_ngrams, morph_ngrams, tokenizer),
    n_features=n_features, binary=binary, alternate_sign=False, norm=None, lowercase=False,
    dtype=np.float32)``'s (scikit-learn's signed 32-bit murmurhash3 of the same ``c:``/``m:`` strings, index
    ``abs(h) % n_features``), but without a Python string per n-gram: each block (one kind, one n-gram
    length) is hashed with numpy at 2**20 columns and memoized for the batch (module doc), and a model sums
    its own blocks. ``n_features`` is a power of two up to 2**20. Takes strings (normalized ones: put a
    :class:`TextNormalizer` before it); stateless, so ``fit`` only checks the settings.

    ``ignore``: terms that must be no evidence to the model. The columns of their own n-grams (character
    n-grams of two characters or more, and morpheme n-grams) are zeroed in every output, at training and
    at prediction, so a model learns no weight for them; the shared blocks are left as they are.
    """

    def __init__(
        self,
        char_ngrams: tuple[int, int] | None = (1, 4),
        morph_ngrams: tuple[int, int] | None = (1, 2),
        tokenizer: Tokenizer | None = None,
        n_features: int = 2**20,
        binary: bool = False,
        ignore: tuple[str, ...] = (),
    ):
        self.char_ngrams = char_ngrams
        self.morph_ngrams = morph_ngrams
        self.tokenizer = tokenizer
        self.n_features = n_features
        self.binary = binary
        self.ignore = ignore

    def _check_params(self) -> None:
        for name in ("char_ngrams", "morph_ngrams"):
            value = getattr(self, name)
            if value is not None and not (len(value) == 2 and 1 <= value[0] <= value[1]):
                raise ParameterError(f"{name} must be None or (min, max) with 1 <= min <= max, got {value!r}")
        n = self.n_features
        if not (isinstance(n, int | np.integer) and 2 <= n <= _WIDTH and n & (n - 1) == 0):
            raise ParameterError(f"n_features must be a power of two from 2 to 2**20, got {n!r}")

    def fit(self, X: Iterable[object], y: object = None) -> KoreanHashingVectorizer:
        self._check_params()
        return self

    def transform(self, X: Iterable[object]) -> sp.csr_matrix:
        self._check_params()
        texts = list(X)
        wrong = [type(text).__name__ for text in texts if not isinstance(text, str)]
        if wrong:
            raise ParameterError(
                f"KoreanHashingVectorizer takes strings, got {len(wrong)} {wrong[0]} value(s); "
                "put a TextNormalizer before it"
            )
        strings: list[str] = texts  # type: ignore[assignment]
        batch = _fingerprint(strings)
        n_rows, width = len(strings), int(self.n_features)
        blocks = []
        if self.char_ngrams is not None:
            words = _BLOCKS.get(batch, "words", lambda: _word_units(strings))
            blocks += [
                _block(batch, ("c", n), n_rows, width, functools.partial(_hashed_ngrams, words, n, b"c:"))
                for n in range(self.char_ngrams[0], self.char_ngrams[1] + 1)
            ]
        if self.morph_ngrams is not None:
            tok = _tokenizer(self.tokenizer)
            key = repr(sorted(tok.get_params().items()))
            morphs = _BLOCKS.get(batch, ("morphs", key), lambda: _morph_units(tok.tokenize(strings)))
            blocks += [
                _block(
                    batch, ("m", key, n), n_rows, width, functools.partial(_hashed_ngrams, morphs, n, b"m:")
                )
                for n in range(self.morph_ngrams[0], self.morph_ngrams[1] + 1)
            ]
        counts = _sum(blocks) if blocks else _counts([], [], n_rows, width)
        if self.binary:
            counts.data[:] = 1.0
        if self.ignore:
            counts.data[self._ignored_columns()[counts.indices]] = 0.0
            counts.eliminate_zeros()
        return counts

    def _ignored_columns(self) -> np.ndarray:
        """Whether each column is one of the ``ignore`` terms' own n-grams (class doc)."""
        tok = _tokenizer(self.tokenizer)
        key = (self.char_ngrams, self.morph_ngrams, repr(sorted(tok.get_params().items())), self.n_features)
        return _term_columns(key, tuple(self.ignore), tok)


_TERM_COLUMNS: dict[tuple[Any, ...], np.ndarray] = {}


def _term_columns(key: tuple[Any, ...], terms: tuple[str, ...], tokenizer: Tokenizer) -> np.ndarray:
    """A boolean mask of the columns of the n-grams of ``terms`` under the settings ``key`` (memoized): not of
    their single characters, which every other word shares."""
    cached = _TERM_COLUMNS.get((key, terms))
    if cached is None:
        char_ngrams, morph_ngrams, _, n_features = key
        analyzer = KoreanAnalyzer(char_ngrams, morph_ngrams, tokenizer)
        grams = {g for term in terms for g in analyzer(normalize_text(term))}
        own = [g for g in grams if g.startswith("m:") or len(g[2:].strip()) >= 2]
        mask = np.zeros(n_features, dtype=bool)
        mask[[abs(murmurhash3_32(g, seed=0)) % n_features for g in own]] = True
        cached = _TERM_COLUMNS.setdefault((key, terms), mask)
    return cached


@dataclass(frozen=True)
class _Units:
    """A batch's units (characters of space-padded words, or morphemes) as byte spans of one UTF-8 buffer.

    An n-gram is ``n`` consecutive units of one ``group`` (a padded word; a text's morphemes), spanning the
    bytes from its first unit's ``start`` to its last unit's ``end``."""

    data: bytes  # the UTF-8 buffer
    start: np.ndarray
    end: np.ndarray
    group: np.ndarray
    row: np.ndarray  # the text each unit comes from


def _encode(joined: str) -> tuple[bytes, np.ndarray]:
    """``joined`` in UTF-8 and the byte offset of each of its characters, plus the end."""
    data = joined.encode("utf-8", "surrogatepass")
    leads = np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
    return data, np.append(leads, len(data)).astype(np.int32 if len(data) < 2**31 else np.int64)


def _window(data: bytes) -> np.ndarray:
    """The 4 bytes from each offset of ``data`` (and its end), little-endian uint32; zeros past the end."""
    wide = np.frombuffer(data + bytes(4), dtype=np.uint8).astype(np.uint32)
    return wide[:-3] | (wide[1:-2] << 8) | (wide[2:-1] << 16) | (wide[3:] << 24)


def _word_units(texts: list[str]) -> _Units:
    """Every character of every space-padded word (as ``text.split()`` gives words), grouped by word."""
    per_text = [text.split() for text in texts]
    words = list(chain.from_iterable(per_text))
    sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
    data, offsets = _encode("".join(f" {word} " for word in words))
    word_rows = np.repeat(np.arange(len(texts), dtype=np.int32), [len(w) for w in per_text])
    return _Units(
        data,
        offsets[:-1],
        offsets[1:],
        np.repeat(np.arange(len(words), dtype=np.int32), sizes),
        np.repeat(word_rows, sizes),
    )


def _morph_units(per_text: list[list[str]]) -> _Units:
    """Every morpheme of every text, grouped by text, located in the texts' morphemes joined by spaces."""
    morphs = list(chain.from_iterable(per_text))
    lengths = np.fromiter(map(len, morphs), dtype=np.int64, count=len(morphs))
    first = np.cumsum(lengths + 1) - (lengths + 1)
    data, offsets = _encode(" ".join(morphs))
    rows = np.repeat(np.arange(len(per_text), dtype=np.int32), [len(m) for m in per_text])
    return _Units(data, offsets[first], offsets[first + lengths], rows, rows)


def _hashed_ngrams(units: _Units, n: int, prefix: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Row and column (at :data:`_WIDTH`) of every ``prefix`` + n-gram of ``units``: one block."""
    count = units.group.size - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int32)
    first = np.flatnonzero(units.group[:count] == units.group[n - 1 :])
    start = units.start[first]
    h = _murmurhash3(_window(units.data), start, units.end[first + n - 1] - start, prefix)
    return units.row[first], (np.abs(h.astype(np.int64)) % _WIDTH).astype(np.int32)


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmurhash3(window: np.ndarray, start: np.ndarray, length: np.ndarray, prefix: bytes) -> np.ndarray:
    """``sklearn.utils.murmurhash3_32(prefix + key, seed=0)`` of each key, vectorized (MurmurHash3_x86_32).

    Key ``i`` is the ``length[i]`` bytes from byte ``start[i]`` of the buffer behind ``window``; ``prefix``
    is two bytes. Returns signed int32, as scikit-learn's hashing vectorizers use it."""
    if len(prefix) != 2:
        raise ValueError("the prefix must be two bytes")
    head = np.uint32(prefix[0] | prefix[1] << 8)
    size = length + 2
    blocks = size // 4
    h = np.zeros(start.size, dtype=np.uint32)
    active = np.flatnonzero(blocks)
    for b in range(int(blocks.max(initial=0))):
        if b:
            active = active[blocks[active] > b]
        at = start[active]
        k = head | (window[at] << np.uint32(16)) if b == 0 else window[at + (4 * b - 2)]
        mixed = _rotl(h[active] ^ (_rotl(k * _C1, 15) * _C2), 13)
        h[active] = mixed * np.uint32(5) + np.uint32(0xE6546B64)
    rest = size & 3
    tail = np.flatnonzero(rest)
    if tail.size:
        at, offset = start[tail], 4 * blocks[tail] - 2
        k = np.where(offset < 0, head | (window[at] << np.uint32(16)), window[at + np.maximum(offset, 0)])
        k &= (np.uint32(1) << (8 * rest[tail]).astype(np.uint32)) - np.uint32(1)
        h[tail] ^= _rotl(k * _C1, 15) * _C2
    h ^= size.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


def _counts(rows: Any, cols: Any, n_rows: int, width: int, data: Any = None) -> sp.csr_matrix:
    """A canonical float32 CSR matrix summing ``data`` (default ones) at each (row, col)."""
    data = np.ones(len(rows), dtype=np.float32) if data is None else data
    X = sp.csr_matrix((data, (rows, cols)), shape=(n_rows, width), dtype=np.float32)
    X.sum_duplicates()
    return X


def _sum(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
    """A new matrix: the sum of canonical ones, added in pairs (cheaper than one after the other)."""
    if len(blocks) == 1:
        return blocks[0].copy()
    while len(blocks) > 1:
        pairs = [blocks[i] + blocks[i + 1] for i in range(0, len(blocks) - 1, 2)]
        blocks = pairs + blocks[2 * len(pairs) :]
    return blocks[0]


def _block(
    batch: bytes,
    key: tuple[Any, ...],
    n_rows: int,
    width: int,
    hashed: Callable[[], tuple[np.ndarray, np.ndarray]],
) -> sp.csr_matrix:
    """One block's counts at ``width`` columns, memoized: hashed at :data:`_WIDTH`, folded from there."""

    def compute() -> sp.csr_matrix:
        if width == _WIDTH:
            return _counts(*hashed(), n_rows, width)
        wide = _block(batch, key, n_rows, _WIDTH, hashed)
        rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(wide.indptr))
        return _counts(rows, wide.indices & (width - 1), n_rows, width, wide.data)

    return _BLOCKS.get(batch, (*key, width), compute)
