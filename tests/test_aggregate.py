from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from civicnlp import aggregate as agg
from civicnlp.exceptions import DataContractError, ParameterError

# One row per comment, in the shape annotate_comments writes (a hand-made frame, so every number is known).
# flags: e entry, q question, c complaint, d duplicate, n near duplicate, s spam
ROWS = [
    ("danggeun", 16, "u1", "positive", 0.9, "문화/예술", "none", "e", 0, "이벤트 경품", "참여합니다"),
    ("danggeun", 16, "u2", "positive", 0.8, "문화/예술", "none", "e", 1, "이벤트", "응모해요"),
    (
        "danggeun",
        16,
        "u1",
        "negative",
        0.1,
        "교통/건축",
        "none",
        "qc",
        5,
        "주차 요금",
        "주차 요금 왜 올라요?",
    ),
    ("danggeun", 17, "u3", "negative", 0.2, "교통/건축", "offensive", "c", 9, "주차 단속", "주차 단속 최악"),
    ("danggeun", 17, "u3", "negative", 0.2, "교통/건축", "none", "cd", 0, "주차 단속", "주차 단속 최악"),
    ("facebook", 16, "u4", "positive", 0.95, "문화/예술", "none", "", 2, "축제 공연", "축제 최고예요"),
    ("facebook", 17, "u5", "positive", 0.7, "문화/예술", "none", "q", 3, "축제 일정", "축제 언제예요?"),
    ("facebook", 17, "u6", "neutral", 0.5, "경제민주화", "none", "s", 0, "부업 수익", "부업 <URL>"),
    ("facebook", 17, None, "negative", 0.3, "교통/건축", "hate", "n", 0, "주차", "주차 별로"),
]
COLUMNS = ["channel", "day_of_may", "author_id", "sentiment", "p_positive", "policy_area", "toxicity"]
FLAG_LETTERS = {
    "is_entry": "e",
    "is_question": "q",
    "is_complaint": "c",
    "is_duplicate": "d",
    "is_near_duplicate": "n",
    "is_spam": "s",
}


@pytest.fixture
def annotated() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=[*COLUMNS, "flags", "likes", "nouns", "text_masked"])
    hours = pd.Series(range(len(df))) % 5
    created = pd.to_datetime(
        [f"2024-05-{d} {10 + h}:00" for d, h in zip(df["day_of_may"], hours, strict=True)]
    ).tz_localize("Asia/Seoul")
    flags = {name: df["flags"].str.contains(letter) for name, letter in FLAG_LETTERS.items()}
    return df.drop(columns=["day_of_may", "flags"]).assign(
        **flags,
        comment_id=[f"c{i}" for i in range(len(df))],
        campaign_id="incheon-danggeun-apec-2024",
        created_at=created,
        p_negative=1 - df["p_positive"],
    )


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook values
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_interval_known_values(k, n, low, high):
    lo, hi = agg.wilson_interval(k, n)
    assert float(lo) == pytest.approx(low, abs=1e-4)
    assert float(hi) == pytest.approx(high, abs=1e-4)


