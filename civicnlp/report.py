"""Run the campaign report notebook with papermill and publish its outputs atomically.

One report is ``reports/<campaign>/<YYYY-MM-DD>/`` (the run's date in Seoul) holding ``report.ipynb`` (the
executed notebook, code included), ``report.html`` (code hidden, images embedded), ``comments_scored.csv``
and ``summary.json``.

Concurrency: each run works in its own hidden folder beside the target
(``reports/<campaign>/.<date>.tmp-<run_id>``) and renames it into place only when everything is written.
``rename`` is atomic and refuses a non-empty target, so when the dated folder already exists (an earlier run
today, or a concurrent run that finished first) this run lands in ``<date>-<run_id>`` instead: two runs never
write into one folder and a reader never sees a half-written report.

Failure: parameters are checked before any kernel starts (:class:`ParameterError`); a cell that raises becomes
a :class:`ReportError` naming the cell and the exception, and the partly executed notebook is kept as
``reports/<campaign>/<date>.failed-<run_id>.ipynb``.

Kernel: the ``civicnlp`` Jupyter kernel (``make setup`` registers it for the project's environment); when it
is not installed, the ``python3`` kernel is used and the choice is recorded in ``summary.json``.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from civicnlp import __version__, config
from civicnlp.campaigns import comments_source, list_campaigns
from civicnlp.dates import TIMEZONE
from civicnlp.exceptions import ParameterError, ReportError
from civicnlp.io import annotated_parts, check_campaign_id, file_sha256, inside, parse_columns, write_json

__all__ = [
    "CELL_TIMEOUT",
    "CONTENT_SECURITY_POLICY",
    "NUMBER_RANGES",
    "OUTPUT_FILES",
    "REPORT_NOTEBOOK",
    "RUNNER_PARAMETERS",
    "BatchRun",
    "card_summary",
    "export_html",
    "kernel_name",
    "kernel_runs_this_environment",
    "new_run_id",
    "notebook_parameters",
    "parse_parameter",
    "read_batch_file",
    "run_batch",
    "run_manifest",
    "run_report",
    "validate_parameters",
]

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "campaign_report.ipynb"
OUTPUT_FILES = ("report.ipynb", "report.html", "comments_scored.csv", "summary.json")
#: A cell that runs longer than this (seconds) fails the report instead of hanging a scheduled run.
CELL_TIMEOUT = 1800
#: Whole-number parameters and the range each may take.
NUMBER_RANGES = {"top_n": (1, 200), "sample_rows": (1_000, 5_000_000)}
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: Parameters the runner fills itself; a caller may not set them.
RUNNER_PARAMETERS = ("campaign_id", "data_dir", "output_dir", "reports_root", "run_id")
# The page loads nothing from the network (no require.js, MathJax or mermaid from a CDN: a "$" in a comment
# stays a dollar sign), names the Korean fonts its readers usually have (the plots carry their own), and its
# Content-Security-Policy lets no script run and nothing load but its own inline images and styles: a second
# wall behind the escaping of every value (civicnlp.display).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
    "form-action 'none'"
)
_HTML_TEMPLATE = (
    "{%- extends 'lab/index.html.j2' -%}\n"
    "{%- block html_head_js -%}\n"
    f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
    "{%- endblock html_head_js -%}\n"
    """{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>body, .jp-RenderedHTMLCommon { font-family: 'Malgun Gothic',
'Apple SD Gothic Neo', 'NanumGothic', 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif; }</style>
{% endblock extra_css %}
"""
)


def new_run_id() -> str:
    """A short unique id for one run (timestamp + random), sortable by start time."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def kernel_runs_this_environment(name: str = config.KERNEL_NAME) -> bool:
    """True when kernel ``name`` is installed and starts this interpreter's environment.

    A same-named kernel registered by another checkout (e.g. with ``--user``) would run other code."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv0 = KernelSpecManager().get_kernel_spec(name).argv[0]
    except NoSuchKernel:
        return False
    return Path(argv0).absolute().is_relative_to(Path(sys.prefix).absolute())


def kernel_name() -> str:
    """``civicnlp`` when that kernel runs this environment, else ``python3`` (this interpreter)."""
    return config.KERNEL_NAME if kernel_runs_this_environment() else "python3"


def notebook_parameters(notebook: str | os.PathLike[str]) -> dict[str, Any]:
    """The names and default values of a notebook's ``parameters`` cell (read statically, no kernel)."""
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise ParameterError(f"notebook not found: {path}")
    return {name: _literal(spec["default"]) for name, spec in papermill.inspect_notebook(str(path)).items()}


def _literal(source: str) -> Any:
    """A parameter's default from its source text (``'"abc"'`` -> ``"abc"``); non-literals stay as text."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def _date(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{name}={value!r} is not a date (use YYYY-MM-DD)") from exc
    if pd.isna(stamp):
        raise ParameterError(f"{name}={value!r} is not a date (use YYYY-MM-DD)")
    return stamp.date().isoformat()


def _channels(value: object) -> list[str] | None:
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Iterable) or not all(isinstance(c, str) for c in items):
        raise ParameterError(f"channels={value!r} must be a list of channel names or 'a,b,c'")
    channels = [c.strip() for c in items if c.strip()]
    return channels or None


def validate_parameters(
    campaign_id: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    notebook: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Check a run's parameters without starting a kernel; return the notebook's parameters, normalised.

    Unknown campaign, missing campaigns.csv or comments file (or annotated output, for ``annotated_dir``), an
    unknown parameter name, a bad date or a reversed date range each raise :class:`ParameterError` saying what
    is wrong.
    """
    check_campaign_id(campaign_id)
    folder = Path(data_dir) if data_dir is not None else config.sample_dir()
    nb = Path(notebook) if notebook is not None else config.notebooks_dir() / REPORT_NOTEBOOK
    defaults = notebook_parameters(nb)
    given = dict(parameters or {})
    settable = sorted(set(defaults) - set(RUNNER_PARAMETERS))
    unknown = sorted(set(given) - set(settable))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {unknown} for {nb.name}; allowed: {settable}")
    if not folder.is_dir():
        raise ParameterError(f"data folder not found: {folder}")
    known = list_campaigns(folder)
    if campaign_id not in known:
        raise ParameterError(
            f"unknown campaign {campaign_id!r} in {folder / 'campaigns.csv'}; known: {known}"
        )
    if given.get("annotated_dir"):  # the comments are an annotated partitioned output, not in data_dir
        annotated_parts(given["annotated_dir"])
        given["annotated_dir"] = str(Path(given["annotated_dir"]).resolve())  # the notebook runs elsewhere
    else:
        comments_source(campaign_id, folder)
    for name, value in given.items():
        default = defaults[name]
        if isinstance(default, bool | int | float) and not isinstance(value, type(default)):
            raise ParameterError(
                f"{name}={value!r} must be of type {type(default).__name__} (default: {default!r})"
            )
        low, high = NUMBER_RANGES.get(name, (0, 0))
        if name in NUMBER_RANGES and not (isinstance(value, int) and low <= value <= high):
            raise ParameterError(f"{name}={value!r} must be a whole number from {low:,} to {high:,}")
    merged = {**defaults, **given}
    if "date_from" in merged:
        merged["date_from"] = _date("date_from", merged["date_from"])
    if "date_to" in merged:
        merged["date_to"] = _date("date_to", merged["date_to"])
    if merged.get("date_from") and merged.get("date_to") and merged["date_from"] > merged["date_to"]:
        raise ParameterError(f"date_from {merged['date_from']} is after date_to {merged['date_to']}")
    if "channels" in merged:
        merged["channels"] = _channels(merged["channels"])
    if merged.get("columns"):
        if not isinstance(merged["columns"], str | dict):
            raise ParameterError(
                f"columns={merged['columns']!r} must be like 'text=내용,created_at=작성일시'"
            )
        parse_columns(merged["columns"])
    compare = merged.get("compare_campaign")
    if compare:
        check_campaign_id(compare)
    if compare and compare not in known:
        raise ParameterError(f"compare_campaign {compare!r} is not a campaign in {folder}; known: {known}")
    merged["campaign_id"] = campaign_id
    merged["data_dir"] = str(folder.resolve())
    return merged


def _execution_error(exc: BaseException) -> tuple[str, int | None]:
    """A readable message and the cell index for a papermill execution error."""
    index = getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    source = str(getattr(exc, "source", "") or "").strip().splitlines()
    where = f"cell {index}" if index is not None else "a cell"
    if getattr(exc, "exec_count", None) is not None:
        where += f" (execution count {exc.exec_count})"  # type: ignore[attr-defined]
    first_line = f" [{source[0][:80]}]" if source else ""
    return f"{where}{first_line} raised {ename}: {evalue}", index


def export_html(notebook_path: str | os.PathLike[str], html_path: str | os.PathLike[str]) -> Path:
    """The executed notebook as one self-contained HTML page: code cells and prompts hidden, images inline,
    and stderr outputs (warnings, progress bars, library chatter) left out and logged instead."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"civicnlp_report.html.j2": _HTML_TEMPLATE})],
        template_file="civicnlp_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    book = nbformat.read(str(notebook_path), as_version=4)
    for cell in book.cells:  # stderr is for the log, never for the reader
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                log.warning(
                    "report cell wrote to stderr (left out of the HTML): %s", output.get("text", "")[:2000]
                )
            else:
                kept.append(output)
        if "outputs" in cell:
            cell.outputs = kept
    body, _ = exporter.from_notebook_node(book)
    Path(html_path).write_text(body, encoding="utf-8")
    return Path(html_path)


def _publish(tmp: Path, campaign_root: Path, day: str, run_id: str) -> Path:
    """Rename the finished temp folder to ``<day>``, or ``<day>-<run_id>`` when that name is taken."""
    for name in (day, f"{day}-{run_id}"):
        target = campaign_root / name
        try:
            tmp.rename(target)
            return target
        except OSError:
            if not target.exists():
                raise
    raise ReportError(f"could not publish {tmp}: {campaign_root / day} and its run-id variant both exist")


def run_report(
    campaign_id: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    notebook: str | os.PathLike[str] | None = None,
    run_id: str | None = None,
    kernel: str | None = None,
    progress: bool = False,
) -> Path:
    """Execute the report notebook for one campaign and return the path of ``report.html``.

    Outputs land in ``<out_dir>/<campaign>/<YYYY-MM-DD>/`` (see the module docstring for the concurrency and
    failure rules). ``parameters`` override the notebook's ``parameters`` cell (dates, channels,
    compare_campaign, model names); bad ones raise :class:`ParameterError` before a kernel starts.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = Path(notebook) if notebook is not None else config.notebooks_dir() / REPORT_NOTEBOOK
    merged = validate_parameters(campaign_id, data_dir=data_dir, parameters=parameters, notebook=nb)
    root = Path(out_dir) if out_dir is not None else config.reports_dir()
    run_id = run_id or new_run_id()
    if not _RUN_ID.fullmatch(run_id):
        raise ParameterError(f"run_id must match {_RUN_ID.pattern}: {run_id[:80]!r}")
    day = dt.datetime.now(dt.timezone.utc).astimezone(_seoul()).date().isoformat()
    campaign_root = inside(root, campaign_id)
    campaign_root.mkdir(parents=True, exist_ok=True)
    tmp = campaign_root / f".{day}.tmp-{run_id}"
    tmp.mkdir()
    kernel = kernel or kernel_name()
    merged.update(output_dir=str(tmp.resolve()), reports_root=str(root.resolve()), run_id=run_id)
    executed = tmp / "report.ipynb"
    started = time.perf_counter()
    try:
        with _environment(**{config.PROGRESS_ENV: "0"}):  # progress bars are for terminals, not reports
            papermill.execute_notebook(
                str(nb),
                str(executed),
                parameters=merged,
                kernel_name=kernel,
                cwd=str(tmp),
                progress_bar=progress,
                execution_timeout=CELL_TIMEOUT,
            )
    except PapermillExecutionError as exc:
        kept = _keep_failed(executed, campaign_root / f"{day}.failed-{run_id}.ipynb", tmp)
        message, index = _execution_error(exc)
        raise ReportError(
            f"report for {campaign_id!r} failed: {message}; the partly executed notebook is kept at {kept}",
            cell_index=index,
            notebook_path=str(kept),
        ) from exc
    except Exception as exc:  # a timeout, a dead kernel, a missing kernel: still a report failure
        kept = _keep_failed(executed, campaign_root / f"{day}.failed-{run_id}.ipynb", tmp)
        where = f"; the partly executed notebook is kept at {kept}" if kept.is_file() else ""
        raise ReportError(
            f"report for {campaign_id!r} failed: {type(exc).__name__}: {exc}{where}",
            notebook_path=str(kept) if kept.is_file() else None,
        ) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    executed_seconds = time.perf_counter() - started
    missing = [name for name in ("comments_scored.csv", "summary.json") if not (tmp / name).is_file()]
    if missing:
        kept = _keep_failed(executed, campaign_root / f"{day}.failed-{run_id}.ipynb", tmp)
        raise ReportError(
            f"the notebook ran but did not write {missing} into output_dir; kept at {kept}",
            notebook_path=str(kept),
        )
    export_started = time.perf_counter()
    export_html(executed, tmp / "report.html")
    _record_runner(tmp / "summary.json", kernel, executed_seconds, time.perf_counter() - export_started)
    return _publish(tmp, campaign_root, day, run_id) / "report.html"


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the kernel the block starts, and restore them after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _seoul() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(TIMEZONE)


