"""One call builds a report's data on the real sample campaign; the summary agrees with the tables its
charts draw, and the outputs are written through the one writer."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from civicnlp import aggregate, findings, labels, pipeline

CAMPAIGN = "incheon-danggeun-apec-2024"


@pytest.fixture(scope="module")
def data() -> pipeline.ReportData:
    return pipeline.build(CAMPAIGN)


def test_every_row_is_accounted_for(data):
    quality = data.data_quality
    assert quality["rows_in"] == quality["annotated"] + quality["quarantined"]
    assert quality["reported"] == len(data.scored) == data.summary["comments"]
    assert sum(quality["quarantine_reasons"].values()) == len(data.quarantine)
    assert "text" not in data.quarantine.columns  # redacted: masked text only


def test_the_summary_says_what_the_charts_draw(data):
    opinions = data.opinions
    chart = aggregate.top_keywords(opinions, 10)  # the keyword chart of section 6
    assert [k["token"] for k in data.summary["top_keywords"]] == chart["token"].tolist()
    assert [k["comments"] for k in data.summary["top_keywords"]] == chart["comments"].tolist()
    shares = aggregate.sentiment_shares(data.scored, by=("channel",), opinions_only=True)  # section 4's table
    assert data.summary["opinion_sentiment"]["n"] == shares["n"].sum() == len(opinions)
    for name in ("negative", "positive"):
        assert data.summary["opinion_sentiment"][name]["count"] == shares[f"n_{name}"].sum()
    assert data.summary["actionable"] == len(aggregate.actionable_comments(data.scored, n=None))
    sentences = aggregate.summary_sentences(data.summary)
    top = data.summary["top_keywords"][0]
    assert any(f"‘{top['token']}’({top['comments']:,}건)" in s and "의견 댓글" in s for s in sentences)


def test_concerns_are_not_the_campaigns_own_words(data):
    assert len(data.concerns)
    words = {w for ws in data.concerns["words"] for w in ws}
    assert not words & data.campaign_terms
    assert {"APEC", "유치"} <= data.campaign_terms


def test_next_steps_hold_the_samples_findings_and_only_those(data):
    actions = [s["할 일"] for s in data.next_steps]
    assert actions[0] == "질문·요청 댓글에 답하기"
    assert any(a.startswith("응모 방법") for a in actions)  # can't find the post, when are winners announced
    gaps = findings.channel_gaps(data.scored)
    named = {a.removesuffix(" 채널의 반응 살펴보기") for a in actions if a.endswith("채널의 반응 살펴보기")}
    assert named == {labels.channel_name(c) for c in gaps.loc[gaps["differs"], "channel"]}
    assert set(gaps["channel"]) == set(aggregate.opinions(data.scored)["channel"])  # every channel weighed


def test_write_outputs_writes_the_csv_and_the_summary(data, tmp_path):
    manifest = pipeline.write_outputs(
        data, tmp_path, run_id="r1", parameters={"top_n": 15}, warnings=["UserWarning: x"]
    )
    scored = pd.read_csv(tmp_path / "comments_scored.csv")
    assert len(scored) == len(data.scored) and "text" not in scored.columns
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["manifest"] == json.loads(json.dumps(manifest)) and manifest["run_id"] == "r1"
    assert manifest["parameters"]["top_n"] == 15 and manifest["parameters"]["campaign_id"] == CAMPAIGN
    assert set(manifest["models"]) == set(data.models) and manifest["inputs"]
    assert summary["warnings"] == ["UserWarning: x"] and summary["data_quality"] == data.data_quality
    assert summary["next_steps"] == data.next_steps


def test_a_selection_narrows_every_number(data):
    narrow = pipeline.build(CAMPAIGN, channels=["facebook"], date_from="2024-05-16", date_to="2024-05-18")
    assert set(narrow.scored["channel"]) == {"facebook"}
    assert narrow.data_quality["outside_selection"] == narrow.data_quality["annotated"] - len(narrow.scored)
    assert narrow.summary["comments"] == len(narrow.scored) < data.summary["comments"]


def test_comments_about_no_policy_mostly_get_no_policy_area(tmp_path):
    from conftest import require_corpus

    from civicnlp import datasets

    require_corpus("korean_hate_speech")
    texts = datasets.load_beep("dev")["text"]  # entertainment-news comments: about no policy at all
    (tmp_path / "comments").mkdir()
    pd.DataFrame(
        {"comment_id": range(len(texts)), "campaign_id": "news", "channel": "blog", "text": texts,
         "created_at": "2024-05-16 10:00"}
    ).to_csv(tmp_path / "comments" / "news.csv", index=False)  # fmt: skip
    (tmp_path / "campaigns.csv").write_text(
        "campaign_id,name,start,end\nnews,연예 뉴스,2024-05-16,2024-05-17\n"
    )
    data = pipeline.build("news", data_dir=tmp_path)
    coverage = data.summary["policy_area_coverage"]
    assert coverage["comments"] == len(data.opinions) and coverage["share"] < 0.3
    assert data.opinions["policy_area"].isin(labels.NO_AREA).mean() > 0.7
    sentence = next(s for s in aggregate.summary_sentences(data.summary) if "정책 분야가 정해진 것은" in s)
    assert f"{coverage['with_area']:,}건" in sentence and labels.NO_POLICY_AREA in sentence
