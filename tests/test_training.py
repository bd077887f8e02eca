"""Training the shipped classifiers: pipelines, splits, cards and their figures, evaluation."""

from __future__ import annotations

import hashlib
import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import TINY_TEXTS, require_corpus
from sklearn.base import clone
from sklearn.utils import murmurhash3_32

from civicnlp import classify, config, datasets, training
from civicnlp.campaigns import load_campaign
from civicnlp.cli import main
from civicnlp.exceptions import DataContractError, ParameterError
from civicnlp.features import KoreanAnalyzer
from civicnlp.io import file_sha256, read_table

VALIDATION = [
    # (model, corpus, corpus folder, metric the card reports)
    ("sentiment", "kodoli", "kodoli", "macro_f1"),
    ("sentiment", "kote", "kote", "macro_f1"),
    ("sentiment", "nsmc", "nsmc", "accuracy"),
    ("policy_area", "petitions", "petitions", "macro_f1"),
    ("news_section", "ynat", "ynat", "macro_f1"),
    ("toxicity", "beep", "korean_hate_speech", "macro_f1"),
    ("toxicity", "kodoli", "kodoli", "macro_f1"),
    ("toxicity", "curse", "curse", "macro_f1"),
    ("toxicity", "kmhas", "kmhas", "macro_f1"),
    ("reply", "3i4k", "3i4k", "macro_f1"),
]


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_pipeline_clones_with_the_same_parameters(name):
    pipe = training.build_pipeline(name)
    twin = clone(pipe)
    assert twin is not pipe
    assert repr(twin.get_params()) == repr(pipe.get_params())


def test_holdout_is_a_fixed_share_decided_by_the_text_alone():
    texts = [f"댓글 {i}" for i in range(5000)]
    val = training.holdout(texts)
    assert 0.18 < val.mean() < 0.22
    assert (training.holdout(["  댓글   7 "]) == val[7]).all()  # spacing does not move a text


def test_reply_training_sentences_get_the_marks_of_their_form():
    intents = [intent for intent in datasets.INTENTS for _ in range(300)]
    texts = [f"문장 {i}" for i in range(len(intents))]
    marked = training.with_marks(texts, intents)
    assert marked == training.with_marks(texts, intents)  # reproducible
    assert marked != training.with_marks(texts, intents, seed=1)
    added = [m[len(t) :] for t, m in zip(texts, marked, strict=True)]
    assert all(m.startswith(t) for t, m in zip(texts, marked, strict=True))
    interrogative = {"question", "rhetorical_question", "intonation_dependent"}
    assert {i for i, a in zip(intents, added, strict=True) if "?" in a} == interrogative
    assert all(a in ("", *training.ANY_TAILS) for i, a in zip(intents, added, strict=True) if i == "fragment")
    share = np.mean([a != "" for i, a in zip(intents, added, strict=True) if i == "question"])
    expected = 1 - (1 - training.END_SHARE) * (1 - training.TAIL_SHARE)
    assert abs(share - expected) < 0.08


@pytest.mark.parametrize(
    ("confidence", "correct", "expected"),
    [
        ([0.9] * 10, [1] * 9 + [0], 0.0),
        ([1.0] * 4, [1, 1, 0, 0], 0.5),
        ([0.6, 0.6, 0.95, 0.95], [1, 0, 1, 1], 0.075),
    ],
)
def test_expected_calibration_error(confidence, correct, expected):
    assert training.expected_calibration_error(np.array(confidence), np.array(correct)) == pytest.approx(
        expected
    )


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "corpus", "folder", "metric"), VALIDATION)
def test_shipped_model_meets_its_card_on_each_validation_corpus(name, corpus, folder, metric):
    card = classify.model_card(name)
    for entry in card["corpora"]:
        require_corpus(datasets.CORPORA[entry["name"]].folder)
        assert entry["sha256"] == datasets.corpus_sha256(entry["name"])
    val = training.validation_data(name)
    assert len(val) == card["rows"]["validation"]
    rows = val[val["corpus"] == corpus]
    metrics = training.evaluate(classify.load_model(name), rows["text"].tolist(), rows["label"].tolist())
    # within a retrain's wobble, not to the last digit
    assert metrics[metric] == pytest.approx(card["validation_by_corpus"][corpus][metric], abs=0.01)


