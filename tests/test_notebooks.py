"""Every notebook in notebooks/ runs through papermill; the campaign report's outputs are checked against the
data: files present, numbers that match comments_scored.csv, no PII, code hidden, images embedded, and
Hangul that renders in a real browser.

The report runs once per session as a batch of two campaigns, the sample's main campaign and a broken one,
the way a scheduler would call it (``civicnlp report --batch``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from civicnlp import config, report
from civicnlp.annotate import DEFAULT_MODELS
from civicnlp.campaigns import campaign_details, comments_source
from civicnlp.io import file_sha256

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MAIN = "incheon-danggeun-apec-2024"
BROKEN = "broken-campaign"
PHONE_RE = re.compile(r"01[016789][-. ]?\d{3,4}[-. ]?\d{4}")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``civicnlp report --batch`` on the main sample campaign and a campaign whose comments file is a PNG."""
    sample = config.sample_dir()
    if not (sample / "campaigns.csv").is_file():
        pytest.fail("data/sample is missing: the report notebook needs the shipped sample")
    tmp = tmp_path_factory.mktemp("batch")
    data = tmp / "data"
    (data / "comments").mkdir(parents=True)
    lines = (sample / "campaigns.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0]
    main_row = next(line for line in lines if line.startswith(MAIN + ","))
    broken_row = ",".join(
        [BROKEN, "고장난 캠페인", "2024-05-16", "2024-05-24"] + [""] * (header.count(",") - 3)
    )
    (data / "campaigns.csv").write_text("\n".join([header, main_row, broken_row]) + "\n", encoding="utf-8")
    shutil.copy(sample / "releases.csv", data / "releases.csv")
    source = comments_source(MAIN)
    if source.is_dir():
        shutil.copytree(source, data / "raw" / MAIN)
    else:
        shutil.copy(source, data / "comments" / source.name)
    (data / "comments" / f"{BROKEN}.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    batch_file = tmp / "batch.yaml"
    batch_file.write_text(f"data: {data}\nout: reports\ncampaigns: [{MAIN}, {BROKEN}]\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "civicnlp.cli", "report", "--batch", str(batch_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    html = Path(lines[0].split("\t")[3]) if lines and "\tok\t" in lines[0] else None
    return {
        "result": result,
        "lines": lines,
        "html": html,
        "input": data / source.relative_to(sample),
        "out": tmp,
    }


@pytest.fixture(scope="session")
def outputs(batch: dict) -> Path:
    if batch["html"] is None:
        pytest.fail(f"the sample report failed: {batch['lines']}\n{batch['result'].stderr[-3000:]}")
    return batch["html"].parent


def test_batch_continues_past_the_broken_campaign_and_exits_non_zero(batch):
    assert batch["result"].returncode == 1
    assert [line.split("\t")[:2] for line in batch["lines"]] == [[MAIN, "ok"], [BROKEN, "failed(2)"]]
    failure = batch["lines"][1].split("\t")[3]
    assert "raised DataContractError" in failure and "cell" in failure
    kept = list((batch["out"] / "reports" / BROKEN).glob("*.failed-*.ipynb"))
    assert len(kept) == 1
    assert [p for p in (batch["out"] / "reports" / BROKEN).iterdir()] == kept  # no report, no temp folder


def test_report_files_are_all_there(outputs):
    assert sorted(p.name for p in outputs.iterdir()) == sorted(report.OUTPUT_FILES)


def test_summary_numbers_equal_a_direct_computation_from_the_scored_csv(outputs):
    summary = json.loads((outputs / "summary.json").read_text(encoding="utf-8"))
    scored = pd.read_csv(outputs / "comments_scored.csv", encoding="utf-8-sig", dtype={"author_id": "str"})
    flags = {c: scored[c].astype(str).str.lower().eq("true") for c in scored.columns if c.startswith("is_")}
    assert summary["comments"] == len(scored) > 1000
    assert summary["participants"] == scored["author_id"].dropna().nunique()
    assert summary["entries"] == flags["is_entry"].sum()
    assert summary["questions"] == flags["is_question"].sum()
    assert summary["complaints"] == flags["is_complaint"].sum()
    assert summary["duplicates"] == flags["is_duplicate"].sum()
    assert summary["spam"] == flags["is_spam"].sum()
    not_spam = scored[~flags["is_spam"]]
    for sentiment in ("negative", "positive"):
        assert summary["sentiment"][sentiment]["count"] == not_spam["sentiment"].eq(sentiment).sum()
    by_channel = {c["channel"]: c["comments"] for c in summary["by_channel"]}
    assert by_channel == scored["channel"].value_counts().to_dict()
    quality = summary["data_quality"]
    assert quality["rows_in"] == quality["annotated"] + quality["quarantined"]
    assert quality["reported"] == len(scored) == quality["annotated"] - quality["outside_selection"]
    assert sum(quality["quarantine_reasons"].values()) == quality["quarantined"] > 0


def test_manifest_records_inputs_models_and_the_run(batch, outputs):
    manifest = json.loads((outputs / "summary.json").read_text(encoding="utf-8"))["manifest"]
    inputs = _files(batch["input"])
    assert len(inputs) >= 1
    for path in inputs:
        name = "comments" if path == batch["input"] else f"raw/{MAIN}/{path.name}"
        assert manifest["inputs"][name]["sha256"] == file_sha256(path), name
    assert manifest["parameters"]["campaign_id"] == MAIN
    assert set(manifest["models"]) == set(DEFAULT_MODELS)  # every model the annotation used
    assert manifest["package_version"]
    assert manifest["kernel"] in {config.KERNEL_NAME, "python3"}
    stages = {"load_seconds", "annotate_seconds", "notebook_seconds", "html_export_seconds"}
    assert stages <= set(manifest["timings"])
    assert manifest["run_id"] in (outputs / "report.ipynb").read_text(encoding="utf-8")


def _files(path: Path) -> list[Path]:
    """The input file, or every file of an input folder (a campaign shipped as channel exports)."""
    return sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]


def _author_names(path: Path) -> set[str]:
    """Display names in channel exports: Facebook from.name, Instagram username, the template's 닉네임."""
    names: set[str] = set()
    for file in _files(path):
        if file.suffix == ".json":
            for record in json.loads(file.read_text(encoding="utf-8"))["data"]:
                for item in [record, *record.get("comments", record.get("replies", {})).get("data", [])]:
                    names.add(item.get("username") or item["from"]["name"])
        elif file.suffix == ".csv" and "닉네임" in file.read_text(encoding="utf-8").splitlines()[0]:
            names |= set(pd.read_csv(file, dtype=str)["닉네임"].dropna())
    return names


def test_no_phone_number_or_email_from_the_input_reaches_any_output(batch, outputs):
    raw = "".join(p.read_bytes().decode("utf-8", errors="replace") for p in _files(batch["input"]))
    secrets = set(PHONE_RE.findall(raw)) | set(EMAIL_RE.findall(raw)) | _author_names(batch["input"])
    assert len(secrets) >= 3, "the sample should carry phone numbers, e-mails and names to mask"
    for path in outputs.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path.name} leaks {leaked[:5]}"


def test_html_hides_code_and_embeds_every_image(outputs):
    page = (outputs / "report.html").read_text(encoding="utf-8")
    assert "annotate_loaded(" not in page and "import pandas" not in page
    assert "hl-ipython3" not in page  # no highlighted source
    code_cells = re.findall(r"<div class=\"(jp-Cell jp-CodeCell[^\"]*)\"", page)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    images = re.findall(r"<img[^>]*src=\"([^\"]*)\"", page)
    assert len(images) >= 6
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"https?:", page)
    for heading in (
        "1. 캠페인과 실행 정보",
        "2. 요약",
        "4. 감성",
        "8. 읽어볼 댓글",
        "10. 방법과 데이터 품질",
    ):
        assert heading in page


