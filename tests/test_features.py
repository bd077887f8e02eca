"""Feature steps: the normalizer, the Korean n-gram analyzer and the batched hashing vectorizer (real Mecab),
which must give exactly the matrix of a ``HashingVectorizer`` over the analyzer, and its batch memo."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io
from conftest import require_corpus
from sklearn.base import clone
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from civicnlp import classify, datasets, features, training
from civicnlp.exceptions import ParameterError
from civicnlp.features import KoreanAnalyzer, KoreanHashingVectorizer, TextNormalizer
from civicnlp.normalize import normalize_text
from civicnlp.tokenize import Tokenizer

#: Messy comments: repeated ㅋㅋ/ㅠㅠ, emoji (4-byte UTF-8), jamo, hanja, Latin, digits, tabs, newlines, wide
#: and no-break spaces, placeholders, a very long word, one-character words, blanks and the empty string.
MESSY = [
    "축제 정말 즐거웠어요 최고!",
    "주차 단속 너무 심하네요ㅠㅠ 최악입니다…",
    "ㅋㅋㅋㅋㅋㅋ 아 진짜ㅋㅋ",
    "😀😂👍 이벤트 참여합니다 #인천당근이지 @친구",
    "",
    "   ",
    "가 나 다 라 a b c 1 2",
    "\t탭과\n줄바꿈\r\n섞인   글\u3000전각공백\xa0무중단",
    "<URL> 링크 보세요 <MENTION> 님",
    "行政 서비스 改善 요청 ABC-123 dollar$ 3.5%",
    "ㄱㄴㄷ ㅏㅑ 자모만",
    "끝없이이어지는단어" * 30,
    "Café naïve 〜 ～ “따옴표” 'single' \"double\"",
    "버스 배차 간격이 길어서 불편해요 버스 버스 버스",
]


def _pipeline(model):
    """The feature pipeline of a shipped model (``reply`` wraps its own in :class:`PerSentence`)."""
    return model.estimator if isinstance(model, classify.PerSentence) else model


SHIPPED = {
    name: _pipeline(training.build_pipeline(name)).named_steps["features"] for name in classify.MODEL_NAMES
}


def _reference(vectorizer: KoreanHashingVectorizer, texts: list[str], n_features: int, binary: bool):
    """The matrix the shipped models were first built on: a HashingVectorizer over :class:`KoreanAnalyzer`."""
    analyzer = KoreanAnalyzer(vectorizer.char_ngrams, vectorizer.morph_ngrams, vectorizer.tokenizer)
    settings = {"n_features": n_features, "alternate_sign": False, "norm": None, "lowercase": False}
    X = HashingVectorizer(analyzer=analyzer, binary=binary, dtype=np.float32, **settings).transform(texts)
    if not vectorizer.ignore:
        return X
    # less the columns of the ignored terms' own n-grams: not their lone characters
    own = {
        gram
        for term in vectorizer.ignore
        for gram in analyzer(normalize_text(term))
        if gram.startswith("m:") or len(gram[2:].strip()) > 1
    }
    keep = np.ones(n_features, dtype=np.float32)
    keep[HashingVectorizer(analyzer=lambda _: sorted(own), **settings).transform([""]).indices] = 0
    X = (X @ sp.diags(keep)).astype(np.float32).tocsr()
    X.eliminate_zeros()
    return X


def _assert_same_matrix(got, expected) -> None:
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype == np.float32
    assert got.has_canonical_format
    assert got.nnz == expected.nnz
    assert (got != expected).nnz == 0


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


# --- KoreanHashingVectorizer: the same features as HashingVectorizer(analyzer=KoreanAnalyzer(...)) -----


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
@pytest.mark.parametrize("n_features", [2**20, 2**18])
@pytest.mark.parametrize("binary", [True, False])
def test_vectorizer_equals_hashing_the_analyzer_on_messy_text(name, n_features, binary):
    features.clear_memo()
    vectorizer = clone(SHIPPED[name]).set_params(n_features=n_features, binary=binary)
    for texts in (MESSY, TextNormalizer().transform(MESSY)):
        _assert_same_matrix(vectorizer.transform(texts), _reference(vectorizer, texts, n_features, binary))


@pytest.mark.corpus
@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_vectorizer_equals_hashing_the_analyzer_on_real_comments(name):
    require_corpus("nsmc")
    require_corpus("korean_hate_speech")
    raw = [
        *datasets.load_nsmc()["text"].head(1500).tolist(),
        *datasets.load_beep("dev")["text"].head(300).tolist(),
    ]
    texts = TextNormalizer().transform(raw)
    features.clear_memo()
    vectorizer = SHIPPED[name]
    for n_features, binary in [(vectorizer.n_features, vectorizer.binary), (2**20, True), (2**18, False)]:
        shaped = clone(vectorizer).set_params(n_features=n_features, binary=binary)
        _assert_same_matrix(shaped.transform(texts), _reference(shaped, texts, n_features, binary))


@pytest.mark.parametrize(
    "text", ["", "a", "ab", "abc", "abcd", "가", "가나", "😀", "😀x", "c:c:c:", "좋 다", "ㅋ" * 40, "a" * 61]
)
def test_vectorized_murmurhash_equals_scikit_learns(text):
    data, _ = features._encode(text)
    for prefix in (b"c:", b"m:"):
        got = features._murmurhash3(features._window(data), np.array([0]), np.array([len(data)]), prefix)
        assert got.dtype == np.int32
        assert got[0] == murmurhash3_32(prefix + text.encode("utf-8"), seed=0)


def test_vectorizer_takes_an_empty_batch_and_refuses_non_strings():
    vectorizer = KoreanHashingVectorizer((1, 2), None, n_features=2**10)
    assert vectorizer.transform([]).shape == (0, 2**10)
    with pytest.raises(ParameterError, match="TextNormalizer"):
        vectorizer.transform(["좋아요", None])


@pytest.mark.parametrize(
    "params",
    [
        {"n_features": 1000},
        {"n_features": 2**21},
        {"n_features": 1},
        {"char_ngrams": (0, 2)},
        {"char_ngrams": (3, 2)},
        {"morph_ngrams": (2, 1)},
    ],
)
def test_vectorizer_rejects_settings_it_cannot_honour(params):
    vectorizer = KoreanHashingVectorizer(**params)
    with pytest.raises(ParameterError):
        vectorizer.fit(["좋다"])
    with pytest.raises(ParameterError):
        vectorizer.transform(["좋다"])


def test_vectorizer_follows_the_estimator_contract():
    vectorizer = SHIPPED["policy_area"]
    twin = clone(vectorizer)
    assert twin is not vectorizer
    assert repr(twin.get_params()) == repr(vectorizer.get_params())
    assert twin.fit(MESSY) is twin
    assert not hasattr(twin, "n_features_in_")  # stateless: nothing learned
    assert twin.__sklearn_tags__().requires_fit is False
    _assert_same_matrix(twin.fit_transform(MESSY), vectorizer.transform(MESSY))
    assert twin.set_params(n_features=2**10).transform(MESSY).shape == (len(MESSY), 2**10)


def test_vectorizer_round_trips_through_pickle_and_skops(tmp_path):
    vectorizer = SHIPPED["sentiment"]
    expected = vectorizer.transform(MESSY)
    _assert_same_matrix(pickle.loads(pickle.dumps(vectorizer)).transform(MESSY), expected)
    path = tmp_path / "vectorizer.skops"
    skops.io.dump(vectorizer, path)
    assert set(skops.io.get_untrusted_types(file=path)) <= set(classify.TRUSTED_TYPES)
    loaded = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    features.clear_memo()
    _assert_same_matrix(loaded.transform(MESSY), expected)


def test_an_ignored_term_leaves_none_of_its_own_ngrams_but_its_lone_characters():
    texts = ["APEC 유치 응원합니다", "유치되면 지역 경제에 도움", "유치원 버스"]
    plain = KoreanHashingVectorizer((1, 4), (1, 3), binary=True)
    ignoring = clone(plain).set_params(ignore=("유치",))
    every, kept = plain.transform(texts), ignoring.transform(texts)
    column = {
        g: murmurhash3_32(g, seed=0, positive=False) for g in ("c:유치", "c: 유치", "m:유치", "c:유", "c:치")
    }
    column = {g: abs(h) % 2**20 for g, h in column.items()}
    for row in range(len(texts)):
        assert {column["c:유치"], column["c:유"], column["c:치"]} <= set(every[row].indices)
        assert column["c:유치"] not in set(kept[row].indices)
        assert column["c: 유치"] not in set(kept[row].indices)
        assert {column["c:유"], column["c:치"]} <= set(kept[row].indices)
        # nothing else is touched: what is gone is the term's own
        gone = set(every[row].indices) - set(kept[row].indices)
        assert gone <= set(np.flatnonzero(ignoring._ignored_columns()))
    assert column["m:유치"] in set(every[0].indices) - set(kept[0].indices)
    assert (every - kept).min() >= 0


# --- the batch memo --------------------------------------------------------------------------------------


def test_models_sharing_a_batch_reuse_its_blocks():
    features.clear_memo()
    SHIPPED["sentiment"].transform(MESSY)
    stored = set(next(iter(features._BLOCKS._values.values())))
    SHIPPED["sentiment"].transform(MESSY)
    clone(SHIPPED["sentiment"]).set_params(binary=False, morph_ngrams=(1, 2)).transform(MESSY)
    assert set(next(iter(features._BLOCKS._values.values()))) == stored  # nothing computed again
    SHIPPED["policy_area"].transform(MESSY)  # a narrower width folds the same blocks
    assert len(features._BLOCKS._values) == 1


@pytest.mark.parametrize(
    "other",
    [
        [*MESSY[:-1], "버스 배차 간격이 길어서 불편해요 버스 버스"],  # one text differs
        MESSY[::-1],  # same texts, another order
        ["축제 정말", " 즐거웠어요 최고!"],  # the same characters cut differently
        ["축제 정말 즐거웠어요 최고!", "주차 단속 너무 심하네요ㅠㅠ 최악입니다…"],  # a prefix of the batch
    ],
)
def test_a_batch_never_gets_another_batchs_features(other):
    vectorizer = SHIPPED["policy_area"]  # 2**18 columns: folded from the memo's blocks
    features.clear_memo()
    vectorizer.transform(MESSY)
    vectorizer.transform(["축제 정말 즐거웠어요 최고!"])
    _assert_same_matrix(vectorizer.transform(other), _reference(vectorizer, other, 2**18, False))
    _assert_same_matrix(vectorizer.transform(MESSY), _reference(vectorizer, MESSY, 2**18, False))


def test_mutated_inputs_and_outputs_are_not_served_stale():
    vectorizer = SHIPPED["sentiment"]
    features.clear_memo()
    texts = list(MESSY)
    first = vectorizer.transform(texts)
    first.data[:] = 99.0  # a caller scribbling on its matrix must not reach the memo
    texts[0] = "전혀 다른 댓글입니다"
    _assert_same_matrix(vectorizer.transform(texts), _reference(vectorizer, texts, 2**20, True))
    texts[0] = MESSY[0]
    _assert_same_matrix(vectorizer.transform(texts), _reference(vectorizer, texts, 2**20, True))
    normalizer = TextNormalizer()
    cleaned = normalizer.transform(MESSY)
    cleaned[0] = "바뀜"
    assert normalizer.transform(MESSY)[0] == "축제 정말 즐거웠어요 최고!"


def test_the_memo_keeps_only_the_last_batch():
    features.clear_memo()
    vectorizer = KoreanHashingVectorizer((1, 2), None)
    for i in range(5):
        vectorizer.transform([f"배치 {i}", "같은 댓글"])
        TextNormalizer().transform([f"배치 {i}"])
    assert len(features._BLOCKS._values) == len(features._NORMALIZED._values) == 1
    assert features._fingerprint(["배치 4", "같은 댓글"]) in features._BLOCKS._values
    features.clear_memo()
    assert not features._BLOCKS._values and not features._NORMALIZED._values


def test_threads_sharing_the_memo_get_their_own_batches():
    vectorizer = SHIPPED["policy_area"]
    batches = [[text + f" {i}" for text in MESSY] for i in range(6)]
    expected = [_reference(vectorizer, batch, 2**18, False) for batch in batches]
    features.clear_memo()
    errors: list[str] = []

    def work(i: int) -> None:
        for _ in range(3):
            if (vectorizer.transform(batches[i]) != expected[i]).nnz:
                errors.append(f"batch {i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
