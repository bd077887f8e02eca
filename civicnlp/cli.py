"""The ``civicnlp`` command: each subcommand is a thin shell over the function a notebook would call."""

from __future__ import annotations

import sys

import click

from civicnlp import __version__
from civicnlp.exceptions import CivicNLPError


class _Group(click.Group):
    """Turns civicnlp's own errors into one readable line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except CivicNLPError as exc:
            click.echo(f"civicnlp: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicnlp")
def main() -> None:
    """civicnlp: campaign reaction reports for Korean civic communications."""


# --- commands: each block below is owned by one module; keep them in the data's order ---
# [ingest]
# [tokenize]
# [train/evaluate]
# [annotate/report]
# [doctor]


if __name__ == "__main__":
    main()
