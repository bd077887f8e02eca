"""Shared fixtures. A test that needs a public corpus asks for it with ``require_corpus(name)``:
it skips when the corpus is absent, unless the run demands the corpora (CIVICNLP_REQUIRE_DATA=1, as CI does),
in which case the absence is a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicnlp import config

SHARED = Path(__file__).resolve().parents[2] / "shared"


def require_corpus(name: str) -> Path:
    """Return the corpus folder ``<data home>/<name>``, or skip/fail as the data-home rule says."""
    folder = config.data_home() / name
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    message = f"corpus {name!r} not found in the data home {config.data_home()} (set {config.DATA_HOME_ENV})"
    if config.require_data():
        pytest.fail(message + f"; this run demands it ({config.REQUIRE_DATA_ENV}=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def seed_release_text() -> str:
    """The real press release that started the project (../shared/seed)."""
    files = sorted((SHARED / "seed").glob("*.txt"))
    if not files:
        if config.require_data():
            pytest.fail("../shared/seed is missing")
        pytest.skip("../shared/seed is missing")
    return files[0].read_text(encoding="utf-8")


# A tiny labelled set and the five pipelines fitted on it: the estimator contract without a corpus.
TINY_TEXTS = [
    "축제 정말 즐거웠어요 최고!",
    "주차 단속 너무 심하네요 최악입니다",
    "아이들과 함께 다녀왔는데 좋았어요",
    "버스 배차 간격이 길어서 불편해요",
    "행사 준비 감사합니다",
    "쓰레기 문제 해결해 주세요",
] * 3
TINY_LABELS = {
    "sentiment": ["positive", "negative", "neutral"] * 6,
    "policy_area": ["문화/예술/체육/언론", "교통/건축/국토", "육아/교육"] * 6,
    "news_section": ["사회", "경제", "스포츠"] * 6,
    "toxicity": ["none", "toxic"] * 9,
    "reply": ["other", "reply"] * 9,
}


@pytest.fixture(scope="module")
def tiny_models() -> dict[str, Any]:
    from civicnlp import classify, training

    return {
        name: training.compact_model(training.build_pipeline(name).fit(TINY_TEXTS, TINY_LABELS[name]))
        for name in classify.MODEL_NAMES
    }
