"""The reader's words: Korean headers and labels, no internal ids, times without seconds."""

from __future__ import annotations

import pandas as pd
import pytest

from civicnlp import labels


def test_for_reader_drops_ids_and_speaks_korean():
    frame = pd.DataFrame(
        {
            "comment_id": ["104523671234567_1000000001094"],
            "author_id": ["fb_0123456789abcdef"],
            "campaign_id": ["c"],
            "channel": ["facebook"],
            "created_at": pd.to_datetime(["2024-05-16 11:40:59"]).tz_localize("UTC"),
            "sentiment": ["negative"],
            "text_masked": ["별로예요"],
            "reason": ["complaint+question"],
        }
    )
    out = labels.for_reader(frame)
    assert list(out.columns) == ["채널", "작성 시각", "감성", "댓글 (개인정보 가림)", "사유"]
    assert out.iloc[0].tolist() == ["페이스북", "2024-05-16 20:40", "부정", "별로예요", "불만·요청+질문"]


@pytest.mark.parametrize(
    ("reason", "korean"),
    [
        ("blank text", "빈 댓글"),
        ("bad created_at", "읽을 수 없는 작성 시각"),
        ("duplicate comment_id", "중복된 댓글 ID"),
        ("bad campaign_id", "읽을 수 없는 캠페인 ID"),
        ("created_at outside 1990-01-01..2100-12-31", "작성 시각 범위 밖(1990-01-01~2100-12-31)"),
        ("text longer than 20,000 characters", "댓글이(가) 20,000자를 넘음"),
        ("unclosed quote", "닫히지 않은 따옴표"),
        ("something new", "something new"),
    ],
)
def test_quarantine_reasons_read_in_korean(reason, korean):
    assert labels.quarantine_reason(reason) == korean


def test_quarantined_times_are_shown_as_times_where_they_read_as_one():
    frame = pd.DataFrame({"created_at": ["2024-05-19T01:17:48+0000", "어제", None]})
    assert labels.for_reader(frame)["작성 시각"].tolist()[:2] == ["2024-05-19 10:17", "어제"]


def test_unknown_channels_keep_their_name():
    assert labels.channel_name("kakao") == "kakao" and labels.channel_name("blog") == "블로그"
