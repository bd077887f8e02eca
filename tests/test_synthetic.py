"""The synthetic comment generator and the shipped sample it writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from civicnlp import campaigns, config, io, synthetic
from civicnlp.exceptions import ParameterError

CAMPAIGN = {
    "campaign_id": "test-camp",
    "start": "2024-05-16",
    "end": "2024-05-24",
    "theme": "event",
    "hashtags": "#태그;참여",
}


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return synthetic.generate_comments(CAMPAIGN, 20_000, seed=7, with_labels=True)


def test_phrase_bank_is_hand_labelled_and_large_enough() -> None:
    bank = synthetic.load_phrases()
    assert bank["text"].nunique() == len(bank) >= 400
    assert set(bank["sentiment"]) == {"negative", "neutral", "positive"}
    assert set(bank["type"]) == {"entry", "opinion", "question", "complaint", "spam"}
    assert set(bank["theme"]) == {"event", "transit", "festival", "general", "spam"}
    assert (bank["text"].str.strip() == bank["text"]).all() and (bank["text"] != "").all()


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    first = synthetic.generate_comments(CAMPAIGN, 500, seed=1)
    pd.testing.assert_frame_equal(first, synthetic.generate_comments(CAMPAIGN, 500, seed=1))
    assert not first["text"].equals(synthetic.generate_comments(CAMPAIGN, 500, seed=2)["text"])


def test_export_shape_and_accounting(big: pd.DataFrame) -> None:
    assert list(big.columns[:8]) == [
        "comment_id", "campaign_id", "channel", "author_id", "parent_id", "text", "created_at", "likes"
    ]  # fmt: skip
    result = io.validate_comments(big.drop(columns=["sentiment", "comment_type"]))
    assert result.rows_in == len(result.data) + len(result.quarantine) == 20_000
    reasons = result.reasons()
    # documented rates: blank 1%, bad dates 0.3%, duplicate ids 0.2%, bad likes 0.2%
    assert 150 <= reasons["blank text"] <= 260
    assert 30 <= reasons["bad created_at"] <= 100
    assert 15 <= reasons["duplicate comment_id"] <= 70
    assert 15 <= reasons["bad likes"] <= 70


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [
        (r"010[-. ]?\d{4}[-. ]?\d{4}", 0.01, 0.06),  # fake phone numbers left for prize delivery
        (r"@example\.(?:com|org)", 0.003, 0.03),
        (r"https?://", 0.01, 0.03),  # spam links
        ("ㅋㅋ|ㅠㅠ", 0.1, 0.25),
        ("#태그", 0.1, 0.3),
    ],
)
def test_messes_appear_at_documented_rates(big: pd.DataFrame, pattern: str, low: float, high: float) -> None:
    share = big["text"].str.contains(pattern, regex=True).mean()
    assert low <= share <= high


def test_copy_paste_and_spacing_variants(big: pd.DataFrame) -> None:
    text = big["text"][big["text"].str.strip() != ""]
    assert text.duplicated().mean() >= 0.03  # copy-paste plus popular short entries
    bank = set(synthetic.load_phrases()["text"].str.replace(" ", ""))
    squeezed = text[~text.str.contains(" ")]
    assert squeezed.isin(bank).sum() > 100  # spacing dropped entirely


def test_replies_point_back_on_the_same_channel(big: pd.DataFrame) -> None:
    replies = big[big["parent_id"] != ""]
    assert 0.08 <= len(replies) / len(big) <= 0.16
    position = pd.Series(range(len(big)), index=big["comment_id"])
    position = position[~position.index.duplicated()]
    parents = replies["parent_id"].map(position)
    known = parents.notna()
    assert known.mean() > 0.99
    assert (parents[known].to_numpy() < replies.index[known].to_numpy()).all()
    channel_of = big.drop_duplicates("comment_id").set_index("comment_id")["channel"]
    assert (
        replies["parent_id"][known].map(channel_of).to_numpy() == replies["channel"][known].to_numpy()
    ).all()


def test_timestamps_peak_on_first_day_and_near_the_end(big: pd.DataFrame) -> None:
    data = io.validate_comments(big.drop(columns=["sentiment", "comment_type"])).data
    day = data["created_at"].dt.day.value_counts().sort_index()
    assert set(day.index) == set(range(16, 25))
    middle = day.loc[18:22].mean()
    assert day.loc[16] > 2 * middle and day.loc[24] > 1.5 * middle


def test_repeat_commenters_exist_but_most_comment_once(big: pd.DataFrame) -> None:
    counts = big["author_id"].value_counts()
    assert (counts == 1).mean() > 0.8
    assert 5 <= counts.iloc[0] <= 200


def test_labels_follow_the_phrase(big: pd.DataFrame) -> None:
    assert set(big["comment_type"]) == {"entry", "opinion", "question", "complaint", "spam", "blank"}
    entries = big[big["comment_type"] == "entry"]
    assert 0.45 <= len(entries) / len(big) <= 0.65  # the event theme's entry weight
    assert (big.loc[big["comment_type"] == "spam", "sentiment"] == "neutral").all()


def test_no_emoji_output_is_cp949_encodable() -> None:
    frame = synthetic.generate_comments({**CAMPAIGN, "theme": "transit"}, 3_000, seed=3, emoji=False)
    frame.to_csv(index=False).encode("cp949")  # raises UnicodeEncodeError on any emoji


@pytest.mark.parametrize(
    ("campaign", "n", "message"), [(CAMPAIGN, -1, "n must be"), ({"theme": "war"}, 5, "unknown theme")]
)
def test_bad_parameters(campaign: dict[str, str], n: int, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        synthetic.generate_comments(campaign, n)


def test_zero_rows_and_defaults() -> None:
    assert len(synthetic.generate_comments(None, 0)) == 0
    assert synthetic.generate_comments(None, 10)["campaign_id"].eq("synthetic").all()


def test_a_loaded_campaign_can_drive_the_generator() -> None:
    info = campaigns.load_campaign("incheon-danggeun-apec-2024").info  # tz-aware times, hashtags as a list
    frame = synthetic.generate_comments(info, 2_000, seed=0)
    data = io.validate_comments(frame).data
    assert data["created_at"].between(info["start"], info["end"]).all()
    assert frame["text"].str.contains("#인천당근이지").any()
    assert set(frame["channel"]) == {"danggeun", "facebook", "instagram", "blog"}


def test_write_sample_regenerates_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    written = synthetic.write_sample(tmp_path)
    shipped = config.sample_dir()
    on_disk = {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file() and p.name != "README.md"}
    assert {p.relative_to(tmp_path) for p in written} == on_disk
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == (shipped / relative).read_bytes(), (
            f"{relative} differs: run `civicnlp sample`"
        )


def test_composed_volumes_are_mostly_distinct_with_the_same_messes() -> None:
    frame = synthetic.generate_comments(CAMPAIGN, 20_000, seed=7, with_labels=True, compose=True)
    phrases = synthetic.generate_comments(CAMPAIGN, 20_000, seed=7)
    text = frame["text"][frame["text"].str.strip() != ""]
    assert text.nunique() / len(text) >= 0.7 > phrases["text"].nunique() / len(phrases)
    assert text.duplicated().mean() >= 0.03  # stock entries (참여합니다...) and copy-paste still repeat
    result = io.validate_comments(frame.drop(columns=["sentiment", "comment_type"]))
    assert result.rows_in == len(result.data) + len(result.quarantine) == 20_000
    assert 150 <= result.reasons()["blank text"] <= 260
    for pattern in (r"010[-. ]?\d{4}[-. ]?\d{4}", r"https?://", "#태그"):
        assert frame["text"].str.contains(pattern, regex=True).mean() > 0.005
    # a composed comment keeps its phrase's labels: questions still ask, entries still enter
    entries = frame[frame["comment_type"] == "entry"]
    assert 0.45 <= len(entries) / len(frame) <= 0.65
    questions = frame.loc[frame["comment_type"] == "question", "text"]
    assert questions.str.contains(r"\?|나요|까요|어디|언제|몇", regex=True).mean() > 0.8
    pd.testing.assert_frame_equal(
        frame, synthetic.generate_comments(CAMPAIGN, 20_000, seed=7, with_labels=True, compose=True)
    )


def test_compose_leaves_the_phrase_mix_alone() -> None:
    """The default draws whole phrases (the shipped sample is made that way): every text is a phrase."""
    frame = synthetic.generate_comments(CAMPAIGN, 2_000, seed=1, emoji=False, with_labels=True)
    bank = synthetic.load_phrases()["text"]
    plain = frame[frame["comment_type"].isin(["opinion", "question", "complaint"])]["text"]
    assert plain.isin(bank).mean() > 0.5
    composed = synthetic.generate_comments(CAMPAIGN, 2_000, seed=1, emoji=False, compose=True)["text"]
    assert composed.isin(bank).mean() < 0.2


def test_write_exports_needs_a_capture_time(tmp_path: Path) -> None:
    generated = synthetic.sample_comments("incheon-danggeun-apec-2024").drop(
        columns=["sentiment", "comment_type"]
    )
    with pytest.raises(ParameterError, match="captured_at"):
        synthetic.write_exports(generated, tmp_path, captured_at=None)
