"""Findings and next steps: each documented rule fires on data made to show it, and only then."""

from __future__ import annotations

import pandas as pd
import pytest

from civicnlp import findings


def comments(rows: list[tuple[str, str, str, str]], **flags: list[bool]) -> pd.DataFrame:
    """(channel, sentiment, text, nouns) rows as an annotated frame with no flags set unless given."""
    frame = pd.DataFrame(rows, columns=["channel", "sentiment", "text_masked", "nouns"])
    frame["nouns"] = frame["nouns"].str.split()
    for flag in ("is_entry", "is_question", "is_complaint", "is_duplicate", "is_near_duplicate", "is_spam"):
        frame[flag] = flags.get(flag, [False] * len(frame))
    frame["likes"] = range(len(frame))
    return frame


def summary_of(frame: pd.DataFrame, **extra: object) -> dict:
    return {
        "comments": len(frame),
        "duplicates": 0,
        "near_duplicates": 0,
        "spam": 0,
        "actionable": 0,
        **extra,
    }


def test_a_channel_far_from_the_others_is_found_and_a_close_one_is_not():
    rows = [("facebook", "negative", "별로", "별로")] * 30 + [("facebook", "positive", "좋아", "좋아")] * 10
    rows += [("danggeun", "positive", "좋아", "좋아")] * 30 + [("danggeun", "negative", "별로", "별로")] * 10
    rows += [("blog", "positive", "좋아", "좋아")] * 20 + [("blog", "negative", "별로", "별로")] * 20
    gaps = findings.channel_gaps(comments(rows)).set_index("channel")
    assert gaps.loc["facebook", "differs"] and gaps.loc["facebook", "net"] == pytest.approx(-0.5)
    assert not gaps.loc["blog", "differs"]  # net 0, as the other two channels pooled
    steps = findings.next_steps(comments(rows), summary_of(comments(rows)), pd.DataFrame())
    assert "페이스북 채널의 반응 살펴보기" in [s["할 일"] for s in steps]
    assert "블로그 채널의 반응 살펴보기" not in [s["할 일"] for s in steps]
    assert "-50%p" in next(s["근거"] for s in steps if "페이스북" in s["할 일"])


def test_a_small_channel_is_never_called_different():
    rows = [("facebook", "negative", "별로", "별로")] * 10 + [("danggeun", "positive", "좋아", "좋아")] * 60
    gaps = findings.channel_gaps(comments(rows)).set_index("channel")
    assert not gaps["differs"].any()  # facebook has fewer than MIN_SHARE_N opinions


def test_concerns_group_negative_comments_and_leave_out_the_campaigns_own_words():
    rows = [("danggeun", "negative", f"주차 요금 너무 비싸요 {i}", "APEC 주차 요금") for i in range(8)]
    rows += [("facebook", "negative", f"링크 안 열려요 {i}", "APEC 링크 접속") for i in range(6)]
    rows += [("blog", "positive", f"좋아요 {i}", "APEC 응원") for i in range(30)]
    found = findings.concerns(comments(rows), {"APEC"})
    assert len(found) >= 1
    assert not [w for words in found["words"] for w in words if w == "APEC"]
    assert found["comments"].sum() <= 14  # only the negative comments are pooled
    top = found.iloc[0]
    assert top["low"] <= top["share"] <= top["high"] and len(top["examples"]) <= 2


def test_examples_differ_in_their_words_not_only_in_their_marks():
    texts = ["댓글 달았는데 자꾸 삭제돼요", "댓글 달았는데 자꾸 삭제돼요ㅠㅠ"]
    texts += ["댓글달았는데 자꾸삭제돼요😢!!", "댓글이 또 삭제됐어요"]
    texts += [f"댓글 삭제 문제 {i}" for i in range(6)]
    rows = [("danggeun", "negative", t, "댓글 삭제") for t in texts]
    found = findings.concerns(comments(rows)[::-1])  # most liked first: the last rows
    assert len(found) == 1
    assert found.iloc[0]["examples"] == ["댓글 삭제 문제 5", "댓글 삭제 문제 4"]
    repeats = comments(rows[:4])
    top = findings.concerns(pd.concat([repeats] * 3, ignore_index=True).assign(likes=0))
    assert top.iloc[0]["examples"] == ["댓글 달았는데 자꾸 삭제돼요", "댓글이 또 삭제됐어요"]


def test_entry_problems_are_counted_from_their_cues():
    rows = [
        ("danggeun", "negative", "이벤트 글을 못 찾겠어요", ""),
        ("facebook", "neutral", "링크가 안 열려요", ""),
        ("blog", "neutral", "당첨자 발표는 언제 하나요?", ""),
        ("blog", "positive", "응원합니다", ""),
    ]
    found = findings.entry_problems(comments(rows))
    assert found["comments"] == 3 and sum(found["channels"].values()) == 3
    steps = findings.next_steps(comments(rows), summary_of(comments(rows)), pd.DataFrame())
    assert any(s["할 일"].startswith("응모 방법") for s in steps)


def test_moderation_and_missed_terms_fire_at_their_documented_thresholds():
    rows = [("danggeun", "positive", "좋아요", "")] * 20
    frame = comments(rows)
    quiet = findings.next_steps(frame, summary_of(frame, duplicates=1), pd.DataFrame())
    assert quiet == [
        {"할 일": "특별히 눈에 띄는 점이 없습니다", "근거": "위 규칙에 해당하는 항목이 없습니다."}
    ]
    busy = summary_of(
        frame, duplicates=1, spam=1, message_uptake={"share": 0.2, "keywords": 5, "missed": ["유치"]}
    )
    actions = [s["할 일"] for s in findings.next_steps(frame, busy, pd.DataFrame())]
    assert actions == ["중복·스팸 댓글 관리하기", "전달되지 않은 핵심 메시지 다시 알리기"]


def test_questions_to_answer_come_first_with_their_channels():
    rows = [("danggeun", "neutral", "언제 하나요?", ""), ("facebook", "negative", "왜 이래요?", "")]
    frame = comments(rows, is_question=[True, True])
    steps = findings.next_steps(frame, summary_of(frame, actionable=2), pd.DataFrame())
    assert steps[0]["할 일"] == "질문·요청 댓글에 답하기"
    assert "2건" in steps[0]["근거"] and "당근 1건" in steps[0]["근거"] and "페이스북 1건" in steps[0]["근거"]


@pytest.mark.parametrize(
    ("count", "n", "text"), [(3, 10, "3건(10건 중)"), (12, 60, "12건(20%, 95% 구간 12%–32%)")]
)
def test_share_text_gives_counts_below_the_minimum_sample(count, n, text):
    assert findings.share_text(count, n) == text


def test_campaign_terms_hold_hashtags_name_words_and_release_nouns():
    info = {"name": "2025 APEC 정상회의 인천당근이지", "hashtags": ["#인천당근이지", "참여합니다"]}
    terms = findings.campaign_terms(info, [["유치", "정상회의", "유치"], ["인천"]])
    assert {"인천당근이지", "참여합니다", "APEC", "정상회의", "유치", "인천"} <= terms
