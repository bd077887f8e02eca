"""The public surface: every exported name resolves, and importing civicnlp starts nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import civicnlp


@pytest.mark.parametrize("name", sorted(set(civicnlp.__all__) - {"__version__"}))
def test_every_exported_name_resolves(name):
    assert getattr(civicnlp, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        civicnlp.nope  # noqa: B018


def test_import_starts_no_jvm_and_loads_no_heavy_module():
    code = (
        "import sys, civicnlp; "
        "heavy = [m for m in ('jpype', 'konlpy', 'sklearn', 'pandas', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