def _keep_failed(executed: Path, kept: Path, tmp: Path) -> Path:
    """Move the partly executed notebook beside the target and drop the temp folder."""
    if executed.is_file():
        shutil.move(str(executed), kept)
    shutil.rmtree(tmp, ignore_errors=True)
    return kept


def _record_runner(summary_path: Path, kernel: str, executed_seconds: float, export_seconds: float) -> None:
    """Add what only the runner knows (kernel, whole-notebook and export timings) to summary.json."""
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    manifest = summary.setdefault("manifest", {})
    manifest["kernel"] = kernel
    timings = manifest.setdefault("timings", {})
    timings["notebook_seconds"] = round(executed_seconds, 3)
    timings["html_export_seconds"] = round(export_seconds, 3)
    write_json(summary, summary_path, verbatim=("manifest",))


def card_summary(card: Mapping[str, Any]) -> dict[str, Any]:
    """A model card's scalar fields, nested ones flattened to ``metrics.accuracy`` style (two levels deep);
    lists and tables (confusion matrices, per-class lists) are left out."""
    flat: dict[str, Any] = {}
    for key, value in card.items():
        if isinstance(value, Mapping):
            for inner, item in value.items():
                if isinstance(item, str | int | float | bool) or item is None:
                    flat[f"{key}.{inner}"] = item
        elif isinstance(value, str | int | float | bool) or value is None:
            flat[key] = value
    return flat


