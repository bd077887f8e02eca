"""The ``civicnlp`` command: each subcommand is a thin shell over the function a notebook would call."""

from __future__ import annotations

import sys

import click

from civicnlp import __version__
from civicnlp.exceptions import CivicNLPError
from civicnlp.labels import CHANNELS, MODEL_NAMES


class _Group(click.Group):
    """Turns civicnlp's own errors into one readable line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CivicNLPError as exc:
            click.echo(f"civicnlp: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicnlp")
def main() -> None:
    """civicnlp: campaign reaction reports for Korean civic communications."""


# --- commands, in the data's order: ingest, tokenize, train/evaluate, annotate/report, doctor ---
@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--kind", type=click.Choice(["comments", "campaigns", "releases"]), default="comments", show_default=True
)
@click.option("--columns", default=None, help="Rename columns from the file: text=내용,created_at=작성일시")
@click.option("--campaign-id", default=None, help="comments: fill a missing or blank campaign_id column.")
@click.option("--quarantine", "quarantine_path", type=click.Path(dir_okay=False), help="CSV for bad rows.")
def validate(
    path: str, kind: str, columns: str | None, campaign_id: str | None, quarantine_path: str | None
) -> None:
    """Check a file against the data contract; print the row accounting (exit 0 with quarantined rows)."""
    from civicnlp import io

    if campaign_id is not None and kind != "comments":
        raise click.UsageError("--campaign-id is for --kind comments")
    if kind == "comments":
        result = io.load_comments(path, columns=columns, campaign_id=campaign_id)
    else:
        result = (io.load_campaigns if kind == "campaigns" else io.load_releases)(path, columns=columns)
    if quarantine_path:
        io.write_table(result.quarantine, quarantine_path)
    click.echo(result.summary())


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Default: data/sample")
def sample(out_dir: str | None) -> None:
    """Regenerate the sample campaigns (deterministic: the shipped files come out byte-identical)."""
    from civicnlp import campaigns, config, synthetic

    target = out_dir or str(config.sample_dir())
    for path in synthetic.write_sample(target):
        click.echo(f"wrote {path}")
    for campaign_id in synthetic.sample_campaign_ids():
        click.echo(campaigns.load_campaign(campaign_id, target).comments.summary())


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--campaign", "campaign_id", required=True, help="The campaign these comments answer.")
@click.option("--channel", type=click.Choice(CHANNELS), default=None)
@click.option("--captured-at", default=None, help="When pasted pages were copied (Seoul time), for '3분 전'.")
@click.option("--columns", default=None, help="Rename columns of plain tables: text=내용,created_at=작성일시")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="A .parquet file.")
@click.option("--quarantine", "quarantine_path", type=click.Path(dir_okay=False), help="CSV for bad rows.")
def ingest(
    paths: tuple[str, ...],
    campaign_id: str,
    channel: str | None,
    captured_at: str | None,
    columns: str | None,
    out_path: str,
    quarantine_path: str | None,
) -> None:
    """Read channel exports (files or folders) into one comments Parquet; print a line per channel."""
    from civicnlp import channels

    result = channels.read_channel(
        list(paths), channel, campaign_id=campaign_id, captured_at=captured_at, columns=columns
    )
    channels.write_comments(result, out_path, quarantine=quarantine_path)
    for line in channels.summary_lines(result):
        click.echo(line)
    click.echo(f"wrote {out_path}: {result.summary()}")


@main.command("tokenize")
@click.argument("text", required=False)
@click.option(
    "--backend", default="mecab", show_default=True, help="mecab, okt, komoran, kkma, hannanum or kiwi."
)
@click.option("--pos", "pos", default="content", show_default=True, help="nouns, content or all.")
@click.option("--lemma", is_flag=True, help="Dictionary forms of verbs and adjectives.")
def tokenize_command(text: str | None, backend: str, pos: str, lemma: bool) -> None:
    """Print the tokens of TEXT, or of each line of stdin, space-joined, one line each."""
    from civicnlp.tokenize import Tokenizer

    tok = Tokenizer(backend=backend, pos=pos, lemma=lemma)
    lines = [text] if text is not None else sys.stdin.read().splitlines()
    for tokens in tok.tokenize(lines):
        click.echo(" ".join(tokens))


@main.command()
@click.argument("name", type=click.Choice(MODEL_NAMES))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: shipped)")
@click.option("--data-home", type=click.Path(file_okay=False), help="Corpora folder ($CIVICNLP_DATA_HOME)")
@click.option("--extra-labels", type=click.Path(exists=True, dir_okay=False), help="Labelled rows to add")
def train(name: str, out_dir: str | None, data_home: str | None, extra_labels: str | None) -> None:
    """Fit model NAME on its corpus, score it on the held-out split, write NAME.skops + model card."""
    from civicnlp import training

    card = training.train(name, data_home=data_home, out_dir=out_dir, extra_labels=extra_labels)
    val = card["validation"]
    click.echo(
        f"{name}: accuracy {val['accuracy']:.4f}, macro-F1 {val['macro_f1']:.4f}, ECE {val['ece']:.4f} "
        f"on {card['rows']['validation']:,} held-out rows; trained in {card['train_seconds']:.0f} s"
    )


@main.command()
@click.argument("name", type=click.Choice(MODEL_NAMES))
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True)
@click.option("--label-col", default="label", show_default=True)
@click.option("--model-dir", type=click.Path(file_okay=False), help="Folder of NAME.skops (default: shipped)")
def evaluate(name: str, data_path: str, text_col: str, label_col: str, model_dir: str | None) -> None:
    """Print model NAME's metrics (JSON) on a labelled file (CSV/TSV/JSONL/XLSX/Parquet)."""
    import json

    from civicnlp import classify, training
    from civicnlp.exceptions import ParameterError
    from civicnlp.io import read_table

    df = read_table(data_path)
    missing = [c for c in (text_col, label_col) if c not in df.columns]
    if missing:
        columns = ", ".join(df.columns)
        raise ParameterError(f"{data_path} has no column {', '.join(missing)}; columns: {columns}")
    model = classify.load_model(name, model_dir=model_dir)
    metrics = training.evaluate(model, df[text_col].tolist(), df[label_col].tolist())
    click.echo(json.dumps(metrics, ensure_ascii=False, indent=2))


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(),
    help="a .csv/.parquet file, or a folder (annotated/ + quarantine/ for report --annotated)",
)
@click.option("--quarantine", "quarantine_path", type=click.Path(dir_okay=False), help="Quarantined rows.")
@click.option("--columns", default=None, help="Rename columns from the file: text=내용,created_at=작성일시")
@click.option("--campaign-id", default=None, help="Fill a missing or blank campaign_id column.")
@click.option("--campaigns", "campaigns_path", type=click.Path(dir_okay=False), help="Entry hashtags.")
@click.option("--engine", type=click.Choice(["pandas", "dask"]), default="pandas", show_default=True)
@click.option("--scheduler", default=None, help="dask: a running cluster's address (tcp://host:8786).")
@click.option("--workers", type=int, default=None, help="dask without --scheduler: local worker processes.")
def annotate(
    inputs: tuple[str, ...],
    out_path: str,
    quarantine_path: str | None,
    columns: str | None,
    campaign_id: str | None,
    campaigns_path: str | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Score and flag comments (PII masked, raw text never written); print read / annotated / quarantined.

    With --engine dask, INPUTS may be several files, folders or quoted globs, and --out a folder that gets
    annotated/ and quarantine/ as partitioned Parquet.
    """
    if engine == "dask":
        from civicnlp.distributed import annotate_dask

        if quarantine_path is not None:
            raise click.UsageError("--quarantine is for --engine pandas; dask writes OUT/quarantine/")
        summary = annotate_dask(
            inputs,
            out_path,
            scheduler=scheduler,
            n_workers=workers,
            campaign=campaigns_path,
            campaign_id=campaign_id,
            columns=columns,
        )
        click.echo(summary.summary())
        return
    from civicnlp.annotate import annotate_file

    if len(inputs) != 1 or scheduler is not None or workers is not None:
        raise click.UsageError("--engine pandas takes one INPUT file and no --scheduler/--workers")
    result = annotate_file(
        inputs[0],
        out=out_path,
        quarantine=quarantine_path,
        columns=columns,
        campaign_id=campaign_id,
        campaigns=campaigns_path,
    )
    click.echo(result.summary())


@main.command()
@click.option("--campaign", "campaign_id", help="The campaign id (campaigns.csv) to report on.")
@click.option("--all", "all_campaigns", is_flag=True, help="Report on every campaign in the data folder.")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False), help="YAML file of campaigns to run.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), help="Data folder [data/sample].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Reports folder [reports/].")
@click.option("--notebook", type=click.Path(dir_okay=False), help="Notebook to run.")
@click.option(
    "--annotated",
    "annotated_dir",
    type=click.Path(exists=True),
    help="An annotate --engine dask --out folder: report on its partitioned rows (any size).",
)
@click.option(
    "--columns", default=None, help="The comments tables' own column names: text=내용,created_at=작성일시"
)
@click.option("-p", "--parameter", "params", type=(str, str), multiple=True, help="Set a notebook parameter.")
def report(
    campaign_id: str | None,
    all_campaigns: bool,
    batch_file: str | None,
    data_dir: str | None,
    out_dir: str | None,
    notebook: str | None,
    annotated_dir: str | None,
    columns: str | None,
    params: tuple[tuple[str, str], ...],
) -> None:
    """Execute the campaign report notebook; print the HTML's path (batches: one log line per run)."""
    from civicnlp import report as rep

    if sum([campaign_id is not None, all_campaigns, batch_file is not None]) != 1:
        raise click.UsageError("give exactly one of --campaign ID, --all or --batch FILE")
    parameters = {name: rep.parse_parameter(value) for name, value in params}
    if annotated_dir is not None:
        parameters["annotated_dir"] = annotated_dir
    if columns is not None:
        parameters["columns"] = columns
    if campaign_id is not None:
        html = rep.run_report(
            campaign_id, data_dir=data_dir, out_dir=out_dir, parameters=parameters, notebook=notebook
        )
        click.echo(str(html))
        return
    if batch_file is not None:
        runs = rep.read_batch_file(batch_file, notebook=notebook)
    else:
        from civicnlp.campaigns import list_campaigns

        runs = [
            rep.BatchRun(c, data_dir=data_dir, out_dir=out_dir, parameters=parameters, notebook=notebook)
            for c in list_campaigns(data_dir)
        ]
    failed = [r for r in rep.run_batch(runs, echo=click.echo) if r.status != "ok"]
    click.echo(f"{len(runs) - len(failed)} of {len(runs)} reports done", err=True)
    if failed:
        sys.exit(1)


@main.command()
def doctor() -> None:
    """Check Java, taggers, kernel, fonts, models and data home; exit 1 if the default path is broken."""
    from civicnlp.doctor import doctor as run_doctor

    sys.exit(run_doctor(click.echo))


if __name__ == "__main__":
    main()
