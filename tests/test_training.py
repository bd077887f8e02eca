"""Training the shipped classifiers: pipelines, splits, cards and their figures, evaluation."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import TINY_TEXTS, require_corpus
from sklearn.base import clone

from civicnlp import classify, config, datasets, training
from civicnlp.campaigns import load_campaign
from civicnlp.exceptions import DataContractError, ParameterError
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
    with pytest.raises(ParameterError, match="no in-domain labels"):
        training.in_domain_data("toxicity")


def test_shipped_sentiment_card_records_its_in_domain_figures():
    card = classify.model_card("sentiment")["in_domain"]
    labels = read_table(config.sample_dir() / "labels.csv")
    assert card["sha256"] == file_sha256(config.sample_dir() / "labels.csv")
    assert card["rows"] == card["all_classes"]["rows"] == len(labels)
    assert card["binary"]["rows"] == int((labels["sentiment"] != "neutral").sum())
    again = training.evaluate_in_domain("sentiment", classify.load_model("sentiment"))
    assert again["all_classes"]["accuracy"] == pytest.approx(card["all_classes"]["accuracy"])
    assert again["binary"]["accuracy"] == pytest.approx(card["binary"]["accuracy"])
    assert "In domain" in (classify.models_dir() / "sentiment.card.md").read_text(encoding="utf-8")


def test_most_uncertain_lists_the_closest_calls_first(tiny_models):
    model = tiny_models["toxicity"]
    sample = training.most_uncertain(model, TINY_TEXTS[:6], n=4)
    assert len(sample) == 4
    assert sample["margin"].is_monotonic_increasing
    assert {"text", "predicted", "label", "p_none", "p_toxic"} <= set(sample.columns)
    assert (sample["label"] == "").all()
    proba = model.predict_proba(TINY_TEXTS[:6])
    assert sample["margin"].iloc[0] == pytest.approx(min(np.diff(np.sort(p)[-2:])[0] for p in proba))
