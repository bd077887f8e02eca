"""Where things live: one place for paths and settings, each overridable by an environment variable.

| variable | meaning | default |
| --- | --- | --- |
| ``CIVICNLP_DATA_HOME`` | public corpora (NSMC, petitions, YNAT, BEEP!) | ``~/civicnlp_data`` |
| ``CIVICNLP_REQUIRE_DATA`` | ``1``: a test that needs a corpus fails instead of skipping | unset |
| ``CIVICNLP_CACHE_DIR`` | on-disk caches (tokenization) | the platform's user cache dir |
| ``CIVICNLP_PROJECT_DIR`` | the workbench (data, notebooks, reports) | this checkout, else cwd |
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "CACHE_DIR_ENV",
    "DATA_HOME_ENV",
    "KERNEL_NAME",
    "PROGRESS_ENV",
    "PROJECT_DIR_ENV",
    "REQUIRE_DATA_ENV",
    "cache_dir",
    "data_home",
    "notebooks_dir",
    "project_dir",
    "reports_dir",
    "require_data",
    "sample_dir",
]

DATA_HOME_ENV = "CIVICNLP_DATA_HOME"
REQUIRE_DATA_ENV = "CIVICNLP_REQUIRE_DATA"
CACHE_DIR_ENV = "CIVICNLP_CACHE_DIR"
#: "0": no progress bars (a report run sets it), "1": bars even into a pipe; unset: where someone watches.
PROGRESS_ENV = "CIVICNLP_PROGRESS"
PROJECT_DIR_ENV = "CIVICNLP_PROJECT_DIR"

#: Name of the Jupyter kernel that ``make setup`` registers and papermill runs reports in.
KERNEL_NAME = "civicnlp"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Public corpora folder: the argument, else ``$CIVICNLP_DATA_HOME``, else ``~/civicnlp_data``."""
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get(DATA_HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / "civicnlp_data"


def require_data() -> bool:
    """True when the run demands the corpora (CI), so a missing corpus is a failure, not a skip."""
    return _truthy(os.environ.get(REQUIRE_DATA_ENV))


def cache_dir() -> Path:
    """The folder for on-disk caches (created on first use by whoever writes there)."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("civicnlp"))


def project_dir() -> Path:
    """The workbench checkout: ``$CIVICNLP_PROJECT_DIR``, else the checkout around this package, else cwd."""
    env = os.environ.get(PROJECT_DIR_ENV)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "notebooks").is_dir() and (checkout / "data").is_dir():
        return checkout
    return Path.cwd()


def sample_dir() -> Path:
    """The shipped sample campaigns (``data/sample``)."""
    return project_dir() / "data" / "sample"


def civic_validation_path() -> Path:
    """Civic comments written and labelled for this project, for evaluation only (``data/civic``)."""
    return project_dir() / "data" / "civic" / "validation.csv"


def reports_dir() -> Path:
    """Where ``civicnlp report`` writes by default (``reports/``)."""
    return project_dir() / "reports"


def notebooks_dir() -> Path:
    """The report and exploration notebooks (``notebooks/``)."""
    return project_dir() / "notebooks"
