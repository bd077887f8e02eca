"""The papermill runner: parameter checks before any kernel, atomic publishing, the failure contract, batches.

These tests run tiny fixture notebooks (tests/fixtures) in the real kernel; the real report notebook is
executed in tests/test_notebooks.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from civicnlp import config, report
from civicnlp.exceptions import ParameterError, ReportError

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny_report.ipynb"
BROKEN = FIXTURES / "broken_report.ipynb"
REPORT_NB = Path(__file__).resolve().parents[1] / "notebooks" / "campaign_report.ipynb"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder with two campaigns, one of them without a comments file."""
    folder = tmp_path / "data"
    (folder / "comments").mkdir(parents=True)
    (folder / "campaigns.csv").write_text(
        "campaign_id,name,start,end\n"
        "alpha,알파 캠페인,2024-05-16,2024-05-24\n"
        "no-comments,빈 캠페인,2024-06-01,2024-06-02\n",
        encoding="utf-8",
    )
    (folder / "comments" / "alpha.csv").write_text(
        "comment_id,campaign_id,channel,text,created_at\nc1,alpha,danggeun,참여합니다,2024-05-16 10:00\n",
        encoding="utf-8",
    )
    return folder


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civicnlp.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("campaign", "parameters", "message"),
    [
        ("nope", {}, "unknown campaign 'nope'.*known: \\['alpha', 'no-comments'\\]"),
        ("no-comments", {}, "no comments for 'no-comments'"),
        ("alpha", {"date_from": "2024-13-45"}, "date_from='2024-13-45' is not a date"),
        ("alpha", {"date_to": "어제"}, "date_to='어제' is not a date"),
        (
            "alpha",
            {"date_from": "2024-05-20", "date_to": "2024-05-18"},
            "date_from 2024-05-20 is after date_to",
        ),
        ("alpha", {"colour": "red"}, "unknown parameter\\(s\\) \\['colour'\\]"),
        ("alpha", {"run_id": "mine"}, "unknown parameter\\(s\\) \\['run_id'\\]"),
        ("alpha", {"compare_campaign": "beta"}, "compare_campaign 'beta' is not a campaign"),
        ("alpha", {"channels": [1, 2]}, "channels=\\[1, 2\\] must be a list"),
        ("alpha", {"top_n": "many"}, "top_n='many' must be of type int \\(default: 15\\)"),
        ("alpha", {"top_n": -5}, "top_n=-5 must be a whole number from 1 to 200"),
        ("alpha", {"sample_rows": 10**12}, "sample_rows=.* must be a whole number"),
        ("alpha", {"compare_campaign": "../alpha"}, "campaign_id is not"),
        ("../escaped", {}, "campaign_id is not"),
        ("/etc", {}, "campaign_id is not"),
        ("alp*", {}, "campaign_id is not"),
        ("x" * 10_000, {}, "campaign_id is not"),
        ("a\tb", {}, "campaign_id is not"),
    ],
)
def test_bad_parameters_fail_before_a_kernel_starts(data_dir, tmp_path, campaign, parameters, message):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError, match=message):
        report.run_report(campaign, data_dir=data_dir, out_dir=out, parameters=parameters, notebook=REPORT_NB)
    assert not out.exists()  # nothing was created: the run stopped before making its temp folder


def test_missing_data_folder_and_notebook_are_named(tmp_path, data_dir):
    with pytest.raises(ParameterError, match="data folder not found"):
        report.validate_parameters("alpha", data_dir=tmp_path / "nowhere", notebook=REPORT_NB)
    with pytest.raises(ParameterError, match="notebook not found"):
        report.validate_parameters("alpha", data_dir=data_dir, notebook=tmp_path / "missing.ipynb")


def test_parameters_are_normalised(data_dir):
    merged = report.validate_parameters(
        "alpha",
        data_dir=data_dir,
        parameters={"date_from": "2024/05/16", "channels": "danggeun, facebook"},
        notebook=REPORT_NB,
    )
    assert merged["date_from"] == "2024-05-16"
    assert merged["channels"] == ["danggeun", "facebook"]
    assert merged["campaign_id"] == "alpha"
    assert merged["data_dir"] == str(data_dir.resolve())
    assert merged["top_n"] == 15  # the notebook's own default, read without a kernel


