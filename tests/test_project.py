"""The project's own files: environment.yml mirrors pyproject.toml; the promised make targets exist."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

# Conda spells a few packages differently from PyPI.
CONDA_TO_PYPI = {"jpype1": "jpype1"}


def _pyproject_deps() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {canonicalize_name(r.name): str(r.specifier) for r in reqs}


def _environment_deps() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    entries: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            entries += [e for e in item["pip"] if not e.startswith("-")]
        else:
            entries.append(item)
    deps = {}
    for entry in entries:
        req = Requirement(entry)
        name = canonicalize_name(CONDA_TO_PYPI.get(req.name.lower(), req.name))
        if name not in {"python", "pip"}:
            deps[name] = str(req.specifier)
    return deps


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_deps() == _pyproject_deps()


def test_every_dependency_has_a_lower_bound():
    for name, spec in _pyproject_deps().items():
        assert ">=" in spec, f"{name} has no lower bound in pyproject.toml"


def test_makefile_has_the_targets_the_readme_names():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, flags=re.M))
    assert {"setup", "report", "test", "lab", "doctor"} <= targets
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("make report", "make test", "make lab"):
        assert target in readme


def test_ci_runs_make_test_with_the_corpora_demanded():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "CIVICNLP_REQUIRE_DATA=1" in ci