def test_in_domain_data_finds_each_labelled_text_among_the_loaded_comments():
    data = training.in_domain_data("sentiment")
    labels = read_table(config.sample_dir() / "labels.csv")
    assert data["text"].tolist() == labels["text"].tolist()
    assert data["label"].tolist() == labels["sentiment"].tolist()
    # the first campaign arrives from its channels' raw exports: its texts are the ingested ones
    raw = labels[labels["campaign_id"] == "incheon-danggeun-apec-2024"]
    loaded = load_campaign("incheon-danggeun-apec-2024").comments.data
    assert len(raw) > 100 and raw["text"].isin(loaded["text"]).all()


def test_in_domain_data_refuses_a_label_whose_text_is_missing(tmp_path):
    folder = shutil.copytree(config.sample_dir(), tmp_path / "sample")
    with open(folder / "labels.csv", "a", encoding="utf-8") as f:
        f.write("bl-999999,incheon-bus-parking-2024,blog,어디에도 없는 댓글,negative,complaint\n")
    with pytest.raises(DataContractError, match="어디에도 없는 댓글"):
        training.in_domain_data("sentiment", data_dir=folder)


def test_in_domain_data_is_only_for_labelled_models():
    with pytest.raises(ParameterError, match="no sample labels for 'toxicity'"):
        training.in_domain_data("toxicity")
    with pytest.raises(ParameterError, match="no civic labels for 'reply'"):
        training.civic_data("reply")


def test_civic_data_gives_labels_in_the_models_classes(tmp_path):
    toxic = training.civic_data("toxicity")
    civic = read_table(config.civic_validation_path())
    assert len(toxic) == len(civic) and set(toxic["label"]) == {"toxic", "none"}
    assert (toxic["label"].eq("toxic") == civic["toxic"].eq("yes")).all()
    assert set(training.civic_data("sentiment")["label"]) == {"negative", "neutral", "positive"}
    bad = tmp_path / "civic.csv"
    bad.write_text("text,sentiment,needs_reply,toxic,topic\n욕설,negative,no,maybe,bus\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="toxic must be yes or no"):
        training.civic_data("toxicity", path=bad)
    bad.write_text("text,sentiment\n좋아요,positive\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="lacks column"):
        training.civic_data("sentiment", path=bad)


@pytest.mark.parametrize(
    ("name", "label_sets"), [("sentiment", ["sample", "civic"]), ("toxicity", ["civic"])]
)
def test_shipped_cards_record_their_in_domain_figures(name, label_sets):
    card = classify.model_card(name)["in_domain"]
    assert list(card) == label_sets
    files = {"sample": config.sample_dir() / "labels.csv", "civic": config.civic_validation_path()}
    again = training.evaluate_in_domain(name, classify.load_model(name))
    for label_set in label_sets:
        section, labels = card[label_set], read_table(files[label_set])
        assert section["sha256"] == file_sha256(files[label_set])
        assert section["rows"] == section["all_classes"]["rows"] == len(labels)
        assert again[label_set]["all_classes"]["accuracy"] == pytest.approx(
            section["all_classes"]["accuracy"]
        )
        if name == "sentiment":
            assert section["binary"]["rows"] == int((labels["sentiment"] != "neutral").sum())
            assert again[label_set]["binary"]["accuracy"] == pytest.approx(section["binary"]["accuracy"])
    card_md = (classify.models_dir() / f"{name}.card.md").read_text(encoding="utf-8")
    assert card_md.count("In domain") == len(label_sets)


def test_campaign_subject_words_are_no_evidence_of_sentiment():
    model = classify.load_model("sentiment")
    normalize, features = model.named_steps["normalize"], model.named_steps["features"]
    analyzer = KoreanAnalyzer(features.char_ngrams, features.morph_ngrams, features.tokenizer)
    for term in training.SUBJECT_TERMS:
        text = normalize.transform([term])[0]
        grams = analyzer(text)
        lone = {g for g in grams if g.startswith("c:") and len(g[2:].strip()) <= 1}
        assert len(lone) < len(grams)  # the term has n-grams of its own to ignore
        allowed = {abs(murmurhash3_32(g, seed=0, positive=False)) % features.n_features for g in lone}
        assert set(features.transform([text]).indices) <= allowed, term
    assert model.predict(["APEC 유치 응원합니다"])[0] == "positive"


def test_the_phrasebook_is_labelled_and_recorded_on_the_card():
    book = training.civic_phrases()
    assert list(book.columns) == ["text", "sentiment", "kind"] and book["text"].is_unique
    assert set(book["sentiment"]) <= {"negative", "positive"}
    assert set(book.groupby("kind")["sentiment"].agg(set).map(frozenset)) == {
        frozenset({"positive"}),
        frozenset({"negative"}),
    }  # each kind of line one polarity
    evaluation = {
        *read_table(config.civic_validation_path())["text"],
        *training.in_domain_data("sentiment")["text"],
    }
    assert not set(book["text"]) & evaluation  # no evaluation comment taught
    card = classify.model_card("sentiment")["phrasebook"]
    assert card["rows"] == len(book)
    shipped = resources.files("civicnlp").joinpath(training.PHRASEBOOK).read_bytes()
    assert card["sha256"] == hashlib.sha256(shipped).hexdigest()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("찬성합니다", "positive", "support"), ("  ", "positive", "support")], "a blank text on line"),
        (
            [("찬성합니다", "positive", "support"), ("찬성합니다", "negative", "x")],
            "a text given twice on line",
        ),
        ([("반대합니다", "negativ", "opposition")], "a sentiment not in negative, neutral, positive on line"),
    ],
)
def test_an_edited_phrasebook_with_a_bad_line_is_refused_by_line(rows, message):
    book = pd.DataFrame(rows, columns=["text", "sentiment", "kind"])
    with pytest.raises(DataContractError, match=message):
        training.check_phrasebook(book)
    with pytest.raises(DataContractError, match="misses columns: kind"):
        training.check_phrasebook(book.drop(columns="kind"))