def test_cli_bad_parameter_exits_2_with_the_reason(data_dir, tmp_path):
    result = _cli("report", "--campaign", "nope", "--data", str(data_dir), "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown campaign 'nope'" in result.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "../escaped"], "campaign_id is not"),
        (["--campaign", "alpha", "-p", "date_from", "2024-13-01"], "date_from='2024-13-01' is not a date"),
        (["--campaign", "alpha", "-p", "top_n", "0"], "top_n=0 must be a whole number"),
    ],
)
def test_cli_hostile_values_exit_2_with_one_line_and_write_nothing(data_dir, tmp_path, args, message):
    result = _cli("report", *args, "--data", str(data_dir), "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert result.stderr.startswith("civicnlp: error:") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "escaped").exists()


def test_a_run_log_line_is_one_line_of_four_fields_whatever_the_id():
    run = report.BatchRun("evil\tid\nforged\tok\t0.0s\tfake", status="ok", output="a\r\nb\\c")
    line = run.log_line()
    assert "\n" not in line and "\r" not in line and line.count("\t") == 3
    assert line.split("\t")[0] == "evil\\tid\\nforged\\tok\\t0.0s\\tfake"


@pytest.mark.parametrize(
    "args",
    [[], ["--campaign", "alpha", "--all"], ["--all", "--batch", "b.yaml"]],
)
def test_cli_needs_exactly_one_target(args):
    result = _cli("report", *args)
    assert result.returncode == 2
    assert "exactly one of --campaign ID, --all or --batch FILE" in result.stderr


def test_a_run_publishes_all_outputs_atomically(data_dir, tmp_path):
    out = tmp_path / "reports"
    html = report.run_report("alpha", data_dir=data_dir, out_dir=out, notebook=TINY, run_id="run1")
    folder = html.parent
    assert folder.parent == out / "alpha"
    assert len(folder.name) == 10  # YYYY-MM-DD
    assert sorted(p.name for p in folder.iterdir()) == sorted(report.OUTPUT_FILES)
    assert [p.name for p in (out / "alpha").iterdir()] == [folder.name]  # no temp folder left behind
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["manifest"]["run_id"] == "run1"
    assert summary["manifest"]["kernel"] == report.kernel_name()
    assert summary["manifest"]["timings"]["notebook_seconds"] > 0
    page = html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert '<img src="http' not in page
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"https?:", page)  # nothing loads from a CDN
    assert "Malgun Gothic" in page  # Korean font stack for the prose
    assert "plots.use_korean_fonts()" not in page  # code cells are hidden
    kept_code = (folder / "report.ipynb").read_text(encoding="utf-8")
    assert "use_korean_fonts" in kept_code  # ...but kept in the executed notebook

    again = report.run_report("alpha", data_dir=data_dir, out_dir=out, notebook=TINY, run_id="run2")
    assert again.parent.name == f"{folder.name}-run2"
    assert html.is_file()  # the first report is untouched


def test_two_concurrent_runs_land_in_two_complete_folders(data_dir, tmp_path):
    out = tmp_path / "reports"
    args = [
        "report",
        "--campaign",
        "alpha",
        "--data",
        str(data_dir),
        "--out",
        str(out),
        "--notebook",
        str(TINY),
    ]
    command = [sys.executable, "-m", "civicnlp.cli", *args]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert [code for code, _, _ in results] == [0, 0], results
    htmls = {Path(stdout.strip().splitlines()[-1]) for _, stdout, _ in results}
    assert len(htmls) == 2
    for html in htmls:
        assert sorted(p.name for p in html.parent.iterdir()) == sorted(report.OUTPUT_FILES)
    assert len(list((out / "alpha").iterdir())) == 2


def test_a_failing_cell_raises_report_error_and_keeps_the_notebook(data_dir, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportError) as caught:
        report.run_report("alpha", data_dir=data_dir, out_dir=out, notebook=BROKEN, run_id="bad1")
    error = caught.value
    # papermill inserts its injected-parameters cell after the parameters cell, so the raising cell is 3
    assert error.cell_index == 3
    assert "cell 3" in str(error)
    assert "RuntimeError: fixture cell failed on purpose" in str(error)
    kept = Path(error.notebook_path or "")
    assert kept.parent == out / "alpha"
    assert kept.name.endswith(".failed-bad1.ipynb")
    book = nbformat.read(kept, as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in book.cells for o in c.get("outputs", []))
    assert [p.name for p in (out / "alpha").iterdir()] == [kept.name]  # no report folder, no temp folder


def test_cli_failure_exits_non_zero_and_names_the_cell(data_dir, tmp_path):
    out = tmp_path / "reports"
    result = _cli(
        "report", "--campaign", "alpha", "--data", str(data_dir), "--out", str(out), "--notebook", str(BROKEN)
    )
    assert result.returncode == 2
    assert "cell 3" in result.stderr
    assert "fixture cell failed on purpose" in result.stderr
    assert "kept at" in result.stderr
    assert len(list((out / "alpha").glob("*.failed-*.ipynb"))) == 1


def test_batch_runs_each_campaign_and_reports_failures(data_dir, tmp_path):
    batch = tmp_path / "batch.yaml"
    batch.write_text(
        f"data: {data_dir}\nout: reports\ncampaigns:\n  - alpha\n  - campaign: no-comments\n",
        encoding="utf-8",
    )
    result = _cli("report", "--batch", str(batch), "--notebook", str(TINY))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    good, bad = (line.split("\t") for line in lines)
    assert good[:2] == ["alpha", "ok"]
    assert good[3].endswith("report.html") and Path(good[3]).is_file()
    assert Path(good[3]).is_relative_to(tmp_path / "reports")
    assert bad[:2] == ["no-comments", "failed(2)"]
    assert "no comments for" in bad[3]
    assert "1 of 2 reports done" in result.stderr


