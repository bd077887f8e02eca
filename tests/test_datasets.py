"""Corpus loaders: documented columns and labels on the real corpora; clear errors for a missing corpus."""

from __future__ import annotations

import pytest
from conftest import require_corpus

from civicnlp import datasets
from civicnlp.exceptions import CorpusNotFoundError, ParameterError

LOADERS = [
    # (corpus folder, loader, rows, labels, extra columns)
    ("nsmc", datasets.load_nsmc, 150_000, {"negative", "positive"}, {"id"}),
    (
        "petitions",
        datasets.load_petitions,
        3_052,
        set(datasets.PETITION_CATEGORIES),
        {"title", "content", "begin"},
    ),
    (
        "ynat",
        lambda: datasets.load_ynat("train"),
        40_000,
        {"IT과학", "경제", "사회", "생활문화", "세계", "스포츠", "정치"},
        {"id"},
    ),
    (
        "ynat",
        lambda: datasets.load_ynat("val"),
        5_000,
        {"IT과학", "경제", "사회", "생활문화", "세계", "스포츠", "정치"},
        {"id"},
    ),
    (
        "korean_hate_speech",
        lambda: datasets.load_beep("train"),
        7_896,
        {"none", "offensive", "hate"},
        {"bias"},
    ),
    (
        "korean_hate_speech",
        lambda: datasets.load_beep("dev"),
        471,
        {"none", "offensive", "hate"},
        {"news_title"},
    ),
    ("kodoli", datasets.load_kodoli, 32_647, {"NEG", "NEU", "POS"}, {"offensiveness", "abuse"}),
    ("kote", datasets.load_kote, 5_000, {"negative", "neutral", "positive", "mixed"}, {"emotions"}),
    ("kmhas", datasets.load_kmhas, 8_695, {"hate", "not_hate"}, {"kinds"}),
    ("curse", datasets.load_curse, 5_779, {"curse", "none"}, set()),
    ("3i4k", datasets.load_3i4k, 54_041, set(datasets.INTENTS), set()),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("folder", "loader", "rows", "labels", "extra"), LOADERS)
def test_loader_reads_every_row_with_documented_columns(folder, loader, rows, labels, extra):
    require_corpus(folder)
    df = loader()
    assert len(df) == rows
    assert {"text", "label"} | extra <= set(df.columns)
    assert set(df["label"]) == labels
    assert df["text"].notna().all()


@pytest.mark.corpus
def test_nsmc_quoting_keeps_quoted_reviews_whole():
    require_corpus("nsmc")
    df = datasets.load_nsmc()
    assert df["label"].value_counts().to_dict() == {"negative": 75_173, "positive": 74_827}
    assert (df["text"] == "").sum() == 5
    assert df["text"].str.startswith('"').sum() > 0


@pytest.mark.corpus
def test_petitions_months_allow_a_time_split():
    require_corpus("petitions")
    df = datasets.load_petitions()
    assert df["begin"].value_counts().to_dict() == {
        "2017-08": 662,
        "2019-04": 494,
        "2019-05": 714,
        "2019-06": 572,
        "2019-07": 610,
    }
    row = df.iloc[0]
    assert row["text"].startswith(row["title"])


@pytest.mark.corpus
def test_beep_dev_labels_match_source_counts():
    require_corpus("korean_hate_speech")
    df = datasets.load_beep("dev")
    assert df["label"].value_counts().to_dict() == {"offensive": 189, "none": 160, "hate": 122}
    assert df["news_title"].notna().all()


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("folder", "loader", "counts"),
    [
        (
            "kodoli",
            lambda: datasets.load_kodoli()["offensiveness"],
            {"NOT": 21_394, "OFFEN": 6_497, "LIKELY": 4_756},
        ),
        (
            "kote",
            lambda: datasets.load_kote()["label"],
            {"negative": 2_755, "positive": 1_711, "mixed": 378, "neutral": 156},
        ),
        ("kmhas", lambda: datasets.load_kmhas()["label"], {"not_hate": 4_855, "hate": 3_840}),
        ("curse", lambda: datasets.load_curse()["label"], {"none": 3_740, "curse": 2_039}),
    ],
)
def test_comment_corpora_labels_match_source_counts(folder, loader, counts):
    require_corpus(folder)
    assert loader().value_counts().to_dict() == counts


@pytest.mark.corpus
def test_3i4k_intents_match_source_counts():
    require_corpus("3i4k")
    assert datasets.load_3i4k()["label"].value_counts().to_dict() == {
        "statement": 16_282,
        "question": 15_829,
        "command": 11_481,
        "fragment": 5_116,
        "intonation_dependent": 2_893,
        "rhetorical_question": 1_547,
        "rhetorical_command": 893,
    }


@pytest.mark.corpus
def test_corpus_sha256_is_stable_and_distinguishes_corpora():
    require_corpus("ynat")
    require_corpus("korean_hate_speech")
    first = datasets.corpus_sha256("ynat")
    assert first == datasets.corpus_sha256("ynat")
    assert len(first) == 64
    assert first != datasets.corpus_sha256("beep")


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda home: datasets.load_nsmc(data_home=home), "CIVICNLP_DATA_HOME"),
        (lambda home: datasets.load_petitions(data_home=home), "petitions"),
        (lambda home: datasets.load_ynat("val", data_home=home), "val.csv"),
        (lambda home: datasets.load_beep("dev", data_home=home), "korean_hate_speech"),
        (lambda home: datasets.load_kodoli(data_home=home), "kodoli"),
        (lambda home: datasets.load_3i4k(data_home=home), "3i4k"),
    ],
)
def test_missing_corpus_raises_corpus_not_found_naming_the_setting(tmp_path, call, needle):
    with pytest.raises(CorpusNotFoundError, match=needle) as info:
        call(tmp_path)
    assert "CIVICNLP_DATA_HOME" in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.load_ynat("test"),
        lambda: datasets.load_beep("val"),
        lambda: datasets.corpus_sha256("imdb"),
    ],
)
def test_unknown_split_or_corpus_is_a_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


def test_registry_pins_every_file_to_a_commit_and_sha256():
    for corpus in datasets.CORPORA.values():
        assert corpus.licence
        for file in corpus.files:
            assert len(file.sha256) == 64
            source = file.url.split("/")[5] if file.url else corpus.origin.split("@")[1]
            assert len(source) == 40, (corpus.name, file.url, corpus.origin)


def test_a_prepared_corpus_is_never_downloaded(tmp_path):
    with pytest.raises(CorpusNotFoundError, match="not downloadable"):
        datasets.corpus_path("kodoli", "train.csv", data_home=tmp_path, download_if_missing=True)


def test_loader_reads_a_corpus_from_a_given_data_home(tmp_path):
    folder = tmp_path / "ynat"
    folder.mkdir()
    (folder / "val.csv").write_text(
        "id,title,topic\n7,손흥민 시즌 10호골,스포츠\n8,,정치\n", encoding="utf-8"
    )
    df = datasets.load_ynat("val", data_home=tmp_path)
    assert df.to_dict("list") == {
        "id": [7, 8],
        "text": ["손흥민 시즌 10호골", ""],
        "label": ["스포츠", "정치"],
    }
