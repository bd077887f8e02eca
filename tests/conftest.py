"""Shared fixtures. A test that needs a public corpus asks for it with ``require_corpus(name)``:
it skips when the corpus is absent, unless the run demands the corpora (CIVICNLP_REQUIRE_DATA=1, as CI does),
in which case the absence is a failure."""

from __future__ import annotations

from pathlib import Path

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