def test_wilson_interval_is_vectorized_and_nan_for_no_data():
    lo, hi = agg.wilson_interval(np.array([0, 3]), np.array([0, 6]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert lo[1] < 0.5 < hi[1]


def test_volume_by_channel_and_day(annotated):
    vol = agg.volume(annotated, by=("channel", "day"))
    assert vol["comments"].sum() == len(annotated)
    counts = {(r.channel, r.day.day): r.comments for r in vol.itertuples()}
    assert counts == {("danggeun", 16): 3, ("danggeun", 17): 2, ("facebook", 16): 1, ("facebook", 17): 3}
    assert str(vol["day"].dt.tz) == "Asia/Seoul"


def test_volume_day_is_the_seoul_calendar_day():
    late = pd.DataFrame({"created_at": pd.to_datetime(["2024-05-16T15:30:00Z"])})  # 00:30 on the 17th
    assert agg.volume(late, by=("day",))["day"].iloc[0].day == 17


def test_participation(annotated):
    part = agg.participation(annotated, by=("channel",)).set_index("channel")
    assert part.loc["danggeun", "comments"] == 5
    assert part.loc["danggeun", "participants"] == 3
    assert part.loc["danggeun", "repeat_participants"] == 2  # u1 and u3
    assert part.loc["danggeun", "entries"] == 2 and part.loc["danggeun", "opinions"] == 3
    assert part.loc["facebook", "participants"] == 3  # the comment without author_id counts as no one
    assert part.loc["facebook", "spam"] == 1 and part.loc["facebook", "near_duplicates"] == 1
    assert part.loc["danggeun", "duplicates"] == 1
    overall = agg.participation(annotated, by=()).iloc[0]
    assert overall["comments"] == 9 and overall["participants"] == 6
    assert overall["entry_share"] == pytest.approx(2 / 9)


def test_sentiment_shares(annotated):
    table = agg.sentiment_shares(annotated, by=("channel",)).set_index("channel")
    fb = table.loc["facebook"]
    assert fb["n"] == 3  # spam left out
    assert fb["share_positive"] == pytest.approx(2 / 3)
    assert fb["net_sentiment"] == pytest.approx(2 / 3 - 1 / 3)
    assert fb["share_positive_low"] < fb["share_positive"] < fb["share_positive_high"]
    opinions = agg.sentiment_shares(annotated, by=(), opinions_only=True).iloc[0]
    assert opinions["n"] == 6 and opinions["n_negative"] == 4
    assert "share_neutral" not in table.columns  # no p_neutral column: a two-class model
    with_spam = agg.sentiment_shares(annotated, by=(), drop_spam=False).iloc[0]
    assert with_spam["n"] == 9


def test_topic_and_toxic_shares(annotated):
    topics = agg.topic_shares(annotated)
    assert topics.iloc[0]["policy_area"] == "교통/건축" and topics.iloc[0]["n"] == 4
    assert topics["share"].sum() == pytest.approx(1.0)
    per_channel = agg.topic_shares(annotated, by=("channel",))
    assert per_channel.groupby("channel")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    tox = agg.toxic_share(annotated).iloc[0]
    assert tox["toxic"] == 2 and tox["share"] == pytest.approx(2 / 9)


def test_missing_columns_name_what_is_missing(annotated):
    with pytest.raises(DataContractError, match="policy_area"):
        agg.topic_shares(annotated.drop(columns="policy_area"))


def test_top_keywords_counts_comments(annotated):
    top = agg.top_keywords(annotated, top=2)
    assert top.to_dict("records")[0] == {"token": "주차", "comments": 4, "share": pytest.approx(4 / 9)}


def test_distinguishing_words_constructed_case():
    a = ["주차 단속 요금"] * 10 + ["축제"] * 2
    b = ["축제 공연"] * 10 + ["주차"] * 2
    table = agg.distinguishing_words(a, b, top=5)
    side_a = table[table["group"] == "a"]
    side_b = table[table["group"] == "b"]
    assert set(side_a["token"]) == {"주차", "단속", "요금"}
    assert set(side_b["token"]) == {"축제", "공연"}
    assert side_a.iloc[0]["token"] in {"단속", "요금"}  # only in a beats shared but frequent in a
    assert (side_b["z"] < -1.96).all()
    # by hand, for 단속: y_a=10, y_b=0, n_a=32, n_b=22, α_w=0.1·10, α0=0.1·54
    # δ = ln(11 / (32 + 5.4 - 11)) - ln(1 / (22 + 5.4 - 1)) = ln 11;  z = δ / sqrt(1/11 + 1/1)
    row = table.set_index("token").loc["단속"]
    assert row["delta"] == pytest.approx(np.log(11))
    assert row["z"] == pytest.approx(np.log(11) / np.sqrt(1 / 11 + 1))
    swapped = agg.distinguishing_words(b, a, top=5).set_index("token")["z"]
    assert swapped["주차"] == pytest.approx(-table.set_index("token").loc["주차", "z"])


def test_distinguishing_words_equal_rates_give_zero_and_prior_shrinks():
    table = agg.distinguishing_words(["인천 주차"] * 5, ["인천 축제"] * 5, top=10, min_count=1)
    z = table.set_index("token")["z"]
    assert "인천" not in z.index  # z == 0: on neither side
    strong = agg.distinguishing_words(["주차"] * 5, ["축제"] * 5, prior={"주차": 1000, "축제": 1000})
    weak = agg.distinguishing_words(["주차"] * 5, ["축제"] * 5, prior={"주차": 1, "축제": 1})
    delta = {
        name: t.set_index("token").loc["주차", "delta"] for name, t in (("strong", strong), ("weak", weak))
    }
    assert 0 < delta["strong"] < delta["weak"]
    assert agg.distinguishing_words([], []).empty


def test_message_uptake():
    release = ["인천 당근마켓 이벤트 경품 정상회의 인천 인천 당근마켓"]
    comments = ["이벤트 참여", "경품 언제", None, "인천 최고"]
    table = agg.message_uptake(release, comments, k=3)
    assert table["keyword"].tolist() == ["인천", "당근마켓", "경품"]
    assert table["taken_up"].tolist() == [True, False, True]
    assert table["comment_share"].tolist() == pytest.approx([0.25, 0.0, 0.25])


def test_representative_comments_skip_entries_questions_duplicates_and_spam(annotated):
    reps = agg.representative_comments(annotated, n=2)
    assert reps[reps["kind"] == "positive"]["comment_id"].tolist() == ["c5"]  # c6 is a question
    assert reps[reps["kind"] == "negative"]["comment_id"].tolist() == ["c3"]  # c2 asks; c4, c8: (near) copies
    assert "text" not in reps.columns


def test_actionable_comments_most_liked_first(annotated):
    act = agg.actionable_comments(annotated)
    assert act["comment_id"].tolist() == ["c3", "c2", "c6"]  # c4 is a duplicate
    assert act["reason"].tolist() == ["complaint", "complaint+question", "question"]
    assert len(agg.actionable_comments(annotated, n=1)) == 1


def test_summarize_is_json_and_matches_the_tables(annotated):
    campaign = {
        "campaign_id": "incheon-danggeun-apec-2024",
        "name": "인천당근이지",
        "start": pd.Timestamp("2024-05-16"),
    }
    summary = agg.summarize(annotated, campaign)
    json.dumps(summary)  # plain types only
    assert summary["comments"] == 9 and summary["participants"] == 6 and summary["entries"] == 2
    assert summary["actionable"] == 3
    assert summary["channels"] == ["danggeun", "facebook"]
    assert summary["by_channel"][0]["channel"] == "danggeun"
    assert summary["opinion_sentiment"]["negative"]["count"] == 4
    assert summary["period"]["start"].startswith("2024-05-16")
    assert summary["top_keywords"][0] == {"token": "주차", "comments": 4}
    assert summary["topics"][0]["policy_area"] == "교통/건축"
    assert summary["message_uptake"] is None


def test_summary_sentences_come_from_the_numbers(annotated):
    summary = agg.summarize(annotated, {"campaign_id": "x"})
    sentences = agg.summary_sentences(summary)
    assert sentences[0] == "전체 댓글 9건(참여자 6명) 중 2건(22%)이 응모 댓글입니다."
    assert any("‘주차’" in s and s.startswith("의견 댓글에서") for s in sentences)
    assert any("답변이 필요한 질문·요청 댓글이 3건" in s for s in sentences)
    assert agg.summary_sentences({"comments": 0}) == ["분석할 댓글이 없습니다."]
    big = agg.summary_sentences(
        {**summary, "comments": 2104, "participants": 1532, "entries": 1283, "entry_share": 0.61}
    )
    assert big[0] == "전체 댓글 2,104건(참여자 1,532명) 중 1,283건(61%)이 응모 댓글입니다."


def test_a_small_sample_is_told_as_counts_not_shares(annotated):
    summary = agg.summarize(annotated, {"campaign_id": "x"})
    assert summary["opinion_sentiment"]["n"] < agg.MIN_SHARE_N
    sentences = agg.summary_sentences(summary)
    assert not [s for s in sentences if "순감성" in s or "정책 분야는" in s]
    assert any(s.startswith("의견 댓글이 6건뿐이라 비율 대신 건수로") for s in sentences)
    many = {**summary, "opinion_sentiment": {**summary["opinion_sentiment"], "n": 300}}
    assert any("의견 댓글 300건의 순감성" in s for s in agg.summary_sentences(many))


def test_every_summary_sentence_names_the_comments_it_counts(annotated):
    summary = agg.summarize(annotated, {"campaign_id": "x"})
    summary["opinion_sentiment"]["n"] = 300
    for sentence in agg.summary_sentences(summary):
        assert any(w in sentence for w in ("전체", "의견", "참여자", "질문·요청")), sentence


def test_summarize_message_uptake_with_the_real_tokenizer(annotated):
    releases = pd.DataFrame(
        {
            "title": ["인천시, 당근마켓 이벤트 개최"],
            "body": [
                "인천시는 당근마켓 앱에서 이벤트를 연다. 이벤트 경품은 추첨으로 제공한다. 주차 안내도 있다."
            ],
        }
    )
    summary = agg.summarize(annotated, {"campaign_id": "x"}, releases)
    uptake = summary["message_uptake"]
    assert set(uptake["taken_up"]) == {"이벤트", "경품", "주차"}
    assert "당근마켓" in uptake["missed"]
    assert uptake["share"] == pytest.approx(3 / uptake["keywords"], abs=1e-4)
    assert any("보도자료 핵심어" in s for s in agg.summary_sentences(summary))


def test_comments_to_read_show_each_text_once(annotated):
    same_text = annotated.assign(is_duplicate=False)  # c3 and c4 say the same, by one author or not
    assert agg.actionable_comments(same_text)["comment_id"].tolist() == ["c3", "c2", "c6"]
    negative = agg.representative_comments(same_text, n=5).query("kind == 'negative'")
    assert negative["text_masked"].is_unique
    variants = same_text.assign(
        text_masked=same_text["text_masked"].replace({"주차 요금 왜 올라요?": "주차단속 최악ㅠㅠ"})
    )
    assert agg.actionable_comments(variants)["comment_id"].tolist() == [
        "c3",
        "c6",
    ]  # c2 = c3 but for spaces, ㅠㅠ


def test_summary_sentences_name_channels_in_korean(annotated):
    sentences = agg.summary_sentences(agg.summarize(annotated))
    assert "전체 댓글은 당근 채널이 5건으로 가장 많았습니다." in sentences


def test_summarize_no_comments(annotated):
    summary = agg.summarize(annotated.iloc[:0])
    json.dumps(summary)
    assert summary["comments"] == 0 and summary["entry_share"] is None and summary["by_channel"] == []
    assert summary["sentiment"]["net"] is None
    assert agg.summary_sentences(summary) == ["분석할 댓글이 없습니다."]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({}, ["c1", "c2", "c3"]),
        ({"date_from": "2024-05-17"}, ["c2", "c3"]),
        ({"date_to": "2024-05-17"}, ["c1", "c2"]),  # the whole end day, Seoul time
        ({"date_from": "2024-05-17", "date_to": "2024-05-17"}, ["c2"]),
        ({"channels": ["blog"]}, ["c3"]),
        ({"date_from": "2024-05-16", "channels": ["danggeun", "blog"]}, ["c1", "c3"]),
    ],
)
def test_select_comments(selection, expected):
    frame = pd.DataFrame(
        {
            "comment_id": ["c1", "c2", "c3"],
            # c3 is the 18th in Seoul but still the 17th in UTC: days are Seoul days
            "created_at": pd.to_datetime(
                ["2024-05-16 10:00", "2024-05-17 23:30", "2024-05-18 00:10"]
            ).tz_localize("Asia/Seoul"),
            "channel": ["danggeun", "facebook", "blog"],
        }
    )
    assert agg.select_comments(frame, **selection)["comment_id"].tolist() == expected


def test_an_empty_selection_names_what_the_data_has():
    frame = pd.DataFrame(
        {"created_at": pd.to_datetime(["2024-05-16 10:00"]).tz_localize("Asia/Seoul"), "channel": ["blog"]}
    )
    with pytest.raises(ParameterError, match="comments run from 2024-05-16 to 2024-05-16 on \\['blog'\\]"):
        agg.select_comments(frame, date_from="2030-01-01")
