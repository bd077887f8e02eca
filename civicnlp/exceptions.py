"""One exception hierarchy, with messages a user can act on."""

from __future__ import annotations

__all__ = [
    "BackendError",
    "CapturedAtRequired",
    "CivicNLPError",
    "CorpusNotFoundError",
    "DataContractError",
    "JavaNotFoundError",
    "ModelError",
    "ParameterError",
    "ReportError",
    "TokenizerWarning",
]


class CivicNLPError(Exception):
    """Base class of every error civicnlp raises on purpose."""


class DataContractError(CivicNLPError, ValueError):
    """An input file does not match the data contract (missing column, unreadable file, ...)."""


class CorpusNotFoundError(CivicNLPError, FileNotFoundError):
    """A public corpus is not in the data home (and could not be fetched)."""


class BackendError(CivicNLPError, RuntimeError):
    """A tokenizer backend cannot be used here; the message says how to fix it."""


class JavaNotFoundError(BackendError):
    """No Java runtime could be found for the KoNLPy Java taggers."""


class ModelError(CivicNLPError):
    """A model file is missing, untrusted or does not fit what was asked."""


class ParameterError(CivicNLPError, ValueError):
    """A parameter given to a command is invalid (unknown campaign, bad date, missing file)."""


class CapturedAtRequired(ParameterError):
    """A pasted comment list shows times relative to when it was copied ("3분 전"), and that moment was not
    given (``captured_at``)."""


class TokenizerWarning(UserWarning):
    """A tokenizer backend failed on, or ran out of time for, part of a text; that part was kept as words."""


class ReportError(CivicNLPError, RuntimeError):
    """Executing a report notebook failed; carries the cell and the kept notebook's path."""

    def __init__(self, message: str, *, cell_index: int | None = None, notebook_path: str | None = None):
        super().__init__(message)
        self.cell_index = cell_index
        self.notebook_path = notebook_path
