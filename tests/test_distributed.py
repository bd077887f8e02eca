"""The Dask path against the single-process path, on the sample campaigns and real local clusters."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from civicnlp import aggregate, config
from civicnlp.annotate import DEFAULT_MODELS, annotate_file, flag_comments
from civicnlp.cli import main
from civicnlp.exceptions import DataContractError, ParameterError
from civicnlp.io import write_csv_parts, write_table

distributed = pytest.importorskip("distributed")
from civicnlp import distributed as dist  # noqa: E402

SAMPLE = config.sample_dir() / "comments"
# a sample campaign kept as one comments table, in CP949 (the PARKING one is read from its channel exports)
PARKING = SAMPLE / "incheon-bus-parking-2024.csv"
PARTITION_ROWS = 150  # the 650-row campaign in 5 partitions: duplicates span partitions


def _written(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A frame as its Parquet output reads back (what the single-process CLI leaves on disk)."""
    write_table(frame, path)
    return pd.read_parquet(path)


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("comment_id", kind="stable").reset_index(drop=True)


def _quarantine_as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].astype("string")
    return out.sort_values(["source_row", "comment_id"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def cluster():
    """A running 2-process cluster, reached by its address like a remote one."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def apec_run(tmp_path_factory):
    """The sample campaign annotated on a LocalCluster started by annotate_dask, and single-process."""
    if not PARKING.is_file():
        pytest.skip("the sample campaign has not landed")
    out = tmp_path_factory.mktemp("dask")
    summary = dist.annotate_dask([PARKING], out, n_workers=2, partition_rows=PARTITION_ROWS)
    reference = annotate_file(PARKING)
    return summary, reference, out


def test_dask_output_is_the_single_process_output_row_for_row(apec_run, tmp_path):
    summary, reference, out = apec_run
    assert summary.workers == 2 and summary.partitions == 5
    expected = _by_id(_written(reference.data, tmp_path / "scored.parquet"))
    got = _by_id(pd.read_parquet(out / "annotated"))
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected)
    assert len(list((out / "annotated").glob("*.parquet"))) == 5


def test_dask_row_accounting_and_quarantine_match(apec_run, tmp_path):
    summary, reference, out = apec_run
    assert (summary.rows_in, summary.annotated, summary.quarantined) == (
        reference.rows_in,
        len(reference.data),
        len(reference.quarantine),
    )
    assert summary.rows_in == summary.annotated + summary.quarantined
    assert summary.reasons == reference.quarantine["reason"].value_counts().to_dict()
    assert summary.summary().startswith(reference.summary())
    expected = _written(reference.quarantine, tmp_path / "quarantine.parquet")
    got = pd.read_parquet(out / "quarantine")
    assert "text" not in got.columns and set(got["source_file"]) == {PARKING.name}
    columns = list(expected.columns)
    pd.testing.assert_frame_equal(_quarantine_as_text(got, columns), _quarantine_as_text(expected, columns))


def test_partition_local_flags_would_differ(apec_run):
    """Why the second pass exists: flags computed partition by partition miss cross-partition repeats."""
    _, reference, _ = apec_run
    data = reference.data
    chunks = [data.iloc[i : i + PARTITION_ROWS] for i in range(0, len(data), PARTITION_ROWS)]
    local = pd.concat([flag_comments(c) for c in chunks])
    whole = flag_comments(data)
    assert whole["is_duplicate"].sum() > local["is_duplicate"].sum()


def test_local_workers_start_with_the_malloc_settings_and_no_profiler(monkeypatch):
    import dask

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with dist.connect(n_workers=1) as client:
        seen = client.run(lambda: {k: os.environ.get(k) for k in dist.WORKER_MALLOC})
        config = client.run(lambda: {k: dask.config.get(k) for k in dist.WORKER_CONFIG})
    assert list(seen.values()) == [{k: str(v) for k, v in dist.WORKER_MALLOC.items()}]
    assert list(config.values()) == [dist.WORKER_CONFIG]  # Dask's default is to profile


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_heap_trim_is_found_and_runs():
    assert dist._malloc_trim() is not None
    dist._trim_memory()


def test_globs_and_a_scheduler_address(cluster, tmp_path):
    files = sorted(SAMPLE.glob("*.csv"))
    if len(files) < 2:
        pytest.skip("the sample campaigns have not landed")
    summary = dist.annotate_dask(
        [str(SAMPLE / "*.csv")], tmp_path, scheduler=cluster.scheduler_address, partition_rows=400
    )
    references = [annotate_file(f) for f in files]  # one campaign per file: the same campaign-wide flags
    assert summary.files == files and summary.workers == 2
    assert summary.rows_in == sum(r.rows_in for r in references)
    assert summary.quarantined == sum(len(r.quarantine) for r in references)
    expected = _by_id(_written(pd.concat([r.data for r in references]), tmp_path / "ref.parquet"))
    pd.testing.assert_frame_equal(_by_id(pd.read_parquet(tmp_path / "annotated")), expected)


def _model_loads() -> int:
    from civicnlp import classify

    return classify._cached_load.cache_info().misses


def test_each_worker_loads_the_models_once(cluster, tmp_path):
    """The warm-up plugin loads annotation's models per worker process; partitions reuse them."""
    if not PARKING.is_file():
        pytest.skip("the sample campaign has not landed")
    for run in ("first", "second"):  # 2 runs x 5 partitions on 2 workers
        dist.annotate_dask([PARKING], tmp_path / run, scheduler=cluster.scheduler_address, partition_rows=150)
    with distributed.Client(cluster.scheduler_address) as client:
        loads = client.run(_model_loads)
    assert len(loads) == 2 and all(n == len(DEFAULT_MODELS) for n in loads.values()), loads


def test_partitions_left_empty_by_normalization(cluster, tmp_path):
    """A partition whose every text normalizes to nothing, and a file of nothing but such rows."""
    if not PARKING.is_file():
        pytest.skip("the sample campaign has not landed")
    frame = pd.read_csv(PARKING, dtype=str, encoding="cp949").head(40)
    frame.loc[:9, "text"] = "\u200b\u200b"  # zero-width only: quarantined as empty after normalization
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.head(10).to_csv(tmp_path / "b.csv", index=False)
    for name in ("a.csv", "b.csv"):
        reference = annotate_file(tmp_path / name)
        summary = dist.annotate_dask(
            [tmp_path / name], tmp_path / name[0], scheduler=cluster.scheduler_address, partition_rows=10
        )
        assert (summary.rows_in, summary.annotated, summary.quarantined) == (
            reference.rows_in,
            len(reference.data),
            len(reference.quarantine),
        )
        assert summary.reasons["empty after normalization"] == 10
    expected = _by_id(_written(annotate_file(tmp_path / "a.csv").data, tmp_path / "ref.parquet"))
    pd.testing.assert_frame_equal(_by_id(pd.read_parquet(tmp_path / "a" / "annotated")), expected)


def test_quarantine_is_pii_masked(cluster, tmp_path):
    source = tmp_path / "c.csv"
    source.write_text(
        "comment_id,campaign_id,channel,text,created_at\n"
        "c1,camp,facebook,좋아요 010-1234-5678,2024-05-16 10:00\n"
        "c2,camp,facebook,연락 010-2222-3333,not a date\n"
        "c3,camp,facebook,a,b,c 010-4444-5555,2024-05-16\n",  # ragged: kept as its raw line
        encoding="utf-8",
    )
    summary = dist.annotate_dask([source], tmp_path / "out", scheduler=cluster.scheduler_address)
    assert (summary.rows_in, summary.annotated, summary.quarantined) == (3, 1, 2)
    held = pd.read_parquet(tmp_path / "out" / "quarantine")
    cells = pd.concat([held[c].dropna().astype(str) for c in held.columns])
    assert not cells.str.contains(r"010-\d{4}-\d{4}").any(), cells.tolist()
    assert "text" not in held.columns and "raw" in held.columns


def test_inputs_with_different_columns_are_refused(cluster, tmp_path):
    if not PARKING.is_file():
        pytest.skip("the sample campaign has not landed")
    frame = pd.read_csv(PARKING, dtype=str, encoding="cp949").head(20)
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.assign(extra="x").to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataContractError, match="same columns"):
        dist.annotate_dask(
            [tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "out", scheduler=cluster.scheduler_address
        )


def test_cli_annotate_engine_dask(cluster, tmp_path):
    if not PARKING.is_file():
        pytest.skip("the sample campaign has not landed")
    args = ["annotate", str(PARKING), "--engine", "dask", "--scheduler", cluster.scheduler_address]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("650 rows read / 636 annotated / 14 quarantined")
    assert len(pd.read_parquet(tmp_path / "run" / "annotated")) == 636


@pytest.mark.parametrize(
    "args, message",
    [
        (["a.csv", "b.csv", "--out", "o.csv"], "one INPUT file"),
        (["a.csv", "--out", "o.csv", "--scheduler", "tcp://127.0.0.1:1"], "no --scheduler"),
        (["a.csv", "--engine", "dask", "--out", "o", "--quarantine", "q.csv"], "dask writes OUT/quarantine/"),
    ],
)
def test_cli_annotate_refuses_mixed_options(args, message):
    result = CliRunner().invoke(main, ["annotate", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    "make, given, expected",
    [
        (["a.csv"], ["a.csv"], ["a.csv"]),
        (["a.csv", "b.parquet", "notes.md"], ["."], ["a.csv", "b.parquet"]),
        (["x/1.csv", "x/2.csv", "y/3.csv"], ["*/*.csv"], ["x/1.csv", "x/2.csv", "y/3.csv"]),
        (["a.csv", "b.csv"], ["a.csv", "*.csv"], ["a.csv", "b.csv"]),
    ],
)
def test_expand_inputs(tmp_path, make, given, expected):
    for name in make:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = dist.expand_inputs([str(tmp_path / g) for g in given])
    assert found == [tmp_path / e for e in expected]


@pytest.mark.parametrize("given", [["missing.csv"], ["*.tsv"], []])
def test_expand_inputs_refuses(tmp_path, given):
    with pytest.raises(ParameterError):
        dist.expand_inputs([str(tmp_path / g) for g in given])


@pytest.fixture(scope="module")
def annotated_pair(apec_run):
    """The same annotated rows as pandas (single process) and as Dask (several partitions, no client)."""
    _, reference, out = apec_run
    path = out / "reference.parquet"
    pdf = _written(reference.data, path)
    return pdf, dist.read_annotated(out).repartition(npartitions=3)


@pytest.mark.parametrize(
    "metric, kwargs",
    [
        (aggregate.volume, {}),
        (aggregate.participation, {}),
        (aggregate.participation, {"by": ()}),
        (aggregate.participation, {"by": ("channel", "day")}),
        (aggregate.sentiment_shares, {}),
        (aggregate.sentiment_shares, {"by": ("day",), "opinions_only": True}),
        (aggregate.topic_shares, {}),
        (aggregate.topic_shares, {"by": ("channel",)}),
        (aggregate.toxic_share, {"by": ("channel",)}),
        (aggregate.top_keywords, {"top": 15}),
    ],
)
def test_one_metric_gives_the_same_table_on_pandas_and_dask(annotated_pair, metric, kwargs):
    pdf, ddf = annotated_pair
    pd.testing.assert_frame_equal(metric(ddf, **kwargs), metric(pdf, **kwargs))


def test_summarize_gives_the_same_summary_on_pandas_and_dask(annotated_pair):
    pdf, ddf = annotated_pair
    releases = pd.DataFrame(
        {"title": ["주차 요금 안내"], "body": ["공영주차장 요금이 바뀝니다. 버스 노선도 바뀝니다."]}
    )
    expected = aggregate.summarize(pdf, releases=releases)
    assert aggregate.summarize(ddf, releases=releases) == expected
    assert expected["comments"] == 636 and expected["duplicates"] > 0 and expected["message_uptake"]
    assert aggregate.needs_reply_count(ddf) == len(aggregate.actionable_comments(pdf, n=None)) > 0


def test_annotate_dask_refuses_bad_sizes(tmp_path):
    with pytest.raises(ParameterError, match="partition_rows"):
        dist.annotate_dask([PARKING], tmp_path, partition_rows=0)
    with pytest.raises(ParameterError, match="n_workers"):
        dist.annotate_dask([PARKING], tmp_path, n_workers=0)


def test_read_annotated_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ParameterError, match="no annotated output"):
        dist.read_annotated(tmp_path / "nothing")


@pytest.mark.parametrize(
    "selection",
    [{}, {"channels": ["facebook", "blog"]}, {"date_from": "2024-07-03", "date_to": "2024-07-05"}],
)
def test_select_dask_equals_select_comments(annotated_pair, selection):
    from civicnlp.aggregate import select_comments

    pdf, ddf = annotated_pair
    got = dist.select_dask(ddf, "incheon-bus-parking-2024", **selection).compute()
    expected = select_comments(pdf, **selection)
    assert len(got) == len(expected) > 0
    assert got["comment_id"].tolist() == expected["comment_id"].tolist()


def test_select_dask_names_what_the_data_has(annotated_pair):
    _, ddf = annotated_pair
    with pytest.raises(ParameterError, match="no comments of campaign 'other'"):
        dist.select_dask(ddf, "other")
    with pytest.raises(ParameterError, match="no comments in the selection"):
        dist.select_dask(ddf, None, date_from="2030-01-01")


def test_sample_rows_is_bounded_seeded_and_whole_when_small(annotated_pair):
    pdf, ddf = annotated_pair
    whole = dist.sample_rows(ddf, 10_000)
    assert whole["comment_id"].tolist() == pdf["comment_id"].tolist()  # every row, in input order
    some = dist.sample_rows(ddf, 100, seed=1)
    assert 50 <= len(some) <= 150 and some["comment_id"].isin(pdf["comment_id"]).all()
    assert some["comment_id"].tolist() == dist.sample_rows(ddf, 100, seed=1)["comment_id"].tolist()


def test_write_csv_parts_streams_what_write_table_writes(annotated_pair, tmp_path):
    pdf, ddf = annotated_pair
    write_csv_parts(ddf, tmp_path / "dask.csv")
    write_table(pdf, tmp_path / "pandas.csv")
    assert (tmp_path / "dask.csv").read_bytes().count(b"\xef\xbb\xbf") == 1  # one BOM, one header
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "dask.csv", dtype=str), pd.read_csv(tmp_path / "pandas.csv", dtype=str)
    )


def test_out_of_range_dates_and_counts_are_quarantined_on_dask(cluster, tmp_path):
    source = tmp_path / "c.csv"
    source.write_text(
        "comment_id,campaign_id,channel,text,created_at,likes\n"
        "c1,camp,facebook,좋아요,2024-05-16 10:00,1\n"
        "c2,camp,facebook,좋아요,9999-12-31,1\n"
        "c3,camp,facebook,좋아요,2262-04-12,1\n"
        "c4,camp,facebook,좋아요,2024-05-16,99999999999999999999\n"
        "c5,camp,facebook,좋아요,2024-05-16,1e308\n",
        encoding="utf-8",
    )
    summary = dist.annotate_dask([source], tmp_path / "out", scheduler=cluster.scheduler_address)
    assert (summary.rows_in, summary.annotated, summary.quarantined) == (5, 1, 4)
    assert summary.reasons == {"created_at outside 1990-01-01..2100-12-31": 2, "bad likes": 2}