def test_all_runs_every_campaign_of_the_data_folder(data_dir, tmp_path):
    result = _cli(
        "report", "--all", "--data", str(data_dir), "--out", str(tmp_path / "r"), "--notebook", str(TINY),
        "-p", "label", "전체 실행",
    )  # fmt: skip
    assert result.returncode == 1  # no-comments has no comments file
    assert [line.split("\t")[:2] for line in result.stdout.strip().splitlines()] == [
        ["alpha", "ok"],
        ["no-comments", "failed(2)"],
    ]
    summary = json.loads(next((tmp_path / "r" / "alpha").glob("*/summary.json")).read_text(encoding="utf-8"))
    assert summary["label"] == "전체 실행"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("campaigns: []\n", "non-empty 'campaigns' list"),
        ("campaigns: [alpha]\nextra: 1\n", "unknown key\\(s\\) \\['extra'\\]"),
        ("campaigns:\n  - {campaign: alpha, colour: red}\n", "unknown key\\(s\\) \\['colour'\\] in 'alpha'"),
        ("campaigns:\n  - [alpha]\n", "each campaign is an id or a mapping"),
        ("campaigns: [alpha\n", "not valid YAML"),
    ],
)
def test_bad_batch_files_are_named(tmp_path, text, message):
    path = tmp_path / "batch.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        report.read_batch_file(path)


def test_batch_file_defaults_and_overrides(tmp_path):
    path = tmp_path / "batch.yaml"
    path.write_text(
        "data: d\nparameters: {date_from: 2024-05-16, channels: [danggeun]}\n"
        "campaigns:\n  - alpha\n  - {campaign: beta, data: other, parameters: {date_from: 2024-06-01}}\n",
        encoding="utf-8",
    )
    alpha, beta = report.read_batch_file(path)
    assert alpha.data_dir == str(tmp_path / "d")
    assert alpha.parameters == {"date_from": "2024-05-16", "channels": ["danggeun"]}
    assert beta.data_dir == str(tmp_path / "other")
    assert beta.parameters == {"date_from": "2024-06-01", "channels": ["danggeun"]}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2024-05-16", "2024-05-16"),
        ("[danggeun, facebook]", ["danggeun", "facebook"]),
        ("15", 15),
        ("null", None),
    ],
)
def test_parse_parameter(text, value):
    assert report.parse_parameter(text) == value


def test_a_kernel_that_cannot_start_is_a_report_error(data_dir, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportError, match="report for 'alpha' failed: NoSuchKernel"):
        report.run_report("alpha", data_dir=data_dir, out_dir=out, notebook=TINY, kernel="no-such-kernel")
    left = [p.name for p in (out / "alpha").iterdir()]
    assert len(left) == 1 and ".failed-" in left[0]  # the (unexecuted) notebook is kept, the temp folder gone


def test_a_report_from_partitioned_dask_output_has_the_pandas_figures(tmp_path):
    """A campaign whose comments exist only as ``annotate --engine dask`` output: the report's figures are
    Dask group-bys over every row, and equal those of the report that annotates the comments itself."""
    dist = pytest.importorskip("civicnlp.distributed")
    campaign = "incheon-bus-parking-2024"
    sample = config.sample_dir()
    source = sample / "comments" / f"{campaign}.csv"
    if not source.is_file():
        pytest.skip("the sample campaign has not landed")
    data = tmp_path / "data"  # the campaign's row and releases, no comments
    data.mkdir()
    for name in ("campaigns.csv", "releases.csv"):
        shutil.copy(sample / name, data / name)
    run = tmp_path / "run"
    dist.annotate_dask([source], run, n_workers=2, partition_rows=150)  # 5 parts
    with pytest.raises(ParameterError, match="no comments for"):
        report.validate_parameters(campaign, data_dir=data, notebook=REPORT_NB)

    expected_html = report.run_report(campaign, out_dir=tmp_path / "pandas", notebook=REPORT_NB)
    done = _cli("report", "--campaign", campaign, "--data", str(data), "--out", str(tmp_path / "dask"),
                "--notebook", str(REPORT_NB), "--annotated", str(run))  # fmt: skip
    assert done.returncode == 0, done.stderr
    got_html = Path(done.stdout.strip().splitlines()[-1])
    expected = json.loads((expected_html.parent / "summary.json").read_text(encoding="utf-8"))
    got = json.loads((got_html.parent / "summary.json").read_text(encoding="utf-8"))
    manifest = got.pop("manifest")
    expected.pop("manifest")
    assert got["data_quality"].pop("sample_rows") == got["comments"] == 636  # the sample holds every row
    assert got == expected
    assert manifest["parameters"]["annotated_dir"] == str(run.resolve())
    assert sum(name.startswith("annotated/part.") for name in manifest["inputs"]) == 5
    scored = [pd.read_csv(h.parent / "comments_scored.csv", dtype=str) for h in (got_html, expected_html)]
    pd.testing.assert_frame_equal(*scored)