def test_report_notebook_keeps_code_and_parameters(outputs):
    book = nbformat.read(outputs / "report.ipynb", as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in book.cells]
    assert ["parameters"] in tags and ["injected-parameters"] in tags
    assert not [o for c in book.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def _browser() -> str | None:
    return next(
        (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
        None,
    )


def _chromium(url: str, tmp_path: Path, *flags: str) -> str:
    """Headless Chromium on ``url`` with ``flags``; its standard output. Skips (or fails, when the run demands
    a browser) without one."""
    browser = _browser()
    if browser is None:
        if os.environ.get("CIVICNLP_REQUIRE_BROWSER"):
            pytest.fail("no Chromium found and CIVICNLP_REQUIRE_BROWSER is set (apt-get install chromium)")
        pytest.skip("no headless browser (apt-get install chromium fonts-nanum)")
    base = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    done = subprocess.run(
        [shutil.which(browser) or browser, *base, *flags, url], capture_output=True, text=True, timeout=120
    )
    return done.stdout


def test_report_renders_hangul_in_a_headless_browser(outputs, tmp_path):
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    flags = ("--hide-scrollbars", "--window-size=1200,2400", f"--screenshot={shot}")
    _chromium((outputs / "report.html").as_uri(), tmp_path, *flags)
    assert shot.is_file() and shot.stat().st_size > 50_000
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.05  # a rendered page, not a blank one


def test_compare_campaigns_notebook_runs(outputs, tmp_path):
    root = outputs.parent.parent
    executed = tmp_path / "compare.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "compare_campaigns.ipynb"),
        str(executed),
        parameters={"reports_root": str(root)},
        kernel_name=report.kernel_name(),
        progress_bar=False,
    )
    text = executed.read_text(encoding="utf-8")
    assert MAIN in text
    assert "image/png" in text


def test_explore_comments_notebook_runs(tmp_path):
    executed = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "explore_comments.ipynb"),
        str(executed),
        parameters={"campaign_id": MAIN, "keyword": "참여", "query": "언제"},
        kernel_name=report.kernel_name(),
        progress_bar=False,
    )
    book = nbformat.read(executed, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in book.cells], ensure_ascii=False)
    assert "참여" in text and "image/png" in text


