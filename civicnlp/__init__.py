"""civicnlp: how did citizens react to a Korean civic campaign, on each channel, and what next?

The few names a notebook needs are importable from here; nothing heavy happens at import
(no JVM, no model load).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from civicnlp.exceptions import CivicNLPError

try:
    __version__ = version("civicnlp")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["CivicNLPError", "__version__"]
