"""Keywords and themes over token lists: noun frequencies, TF-IDF against a background, NMF themes, KWIC.

Every function takes token lists (``[["인천", "이벤트"], ...]``) or space-joined token strings (the ``tokens``
column that :func:`civicnlp.annotate.annotate_comments` writes), so a notebook can pass either.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from civicnlp.exceptions import ParameterError

__all__ = [
    "as_token_lists",
    "discover_themes",
    "kwic",
    "noun_frequencies",
    "tfidf_keywords",
]

TokenLists = Iterable[Sequence[str] | str | None]


def as_token_lists(token_lists: TokenLists) -> list[list[str]]:
    """Token lists from lists or space-joined strings; None/NaN become an empty list."""
    out: list[list[str]] = []
    for item in token_lists:
        if isinstance(item, str):
            out.append(item.split())
        elif item is None or (isinstance(item, float) and np.isnan(item)):
            out.append([])
        else:
            out.append([str(t) for t in item])
    return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def noun_frequencies(
    token_lists: TokenLists,
    *,
    top: int | None = None,
    min_len: int = 2,
    stopwords: Iterable[str] = (),
    per_document: bool = False,
) -> pd.Series:
    """Token counts, most frequent first (ties alphabetical), named ``count``.

    ``min_len`` drops one-syllable tokens (mostly noise like 것/수/등 in Korean); ``per_document`` counts each
    token once per document, i.e. how many comments mention it.
    """
    stop = set(stopwords)
    counts: Counter[str] = Counter()
    for tokens in as_token_lists(token_lists):
        kept = (t for t in tokens if len(t) >= min_len and t not in stop)
        counts.update(set(kept) if per_document else kept)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return pd.Series(
        [c for _, c in items],
        index=pd.Index([w for w, _ in items], name="token"),
        name="count",
        dtype="int64",
    )


def tfidf_keywords(
    documents: TokenLists, background: TokenLists, *, top: int = 20, min_len: int = 2
) -> pd.DataFrame:
    """Keywords of ``documents`` against ``background``: mean TF-IDF over the documents, IDF over both sets.

    Words frequent in the documents but common everywhere (the background) score low. Columns: ``token``,
    ``score``, ``documents`` (how many of ``documents`` contain it).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [[t for t in toks if len(t) >= min_len] for toks in as_token_lists(documents)]
    back = [[t for t in toks if len(t) >= min_len] for toks in as_token_lists(background)]
    empty = pd.DataFrame({"token": pd.Series(dtype=str), "score": pd.Series(dtype=float)})
    if not any(docs):
        return empty.assign(documents=pd.Series(dtype="int64"))
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    vec.fit(docs + back)
    x = vec.transform(docs)
    score = np.asarray(x.mean(axis=0)).ravel()
    present = np.asarray((x > 0).sum(axis=0)).ravel()
    order = np.lexsort((vec.get_feature_names_out(), -score))[:top]
    order = order[score[order] > 0]
    return pd.DataFrame(
        {
            "token": vec.get_feature_names_out()[order],
            "score": score[order],
            "documents": present[order].astype("int64"),
        }
    )


def discover_themes(
    token_lists: TokenLists,
    n_themes: int = 5,
    *,
    random_state: int = 0,
    top: int = 8,
    min_df: int = 2,
    min_len: int = 2,
) -> tuple[pd.DataFrame, pd.Series]:
    """Themes by NMF over TF-IDF of tokens (pass nouns for readable themes).

    Returns ``(themes, doc_themes)``: ``themes`` has one row per theme (``theme``, ``keywords`` — the ``top``
    words, best first —, ``documents`` assigned to it, ``share`` of documents), ``doc_themes`` gives each
    document's theme (its largest NMF weight), or -1 when it has no word in the vocabulary. With fewer
    documents or words than ``n_themes``, fewer themes are found.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if n_themes < 1:
        raise ParameterError(f"n_themes must be at least 1, got {n_themes}")
    docs = [[t for t in toks if len(t) >= min_len] for toks in as_token_lists(token_lists)]
    themes_empty = pd.DataFrame(
        {
            "theme": pd.Series(dtype="int64"),
            "keywords": pd.Series(dtype=object),
            "documents": pd.Series(dtype="int64"),
            "share": pd.Series(dtype=float),
        }
    )
    no_theme = pd.Series(-1, index=pd.RangeIndex(len(docs)), name="theme", dtype="int64")
    vec = TfidfVectorizer(analyzer=_identity, min_df=min(min_df, max(len(docs), 1)), sublinear_tf=True)
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # empty vocabulary: nothing to find themes in
        return themes_empty, no_theme
    k = min(n_themes, x.shape[0], x.shape[1])
    nmf = NMF(n_components=k, init="nndsvd", random_state=random_state, max_iter=400)
    weights = nmf.fit_transform(x)
    has_words = np.asarray(x.sum(axis=1)).ravel() > 0
    doc_theme = np.where(has_words & (weights.max(axis=1) > 0), weights.argmax(axis=1), -1)
    words = vec.get_feature_names_out()
    counts = np.bincount(doc_theme[doc_theme >= 0], minlength=k)
    themes = pd.DataFrame(
        {
            "theme": np.arange(k, dtype="int64"),
            "keywords": [list(words[np.argsort(-row, kind="stable")[:top]]) for row in nmf.components_],
            "documents": counts.astype("int64"),
            "share": counts / max(len(docs), 1),
        }
    )
    return themes, pd.Series(doc_theme.astype("int64"), index=pd.RangeIndex(len(docs)), name="theme")


def kwic(texts: Iterable[object], keyword: str, *, width: int = 20, limit: int | None = None) -> pd.DataFrame:
    """Keywords in context: every occurrence of ``keyword`` (a plain string, case-insensitive) with ``width``
    characters either side. Columns: ``doc`` (position of the text), ``left``, ``match``, ``right``."""
    if not keyword:
        raise ParameterError("kwic needs a non-empty keyword")
    pattern = re.compile(re.escape(keyword), re.IGNORECASE)
    rows: list[tuple[int, str, str, str]] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        for m in pattern.finditer(text):
            left = text[max(0, m.start() - width) : m.start()]
            rows.append((i, left, m.group(0), text[m.end() : m.end() + width]))
    return pd.DataFrame(rows[:limit], columns=["doc", "left", "match", "right"]).astype({"doc": "int64"})
