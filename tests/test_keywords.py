from __future__ import annotations

import pandas as pd
import pytest

from civicnlp.exceptions import ParameterError
from civicnlp.keywords import as_token_lists, discover_themes, kwic, noun_frequencies, tfidf_keywords


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            ["주차 단속", ["축제", "공연"], None, float("nan"), ""],
            [["주차", "단속"], ["축제", "공연"], [], [], []],
        ),
        (pd.Series(["인천  당근", None]), [["인천", "당근"], []]),
        ([], []),
    ],
)
def test_as_token_lists(given, expected):
    assert as_token_lists(given) == expected


def test_noun_frequencies_counts_orders_and_filters():
    docs = ["주차 주차 단속 것", "주차 축제", ["축제", "단속", "수"]]
    freq = noun_frequencies(docs, stopwords=["단속"])
    assert freq.to_dict() == {"주차": 3, "축제": 2}
    assert list(freq.index) == ["주차", "축제"]
    per_doc = noun_frequencies(docs, per_document=True, stopwords=["단속"], top=1)
    assert per_doc.to_dict() == {"주차": 2}


def test_noun_frequencies_ties_are_alphabetical():
    assert list(noun_frequencies(["하늘 바다"]).index) == ["바다", "하늘"]


def test_tfidf_keywords_prefers_words_specific_to_the_documents():
    docs = ["주차 단속 인천", "주차 요금 인천", "주차 인천"]
    background = ["인천 축제", "인천 공연", "인천 행사", "인천 버스"]
    alone = tfidf_keywords(docs, [], top=5).set_index("token")["score"]
    table = tfidf_keywords(docs, background, top=5)
    against = table.set_index("token")["score"]
    assert alone["인천"] == pytest.approx(alone["주차"])  # same in every document: a tie without background
    assert table["token"].iloc[0] == "주차"
    assert against["인천"] < 0.8 * against["주차"]  # common in the background: pushed down
    assert table.loc[table["token"] == "주차", "documents"].item() == 3


def test_tfidf_keywords_of_nothing_is_empty():
    assert tfidf_keywords(["", None], ["인천 축제"]).empty


def test_discover_themes_separates_two_clear_topics():
    parking = ["주차 단속 요금"] * 6
    festival = ["축제 공연 불꽃"] * 6
    themes, doc_themes = discover_themes(parking + festival + [""], n_themes=2, top=3)
    assert len(themes) == 2
    assert doc_themes.iloc[-1] == -1
    assert doc_themes.iloc[0] != doc_themes.iloc[6]
    assert len(set(doc_themes.iloc[:6])) == 1 and len(set(doc_themes.iloc[6:12])) == 1
    by_theme = dict(zip(themes["theme"], themes["keywords"], strict=True))
    assert set(by_theme[doc_themes.iloc[0]]) == {"주차", "단속", "요금"}
    assert themes["documents"].sum() == 12


def test_discover_themes_is_reproducible_and_total():
    docs = ["주차 단속", "축제 공연", "주차 요금", "공연 불꽃", "버스 노선"] * 3
    first = discover_themes(docs, n_themes=3, random_state=0)
    second = discover_themes(docs, n_themes=3, random_state=0)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_series_equal(first[1], second[1])
    themes, doc_themes = discover_themes(["", None], n_themes=3)
    assert themes.empty and list(doc_themes) == [-1, -1]
    assert len(discover_themes(["주차 단속"], n_themes=5)[0]) == 1


def test_discover_themes_rejects_zero_themes():
    with pytest.raises(ParameterError, match="n_themes"):
        discover_themes(["주차"], n_themes=0)


def test_kwic():
    texts = ["주차가 너무 어려워요 주차장 좀", None, "APEC 유치 응원합니다"]
    table = kwic(texts, "주차", width=3)
    assert table.to_dict("records") == [
        {"doc": 0, "left": "", "match": "주차", "right": "가 너"},
        {"doc": 0, "left": "워요 ", "match": "주차", "right": "장 좀"},
    ]
    assert kwic(texts, "apec")["match"].tolist() == ["APEC"]
    assert len(kwic(texts, "주차", limit=1)) == 1
    with pytest.raises(ParameterError):
        kwic(texts, "")