@pytest.mark.corpus
def test_the_phrasebook_teaches_civic_stances_and_hardship_stays_negative():
    require_corpus("nsmc")
    train, val = training.splits("sentiment")
    taught = train[train["corpus"].eq("civic_phrases")]
    assert set(taught["text"]) == set(training.civic_phrases()["text"])
    assert not val["corpus"].eq("civic_phrases").any()
    model = classify.load_model("sentiment")
    unseen = {
        "자원봉사자분들 고생 많으셨어요": "positive",
        "공원 조성 사업 적극 찬성이에요": "positive",
        "이런 사업은 세금 낭비일 뿐이에요": "negative",
        "고생만 하고 바뀐 게 없네요": "negative",  # hardship, not thanks
        "반대편 차선이 막혀요": "neutral",  # 반대 that is no stance
    }
    assert not set(unseen) & set(training.civic_phrases()["text"])
    assert dict(zip(unseen, model.predict(list(unseen)), strict=True)) == unseen


def test_most_uncertain_lists_the_closest_calls_first(tiny_models):
    model = tiny_models["toxicity"]
    sample = training.most_uncertain(model, TINY_TEXTS[:6], n=4)
    assert len(sample) == 4
    assert sample["margin"].is_monotonic_increasing
    assert {"text", "predicted", "label", "p_none", "p_toxic"} <= set(sample.columns)
    assert (sample["label"] == "").all()
    proba = model.predict_proba(TINY_TEXTS[:6])
    assert sample["margin"].iloc[0] == pytest.approx(min(np.diff(np.sort(p)[-2:])[0] for p in proba))


@pytest.mark.corpus
def test_the_analyst_labels_loop_retrains_the_sentiment_model(tmp_path):
    """most_uncertain → a sheet an analyst labels → ``civicnlp train sentiment --extra-labels``, on the first
    lines of each of the model's real corpora."""
    home = tmp_path / "home"
    for entry in classify.model_card("sentiment")["corpora"]:
        corpus = datasets.CORPORA[entry["name"]]
        source = require_corpus(corpus.folder)
        for file in corpus.files:
            target = home / corpus.folder / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(source / file.path, encoding="utf-8") as f:
                target.write_text("".join(f.readline() for _ in range(600)), encoding="utf-8")
    comments = read_table(config.sample_dir() / "labels.csv")["text"].tolist()
    sheet = training.most_uncertain(classify.load_model("sentiment"), comments, n=6)
    sheet["label"] = ["negative", "neutral", "positive"] * 2
    labelled = tmp_path / "labelled.csv"
    sheet.to_csv(labelled, index=False)
    out = tmp_path / "models"
    args = [
        "train",
        "sentiment",
        "--data-home",
        str(home),
        "--out",
        str(out),
        "--extra-labels",
        str(labelled),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    card = classify.model_card("sentiment", model_dir=out)
    assert card["extra_labels"]["rows"] == 6
    assert card["extra_labels"]["sha256"] == file_sha256(labelled)
    assert card["rows"]["train"] > 6
    retrained = classify.load_model("sentiment", model_dir=out)
    assert list(retrained.classes_) == ["negative", "neutral", "positive"]
    assert retrained.predict_proba(comments[:5]).shape == (5, 3)