def test_train_and_evaluate_notebook_runs_on_a_labelled_file(tmp_path):
    labelled = tmp_path / "labelled.csv"
    pd.DataFrame(
        {
            "내용": [
                "축제 정말 즐거웠어요 최고!",
                "주차 단속 너무 심하네요 최악입니다",
                "좋은 행사 감사합니다",
            ],
            "정답": ["positive", "negative", "positive"],
        }
    ).to_csv(labelled, index=False)
    executed = tmp_path / "train.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "train_and_evaluate.ipynb"),
        str(executed),
        parameters={
            "model_name": "sentiment",
            "data": str(labelled),
            "text_col": "내용",
            "label_col": "정답",
            "n_uncertain": 2,
            "uncertain_csv": str(tmp_path / "uncertain.csv"),
        },
        kernel_name=report.kernel_name(),
        progress_bar=False,
    )
    assert len(pd.read_csv(tmp_path / "uncertain.csv")) == 2


def test_every_notebook_is_executed_by_a_test():
    source = Path(__file__).read_text(encoding="utf-8")
    executed = set(re.findall(r"NOTEBOOKS / \"([\w.]+\.ipynb)\"", source)) | {"campaign_report.ipynb"}
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} <= executed


# ---------------------------------------------------------------- a campaign written by an attacker

HOSTILE = "hostile-2024"


