"""civicnlp: how did citizens react to a Korean civic campaign, on each channel, and what next?

The few names a notebook needs are importable from here. They load on first use (PEP 562), so
``import civicnlp`` stays light: no JVM, no model, no scikit-learn until a name is asked for.

The modules follow the data's path: ``io`` (read, validate, the one writer) → ``campaigns`` / ``channels`` →
``normalize`` / ``pii`` → ``tokenize`` → ``classify`` → ``annotate`` → ``aggregate`` / ``keywords`` →
``findings`` → ``pipeline`` → ``display`` / ``plots`` / ``sections`` → ``report`` (papermill) / ``compare``.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from civicnlp.exceptions import CivicNLPError

try:
    __version__ = version("civicnlp")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    "read_table": "io",
    "load_comments": "io",
    "load_campaign": "campaigns",
    "LoadResult": "io",
    "read_channel": "channels",
    "Campaign": "campaigns",
    "normalize_text": "normalize",
    "normalize_series": "normalize",
    "split_sentences": "normalize",
    "extract_hashtags": "normalize",
    "mask_pii": "pii",
    "mask_pii_series": "pii",
    "Tokenizer": "tokenize",
    "available_backends": "tokenize",
    "TokenizerWarning": "exceptions",
    "DataContractError": "exceptions",
    "ParameterError": "exceptions",
    "ModelError": "exceptions",
    "ReportError": "exceptions",
    "BackendError": "exceptions",
    "load_model": "classify",
    "model_card": "classify",
    "annotate_comments": "annotate",
    "write_table": "io",
    "redact": "io",
    "summarize": "aggregate",
    "summary_sentences": "aggregate",
    "discover_themes": "keywords",
    "kwic": "keywords",
    "run_report": "report",
    "generate_comments": "synthetic",
}

__all__ = ["CivicNLPError", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'civicnlp' has no attribute {name!r}")
    value = getattr(import_module(f"civicnlp.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
