"""Reports side by side: the latest one of a campaign, and what changed since."""

from __future__ import annotations

import json

import pandas as pd

from civicnlp import compare


def test_latest_summary_skips_the_current_run_and_temp_folders(tmp_path):
    for name, run_id, created in [
        ("2024-05-20", "a", "2024-05-20T10:00:00+09:00"),
        ("2024-05-21", "b", "2024-05-21T10:00:00+09:00"),
        (".2024-05-22.tmp-c", "c", "2024-05-22T10:00:00+09:00"),
    ]:
        folder = tmp_path / "alpha" / name
        folder.mkdir(parents=True)
        manifest = {"run_id": run_id, "created_at": created}
        (folder / "summary.json").write_text(
            json.dumps({"comments": 1, "manifest": manifest}), encoding="utf-8"
        )
    assert compare.latest_summary(tmp_path, "alpha")["manifest"]["run_id"] == "b"
    assert compare.latest_summary(tmp_path, "alpha", exclude="b")["manifest"]["run_id"] == "a"
    assert compare.latest_summary(tmp_path, "beta") is None
    assert compare.latest_summary(None, "alpha") is None


def test_comparison_sentences_state_the_change():
    now = {"comments": 120, "opinion_sentiment": {"net": 0.25}}
    before = {"comments": 100, "opinion_sentiment": {"net": 0.35}}
    assert compare.comparison_sentences(now, before, "지난 보고서") == [
        "지난 보고서 대비 댓글 수는 20건 늘었습니다.",
        "의견 순감성은 지난 보고서 대비 -10%p 변했습니다.",
    ]
    assert compare.comparison_sentences(now, None, "지난 보고서") == []


def test_a_net_sentiment_from_another_sentiment_model_is_not_compared():
    card = {"trained_at": "2026-12-06T12:24:13Z"}
    now = {"comments": 100, "opinion_sentiment": {"net": 0.07}}
    before = {
        "comments": 100,
        "opinion_sentiment": {"net": -0.04},
        "manifest": {"models": {"sentiment": {"trained_at": "2026-12-01T09:38:26Z"}, "toxicity": card}},
    }
    models = {"sentiment": card, "toxicity": card}
    assert compare.changed_models(models, before) == {
        "sentiment": ("2026-12-01T09:38:26Z", "2026-12-06T12:24:13Z")
    }
    sentences = compare.comparison_sentences(now, before, "지난 보고서", models=models)
    assert sentences[0] == "지난 보고서 대비 댓글 수는 같습니다."
    assert "감성 모델이 지난 보고서와 달라(학습 시각 2026-12-01 09:38 → 2026-12-06 12:24 UTC)" in sentences[1]
    assert not any("%p" in s for s in sentences)
    table = compare.comparison_table(now, {"지난 보고서": before}, models=models)
    assert table.loc["의견 순감성", "이번 보고서"] == 0.07
    assert pd.isna(table.loc["의견 순감성", "지난 보고서"])
    assert table.loc["댓글 수", "지난 보고서"] == 100
    assert compare.comparison_table(now, {"지난 보고서": before}).loc["의견 순감성", "지난 보고서"] == -0.04
    same = {"sentiment": {"trained_at": "2026-12-01T09:38:26Z"}}
    assert compare.comparison_sentences(now, before, "지난 보고서", models=same)[1].endswith(
        "+11%p 변했습니다."
    )
    assert compare.changed_models(models, {"comments": 1}) == {}  # no manifest: nothing to tell