def _payloads(marker: str) -> list[str]:
    """Markup that would set ``data-pwned`` on the page's body if it ran (the name is split so that the
    escaped text of the payload never contains it)."""
    run = f"document.body.setAttribute('data-p'+'wned','{marker}')"
    return [
        f'<img src=x onerror="{run}">',
        f"<script>{run}</script>",
        f'<xss autofocus tabindex=1 onfocus="{run}">x</xss>',
        f'<marquee onstart="{run}">m</marquee>',
        f"<svg onload=\"{run}\">",
        f"[x](javascript:{run})",
        f'<a href="javascript:{run}">링크</a>',
    ]  # fmt: skip


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report on a campaign whose name, hashtags, comments, channels, ids, authors and dates carry markup,
    formulas and personal data."""
    sample = config.sample_dir()
    data = tmp_path_factory.mktemp("hostile") / "data"
    (data / "comments").mkdir(parents=True)
    name = "축제 " + _payloads("name")[0]
    campaigns = pd.DataFrame(
        [[HOSTILE, name, "2024-09-27", "2024-10-06", "", "#축제;" + _payloads("tag")[4], "", "festival", ""]],
        columns=["campaign_id", "name", "start", "end", "channels", "hashtags", "release_id", "theme",
                 "captured_at"],
    )  # fmt: skip
    campaigns.to_csv(data / "campaigns.csv", index=False)
    shutil.copy(sample / "releases.csv", data / "releases.csv")
    base = pd.read_csv(sample / "comments" / "incheon-sea-light-festival-2024.csv", dtype=str).head(300)
    base["campaign_id"] = HOSTILE
    rows = []
    for i, payload in enumerate(_payloads("cell")):
        rows += [
            {"comment_id": f"t{i}", "channel": "instagram", "text": f"축제 좋아요 {payload} 010-2222-3301"},
            {"comment_id": f"c{i}", "channel": payload, "text": "=1+1 채널 이상"},
            {"comment_id": payload, "channel": "facebook", "text": "아이디 이상 lee3302@naver.com"},
            {
                "comment_id": f"a{i}",
                "channel": "blog",
                "text": "작성자 이상",
                "author_id": f"김철수 {payload}",
            },
            {"comment_id": f"q{i}", "channel": "blog", "text": "날짜 이상", "created_at": payload},
        ]
    extra = pd.DataFrame(rows).assign(campaign_id=HOSTILE, likes="1")
    extra["created_at"] = extra["created_at"].fillna("2024-09-28 12:00")
    pd.concat([base, extra], ignore_index=True).to_csv(data / "comments" / f"{HOSTILE}.csv", index=False)
    html = report.run_report(HOSTILE, data_dir=data, out_dir=data.parent / "reports")
    return html.parent


def test_no_markup_from_the_data_survives_into_the_report(hostile):
    from html.parser import HTMLParser

    page = (hostile / "report.html").read_text(encoding="utf-8")

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, str]] = []

        def handle_starttag(self, tag, attrs):
            for key, value in attrs:
                if key.startswith("on") or "javascript:" in (value or "").lower():
                    self.found.append((tag, key))
            if tag in ("xss", "marquee", "svg", "iframe", "object", "embed"):
                self.found.append((tag, ""))

    parser = Tags()
    parser.feed(page)
    assert parser.found == []
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    assert not [s for s in scripts if "pwned" in s.replace("'+'", "")]
    assert "&lt;xss" in page or "xss" not in page  # shown as text where it is shown at all
    assert report.CONTENT_SECURITY_POLICY in page and "Content-Security-Policy" in page


def _dump_dom(page: str, tmp_path: Path, *flags: str) -> str:
    """The DOM after headless Chromium loaded ``page`` (and ran what it may run for 3 s of virtual time)."""
    opened = tmp_path / "report.html"
    opened.write_text(page, encoding="utf-8")
    return _chromium(opened.as_uri(), tmp_path, "--virtual-time-budget=3000", "--dump-dom", *flags)


@pytest.mark.parametrize("keep_csp", [True, False])
def test_no_script_runs_when_the_hostile_report_is_opened_in_a_browser(hostile, tmp_path, keep_csp):
    page = (hostile / "report.html").read_text(encoding="utf-8")
    if not keep_csp:  # the escaping alone must hold, without the policy's second wall
        page = re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page)
        assert "Content-Security-Policy" not in page
    dom = _dump_dom(page, tmp_path)
    assert "캠페인 반응 보고서" in dom  # the page was rendered
    assert "data-pwned" not in dom


def test_hostile_outputs_leak_no_personal_data_and_hold_no_formula(hostile):
    for name in ("comments_scored.csv", "summary.json", "report.html"):
        text = (hostile / name).read_text(encoding="utf-8-sig")
        assert not [s for s in ("010-2222-3301", "lee3302@naver.com", "김철수") if s in text], name
    cells = [
        c for row in csv.reader((hostile / "comments_scored.csv").open(encoding="utf-8-sig")) for c in row
    ]
    assert not [c for c in cells if c.lstrip().startswith(("=", "+", "-", "@"))]
    summary = json.loads((hostile / "summary.json").read_text(encoding="utf-8"))
    quality = summary["data_quality"]
    assert quality["rows_in"] == quality["annotated"] + quality["quarantined"]
    assert quality["quarantine_reasons"].get("bad created_at", 0) >= len(_payloads("x"))


# ---------------------------------------------------------------- a campaign of realistic size

#: The largest report.html a 5,000-comment campaign may give (tables are capped, images are PNG).
MAX_HTML_BYTES = 6_000_000


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report on a generated campaign of 5,000 comments (past the tokenizer's 2,000-text progress bar)."""
    from civicnlp import synthetic

    campaign_id = synthetic.sample_campaign_ids()[0]
    data = tmp_path_factory.mktemp("large") / "data"
    (data / "comments").mkdir(parents=True)
    for name in ("campaigns.csv", "releases.csv"):
        shutil.copy(config.sample_dir() / name, data / name)
    info = campaign_details(campaign_id)[0]
    frame = synthetic.generate_comments(
        {**info, "start": str(info["start"])[:10], "end": str(info["end"])[:10]}, 5_000, seed=3, compose=True
    )
    frame.to_csv(data / "comments" / f"{campaign_id}.csv", index=False)
    return report.run_report(campaign_id, data_dir=data, out_dir=data.parent / "reports").parent


