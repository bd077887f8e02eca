"""The campaign folder: the shipped sample loads with full accounting; files are found by exact name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from civicnlp import campaigns, config, io
from civicnlp.exceptions import CapturedAtRequired, ParameterError

TABLE = "comment_id,campaign_id,channel,text,created_at\n1,c,danggeun,참여합니다,2024-05-16 13:05\n"


def accounted(result: io.LoadResult) -> None:
    assert result.rows_in == len(result.data) + len(result.quarantine)


# ---------------------------------------------------------------- the shipped sample

SAMPLE_IDS = ["incheon-danggeun-apec-2024", "incheon-bus-parking-2024", "incheon-sea-light-festival-2024"]


@pytest.fixture(scope="module")
def sample() -> dict[str, campaigns.Campaign]:
    return {cid: campaigns.load_campaign(cid) for cid in SAMPLE_IDS}


def test_sample_campaigns_load_with_full_accounting(sample: dict[str, campaigns.Campaign]) -> None:
    assert campaigns.list_campaigns() == SAMPLE_IDS
    for campaign_id, campaign in sample.items():
        comments = campaign.comments
        accounted(comments)
        assert comments.rows_quarantined > 0  # the sample carries real-export messes on purpose
        assert (comments.data["campaign_id"] == campaign_id).all()
        window = comments.data["created_at"].between(
            campaign.info["start"] - pd.Timedelta(days=1), campaign.info["end"]
        )
        assert window.all()
        assert len(campaign.releases) >= 2 and (campaign.releases["campaign_id"] == campaign_id).all()
        assert campaign.files and all(path.is_file() for path in campaign.files.values())
    assert sum(len(c.comments.data) for c in sample.values()) >= 2000
    assert sample["incheon-danggeun-apec-2024"].info["hashtags"][0] == "#인천당근이지"


def test_sample_has_one_cp949_file() -> None:
    raw = (config.sample_dir() / "comments" / "incheon-bus-parking-2024.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "버스" in raw.decode("cp949")


def test_sample_labels_point_at_kept_comments(sample: dict[str, campaigns.Campaign]) -> None:
    labels = io.read_table(config.sample_dir() / "labels.csv")
    assert len(labels) >= 300 and labels["comment_id"].is_unique
    key = ["campaign_id", "channel", "text"]
    kept = pd.concat([c.comments.data[key] for c in sample.values()]).drop_duplicates()
    assert len(labels.merge(kept, on=key, validate="many_to_one")) == len(labels)
    assert set(labels["sentiment"]) == {"negative", "neutral", "positive"}
    assert set(labels["comment_type"]) <= {"entry", "opinion", "question", "complaint", "spam"}


def test_a_campaign_shipped_as_channel_exports(sample: dict[str, campaigns.Campaign]) -> None:
    """The APEC campaign is read from raw/<id>/ as each channel exported it; every file is fingerprinted."""
    campaign = sample["incheon-danggeun-apec-2024"]
    raw = config.sample_dir() / "raw" / "incheon-danggeun-apec-2024"
    assert sorted(p for k, p in campaign.files.items() if k.startswith("raw/")) == sorted(raw.iterdir())
    data = campaign.comments.data
    assert set(data["channel"]) == {"danggeun", "facebook", "instagram", "blog"}
    assert data.loc[data["channel"] == "danggeun", "neighbourhood"].notna().all()
    assert campaign.comments.name == "raw/incheon-danggeun-apec-2024/ (5 files)"
    # the pasted blog list says "N시간 전": resolved against captured_at, so none is lost to a bad date
    blog = data[data["channel"] == "blog"]
    assert blog["created_at"].max() > pd.Timestamp("2024-05-24 09:30", tz="Asia/Seoul")


def test_a_campaign_with_both_a_table_and_exports_is_refused(tmp_path: Path) -> None:
    folder = shutil.copytree(config.sample_dir(), tmp_path / "sample")
    shutil.copy(
        folder / "comments" / "incheon-bus-parking-2024.csv",
        folder / "comments" / "incheon-danggeun-apec-2024.csv",
    )
    with pytest.raises(ParameterError, match="keep the comments in one of them"):
        campaigns.load_campaign("incheon-danggeun-apec-2024", folder)


def test_pasted_exports_need_the_campaigns_capture_time(tmp_path: Path) -> None:
    folder = shutil.copytree(config.sample_dir(), tmp_path / "sample")
    table = io.read_table(folder / "campaigns.csv").drop(columns="captured_at")
    table.to_csv(folder / "campaigns.csv", index=False)
    expected = r"blog\.txt: captured_at is required.*captured_at in campaigns\.csv"
    with pytest.raises(CapturedAtRequired, match=expected):
        campaigns.load_campaign("incheon-danggeun-apec-2024", folder)


def test_unknown_campaign_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"unknown campaign 'nope'.*incheon-danggeun-apec-2024"):
        campaigns.load_campaign("nope")
    with pytest.raises(ParameterError, match="missing file"):
        campaigns.load_campaign(SAMPLE_IDS[0], "/nonexistent")
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(config.sample_dir() / "campaigns.csv", empty)
    with pytest.raises(ParameterError, match=r"no comments for .*raw/incheon-danggeun-apec-2024/"):
        campaigns.load_campaign(SAMPLE_IDS[0], empty)


def test_comments_are_found_by_exact_name_never_by_glob(tmp_path: Path) -> None:
    (tmp_path / "comments").mkdir()
    (tmp_path / "comments" / "alpha.csv").write_text(TABLE, encoding="utf-8")
    (tmp_path / "comments" / "alp.tsv").write_text(TABLE.replace(",", "\t"), encoding="utf-8")
    assert campaigns.comments_source("alp", tmp_path).name == "alp.tsv"
    for pattern in ("alp*", "alph?", "[a]lpha"):
        with pytest.raises(ParameterError, match="campaign_id"):
            campaigns.comments_source(pattern, tmp_path)