def run_manifest(
    *,
    files: Mapping[str, str | os.PathLike[str]],
    parameters: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]],
    run_id: str,
    timings: Mapping[str, float],
) -> dict[str, Any]:
    """The reproducibility record summary.json carries: input sha256s, parameters, model versions and
    metrics (the scalar fields of each model card), package version, run id, time and stage timings."""
    return {
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.timezone.utc).astimezone(_seoul()).isoformat(timespec="seconds"),
        "package_version": __version__,
        "python": sys.version.split()[0],
        "inputs": {name: {"path": str(path), "sha256": file_sha256(path)} for name, path in files.items()},
        "parameters": dict(parameters),
        "models": {name: card_summary(card) for name, card in models.items()},
        "timings": {name: round(float(seconds), 3) for name, seconds in timings.items()},
    }


# ---------------------------------------------------------------- batches


@dataclass
class BatchRun:
    """One campaign of a batch: what to run, and after running, how it went."""

    campaign_id: str
    data_dir: str | None = None
    out_dir: str | None = None
    parameters: dict[str, Any] | None = None
    notebook: str | None = None
    status: str = "pending"
    seconds: float = 0.0
    output: str = ""

    def log_line(self) -> str:
        """``campaign<TAB>status<TAB>seconds<TAB>output or error``: one line per run for a scheduler."""
        fields = (self.campaign_id, self.status, f"{self.seconds:.1f}s", self.output)
        return "\t".join(_log_field(f) for f in fields)