def test_a_large_report_shows_only_the_report(large):
    book = nbformat.read(large / "report.ipynb", as_version=4)
    outputs = [o for c in book.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    page = (large / "report.html").read_text(encoding="utf-8")
    for noise in (
        "Warning",
        "IProgress",
        "it/s]",
        "%|",
        "Traceback",
        "/site-packages/",
        'data-mime-type="application/vnd.jupyter.stderr"',
    ):
        assert noise not in page, noise
    assert "분석 중 경고는 없었습니다" in page or "라이브러리 경고가" in page
    assert (large / "report.html").stat().st_size < MAX_HTML_BYTES


def test_a_large_report_caps_long_tables_and_says_so(large):
    page = (large / "report.html").read_text(encoding="utf-8")
    captions = re.findall(r"상위 (\d+)건 / 전체 ([\d,]+)건", page)
    assert captions, "the list of comments to answer is longer than a screen and says so"
    for shown, total in captions:
        assert int(shown) < int(total.replace(",", ""))
    rows_per_table = [t.count("<tr") for t in re.findall(r"<table.*?</table>", page, flags=re.S)]
    assert max(rows_per_table) <= 1 + 200  # header + the model-card table, the longest one shown whole


# ---------------------------------------------------------------- the README's own-data walkthrough


def test_the_readmes_own_data_walkthrough_runs_as_written(tmp_path):
    from civicnlp import synthetic

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- own-data walkthrough -->", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    frame = synthetic.generate_comments(
        {"campaign_id": "my-campaign", "start": "2024-05-16", "end": "2024-05-24"}, 400, seed=5
    )
    korean = {
        "comment_id": "번호",
        "channel": "채널",
        "text": "내용",
        "created_at": "작성일시",
        "likes": "좋아요",
    }
    frame = frame[list(korean)].rename(columns=korean)
    frame.loc[3, "내용"] = "   "  # a blank comment: quarantined, and counted
    frame.to_csv(tmp_path / "export.csv", index=False)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    read, kept, held = map(
        int, re.search(r"(\d+) rows read, (\d+) kept, (\d+) quarantined", done.stdout).groups()
    )
    assert read == 400 == kept + held and held >= 1  # the blank comment among them
    summaries = sorted((tmp_path / "my-reports" / "my-campaign").glob("*/summary.json"))
    assert len(summaries) == 2  # the direct report and the one from the annotated folder
    counts = []
    for path in summaries:
        quality = json.loads(path.read_text(encoding="utf-8"))["data_quality"]
        assert quality["rows_in"] == 400 == quality["annotated"] + quality["quarantined"]
        assert quality["quarantined"] >= held  # validate's quarantine, plus rows empty after normalization
        counts.append((quality["annotated"], quality["quarantined"]))
        assert (path.parent / "report.html").is_file()
    assert counts[0] == counts[1]  # both paths account for the rows alike


# ---------------------------------------------------------------- what the reader sees


def _visible_text(page: str) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<img[^>]*>", " ", body)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_report_speaks_korean_with_no_code_names_or_missing_markers(outputs):
    text = _visible_text((outputs / "report.html").read_text(encoding="utf-8"))
    code_names = ("share_negative", "entry_share", "near_duplicates", "complaint+question", "text_masked",
                  "policy_area", "comment_id", "author_id", "positive", "negative", "blank text",
                  "sentiment=", "/work/")  # fmt: skip
    assert not [name for name in code_names if name in text]
    assert not re.findall(r"\b(?:nan|NaT|None)\b", text)
    assert "다음에 할 일" in text and "상위 20건 / 전체" in text
    assert not re.search(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", text)  # times without seconds or offsets


def test_the_report_fits_a_laptop_screen(outputs, tmp_path):
    page = (outputs / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page)  # let the measuring script run
    probe = "<script>document.body.setAttribute('data-width', document.documentElement.scrollWidth)</script>"
    dom = _dump_dom(
        page.replace("</body>", probe + "</body>"), tmp_path, "--window-size=1280,900", "--hide-scrollbars"
    )
    width = re.search(r'data-width="(\d+)"', dom)
    assert width
    assert int(width.group(1)) <= 1280
