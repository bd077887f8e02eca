"""Feature steps: the normalizer transformer and the Korean n-gram analyzer (real Mecab)."""

from __future__ import annotations

import pickle

import pytest
from sklearn.base import clone

from civicnlp import features
from civicnlp.features import KoreanAnalyzer, TextNormalizer
from civicnlp.tokenize import Tokenizer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ""),
        (float("nan"), ""),
        ("  좋아요ㅋㅋㅋㅋㅋ  ", "좋아요ㅋㅋ"),
        ("행사\u200b 최고!!!!!", "행사 최고!!"),
    ],
)
def test_normalizer_cleans_each_text(text, expected):
    assert TextNormalizer().fit_transform([text, text]) == [expected, expected]


@pytest.mark.parametrize(
    ("char_ngrams", "morph_ngrams", "expected"),
    [
        ((1, 2), None, ["c: ", "c:좋", "c:다", "c: ", "c: 좋", "c:좋다", "c:다 "]),
        ((3, 3), None, ["c: 좋다", "c:좋다 "]),
        (None, (1, 1), ["m:좋", "m:다"]),
        (None, (2, 2), ["m:좋 다"]),
        (None, (3, 3), []),
    ],
)
def test_analyzer_gives_prefixed_char_and_morpheme_ngrams(char_ngrams, morph_ngrams, expected):
    analyzer = KoreanAnalyzer(char_ngrams, morph_ngrams, Tokenizer(pos="all", stopwords=None, user_dict=None))
    assert analyzer("좋다") == expected


@pytest.mark.parametrize("text", ["", "   ", "😀", "ㅋㅋ"])
def test_analyzer_is_total_on_empty_and_symbol_text(text):
    assert isinstance(KoreanAnalyzer()(text), list)


def test_analyzer_survives_pickle_and_clone():
    analyzer = KoreanAnalyzer((1, 3), (1, 2))
    text = "주차 단속 너무 심하네요"
    before = analyzer(text)
    assert pickle.loads(pickle.dumps(analyzer))(text) == before
    assert clone(analyzer)(text) == before


def test_equal_tokenizers_share_cached_morphemes():
    features._MORPHS.clear()
    text = "축제 정말 즐거웠어요"
    first = KoreanAnalyzer(None, (1, 1), Tokenizer(pos="all", stopwords=None, user_dict=None))
    second = KoreanAnalyzer(None, (1, 1), Tokenizer(pos="all", stopwords=None, user_dict=None))
    assert first(text) == second(text)
    assert len(features._MORPHS) == 1
    KoreanAnalyzer(None, (1, 1), Tokenizer(pos="nouns", stopwords=None, user_dict=None))(text)
    assert len(features._MORPHS) == 2