def _log_field(value: object) -> str:
    """A run-log field on one line: backslash, tab, CR, LF and other control characters escaped."""
    text = str(value).replace("\\", "\\\\")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


_BATCH_KEYS = {"data", "out", "parameters", "campaigns"}
_ENTRY_KEYS = {"campaign", "data", "out", "parameters"}


def read_batch_file(path: str | os.PathLike[str], *, notebook: str | None = None) -> list[BatchRun]:
    """Campaign runs from a YAML batch file.

    ```yaml
    data: data/sample          # optional defaults for every entry
    out: reports
    parameters: {channels: [danggeun, facebook]}
    campaigns:
      - incheon-danggeun-apec-2024
      - campaign: bupyeong-parking-2024
        parameters: {date_from: 2024-06-01}
    ```

    Relative ``data``/``out`` paths are taken relative to the batch file's folder.
    """
    import yaml

    file = Path(path)
    if not file.is_file():
        raise ParameterError(f"batch file not found: {file}")
    try:
        spec = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"batch file {file} is not valid YAML: {exc}") from exc
    if isinstance(spec, list):
        spec = {"campaigns": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("campaigns"), list) or not spec["campaigns"]:
        raise ParameterError(f"batch file {file} needs a non-empty 'campaigns' list")
    unknown = set(spec) - _BATCH_KEYS
    if unknown:
        raise ParameterError(
            f"batch file {file}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_BATCH_KEYS)}"
        )

    def where(value: object) -> str | None:
        return None if value is None else str((file.parent / str(value)).resolve())

    runs = []
    for entry in spec["campaigns"]:
        item = {"campaign": entry} if isinstance(entry, str) else entry
        if not isinstance(item, dict) or not isinstance(item.get("campaign"), str):
            raise ParameterError(
                f"batch file {file}: each campaign is an id or a mapping with 'campaign': {entry!r}"
            )
        extra = set(item) - _ENTRY_KEYS
        if extra:
            raise ParameterError(f"batch file {file}: unknown key(s) {sorted(extra)} in {item['campaign']!r}")
        parameters = {**(spec.get("parameters") or {}), **(item.get("parameters") or {})}
        runs.append(
            BatchRun(
                campaign_id=item["campaign"],
                data_dir=where(item.get("data", spec.get("data"))),
                out_dir=where(item.get("out", spec.get("out"))),
                parameters={k: _plain_value(v) for k, v in parameters.items()},
                notebook=notebook,
            )
        )
    return runs


def parse_parameter(text: str) -> object:
    """A ``-p NAME VALUE`` value read as YAML (numbers, lists, null); dates become ISO strings."""
    import yaml

    try:
        return _plain_value(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError):  # ValueError: a date-shaped value that is no date (2024-13-01)
        return text


def _plain_value(value: object) -> object:
    """YAML dates become ISO strings, so every parameter survives the trip through a command line."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def run_batch(runs: Iterable[BatchRun], *, echo: Callable[[str], object] = print) -> list[BatchRun]:
    """Run each campaign in its own process (``python -m civicnlp.cli report``), one after another,
    continuing past failures; ``echo`` gets one log line per run. Returns the runs with their status."""
    done = []
    for run in runs:
        command = [sys.executable, "-m", "civicnlp.cli", "report", "--campaign", run.campaign_id]
        if run.data_dir:
            command += ["--data", run.data_dir]
        if run.out_dir:
            command += ["--out", run.out_dir]
        if run.notebook:
            command += ["--notebook", run.notebook]
        for name, value in (run.parameters or {}).items():
            command += ["-p", name, json.dumps(value, ensure_ascii=False)]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        run.seconds = time.perf_counter() - started
        lines = (result.stdout if result.returncode == 0 else result.stderr).strip().splitlines()
        run.status = "ok" if result.returncode == 0 else f"failed({result.returncode})"
        run.output = lines[-1] if lines else ""
        echo(run.log_line())
        done.append(run)
    return done
