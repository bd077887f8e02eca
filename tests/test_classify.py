"""The five classifiers: estimator contract, skops persistence and its refusal of untrusted files, the shipped
models on obvious cases and on their own validation splits, and the train/evaluate commands."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io
from click.testing import CliRunner
from conftest import TINY_LABELS, TINY_TEXTS
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from civicnlp import classify, datasets, features
from civicnlp.cli import main
from civicnlp.exceptions import ModelError, ParameterError
from civicnlp.io import file_sha256

# --- estimator contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_fitted_pipeline_probabilities_follow_classes(name, tiny_models):
    model = tiny_models[name]
    assert set(model.classes_) == set(TINY_LABELS[name])
    proba = model.predict_proba(TINY_TEXTS[:6])
    assert proba.shape == (6, len(model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(model.predict(TINY_TEXTS[:6])) == list(classify.labels_from_proba(model, proba))


@pytest.mark.parametrize("bad", [None, float("nan"), "", "   ", "ㅋㅋㅋㅋㅋ", "😀😀", "a" * 5000])
def test_fitted_pipeline_scores_messy_text(bad, tiny_models):
    proba = tiny_models["toxicity"].predict_proba([bad])
    assert proba.shape == (1, 2)
    assert np.isfinite(proba).all()


def test_models_sharing_a_batch_score_as_each_does_alone(tiny_models):
    alone = {}
    for name, model in tiny_models.items():
        features.clear_memo()
        alone[name] = model.predict_proba(TINY_TEXTS)
    features.clear_memo()
    for name, model in tiny_models.items():  # as annotation runs them: later models reuse the memo
        np.testing.assert_array_equal(model.predict_proba(TINY_TEXTS), alone[name])


def _fixed_lr(p_positive: float) -> LogisticRegression:
    """A logistic regression on one feature x = 1 giving ``p_positive`` (classes False, True)."""
    lr = LogisticRegression().fit([[0.0], [1.0]], [False, True])
    lr.coef_[:] = 0.0
    lr.intercept_[:] = np.log(p_positive / (1 - p_positive))
    return lr


@pytest.mark.parametrize(("p_neutral", "p_positive"), [(0.2, 0.9), (0.7, 0.5), (0.5, 0.1)])
def test_neutral_polarity_shares_the_polar_rest_in_the_second_stage_ratio(p_neutral, p_positive):
    model = classify.NeutralPolarity()
    model.neutral_, model.polarity_ = _fixed_lr(p_neutral), _fixed_lr(p_positive)
    model.classes_ = np.array(classify.SENTIMENTS, dtype=object)
    proba = model.predict_proba([[1.0]])[0]
    np.testing.assert_allclose(
        proba, [(1 - p_neutral) * (1 - p_positive), p_neutral, (1 - p_neutral) * p_positive]
    )


def test_neutral_polarity_learns_neutral_only_from_corpora_that_have_it():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] * 4)
    y = ["negative", "positive", "neutral"] * 4
    binary = [False] * 9 + [True] * 3  # the last rows' corpus has no neutral class
    model = classify.NeutralPolarity().fit(X, y, polar_only=binary)
    assert list(model.predict(X[:3])) == ["negative", "positive", "neutral"]
    with pytest.raises(ParameterError, match="sentiment labels"):
        classify.NeutralPolarity().fit(X, ["bad"] * 12)


@pytest.mark.parametrize(
    ("proba", "threshold", "fallback", "expected"),
    [
        ([0.7, 0.3], 0.4, "none", "none"),
        ([0.6, 0.4], 0.4, "none", "toxic"),  # p_toxic reaches the threshold
        ([0.61, 0.39], 0.4, "none", "none"),
        ([0.2, 0.8], 0.9, "none", "none"),
        ([0.5, 0.3, 0.2], 0.4, "정책 무관/기타", "a"),
        ([0.35, 0.33, 0.32], 0.4, "정책 무관/기타", "정책 무관/기타"),  # unsure: no class
    ],
)
def test_threshold_decision_needs_confidence(proba, threshold, fallback, expected):
    model = classify.ThresholdDecision(threshold=threshold, fallback=fallback)
    model.classes_ = np.array(["none", "toxic"] if len(proba) == 2 else ["a", "b", "c"], dtype=object)
    assert model.decide(np.array([proba]))[0] == expected


def test_per_sentence_takes_the_most_asking_sentence(tiny_models):
    reply = tiny_models["reply"]
    first, second = "축제 정말 즐거웠어요 최고!", "쓰레기 문제 해결해 주세요"
    p = reply.predict_proba([first, second, f"{first} {second}"])[:, list(reply.classes_).index("reply")]
    assert p[2] == pytest.approx(max(p[0], p[1]))


def test_nb_logistic_regression_is_binary():
    with pytest.raises(ParameterError, match="binary"):
        classify.NBLogisticRegression().fit(np.eye(3), ["a", "b", "c"])


# --- persistence ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_skops_round_trip_gives_the_same_probabilities(name, tiny_models, tmp_path):
    path = classify.save_model(tiny_models[name], tmp_path / f"{name}.skops")
    loaded = classify.load_model_file(path)
    np.testing.assert_allclose(loaded.predict_proba(TINY_TEXTS), tiny_models[name].predict_proba(TINY_TEXTS))


def test_trusted_types_are_exactly_what_the_pipelines_hold(tiny_models, tmp_path):
    needed: set[str] = set()
    for name, model in tiny_models.items():
        path = classify.save_model(model, tmp_path / f"{name}.skops")
        needed |= set(skops.io.get_untrusted_types(file=path))
    assert needed == set(classify.TRUSTED_TYPES)


def test_a_file_with_an_untrusted_type_is_refused_naming_it(tmp_path):
    evil = Pipeline([("run", FunctionTransformer(os.system)), ("clf", LogisticRegression())])
    path = tmp_path / "evil.skops"
    skops.io.dump(evil, path)
    with pytest.raises(ModelError, match=r"untrusted types.*system"):
        classify.load_model_file(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04broken"])
def test_a_corrupt_file_is_a_model_error(tmp_path, content):
    path = tmp_path / "broken.skops"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="not a readable skops"):
        classify.load_model_file(path)


def test_unknown_or_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="unknown model"):
        classify.load_model("spam")
    with pytest.raises(ModelError, match="civicnlp train sentiment"):
        classify.load_model("sentiment", model_dir=tmp_path)


# --- the shipped models ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_shipped_model_is_small_and_cached(name):
    path = classify.models_dir() / f"{name}.skops"
    assert path.stat().st_size <= 10 * 2**20
    assert classify.load_model(name) is classify.load_model(name)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("sentiment", "축제 정말 즐거웠어요 최고!", "positive"),
        ("sentiment", "주차 단속 너무 심하네요 최악입니다", "negative"),
        ("sentiment", "이벤트 덕분에 가족과 행복한 시간 보냈습니다 감사합니다", "positive"),
        ("sentiment", "시간 낭비였고 진행도 엉망이라 실망했어요", "negative"),
        ("policy_area", "출퇴근 광역버스 배차 간격을 줄이고 지하철 노선을 연장해 주세요", "교통/건축/국토"),
        ("policy_area", "유기견 보호소 지원과 반려동물 학대 처벌 강화를 요청합니다", "반려동물"),
        ("news_section", "손흥민 시즌 10호골 토트넘 승리 견인", "스포츠"),
        ("news_section", "코스피 외국인 매도에 하락 마감 환율 상승", "경제"),
        ("toxicity", "오늘 공연 정말 좋았어요", "none"),
    ],
)
def test_shipped_model_gets_obvious_cases_right(name, text, expected):
    model = classify.load_model(name)
    assert model.predict([text])[0] == expected


@pytest.mark.parametrize("insult", ["이 미친 새끼야 꺼져 병신아", "머리가 텅 빈 한심한 놈들 다 꺼져라"])
def test_shipped_toxicity_flags_an_insult_as_toxic(insult):
    model = classify.load_model("toxicity")
    assert model.predict([insult])[0] == "toxic"
    p_toxic = model.predict_proba([insult])[0][list(model.classes_).index("toxic")]
    assert p_toxic >= classify.model_card("toxicity")["decision"]["threshold"]


@pytest.mark.parametrize("text", ["APEC 유치 응원합니다", "이벤트 덕분에 가족과 행복한 시간 보냈습니다"])
def test_shipped_sentiment_reads_civic_support_as_positive(text):
    assert classify.load_model("sentiment").predict([text])[0] == "positive"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("수거 좀 자주 해주세요", "reply"),
        ("경품 배송은 언제쯤 되나요", "reply"),
        ("이게 최선입니까", "other"),
        ("쓰레기가 확 줄었어요 뿌듯합니다", "other"),
    ],
)
def test_shipped_reply_model_tells_requests_and_questions_from_the_rest(text, expected):
    assert classify.load_model("reply").predict([text])[0] == expected


@pytest.mark.parametrize("text", ["아이돌 무대 의상 너무 예쁘다", "이 배우 연기 진짜 늘었네"])
def test_shipped_policy_area_abstains_on_a_comment_about_no_policy(text):
    assert classify.load_model("policy_area").predict([text])[0] == classify.NO_POLICY_AREA


@pytest.mark.parametrize("name", classify.MODEL_NAMES)
def test_shipped_card_documents_the_model(name):
    card = classify.model_card(name)
    model = classify.load_model(name)
    assert card["name"] == name
    assert card["classes"] == [str(c) for c in model.classes_]
    assert all(len(c["sha256"]) == 64 and c["licence"] for c in card["corpora"])
    for key in ("accuracy", "macro_f1", "per_class_f1", "confusion_matrix", "ece"):
        assert key in card["validation"]
    assert card["train_seconds"] > 0
    assert (classify.models_dir() / f"{name}.card.md").read_text(encoding="utf-8").startswith("# Model card")


def test_policy_area_card_records_its_abstain_threshold():
    card = classify.model_card("policy_area")
    assert card["decision"]["threshold"] == classify.load_model("policy_area").steps[-1][1].threshold
    assert card["decision"]["abstained_on_no_policy"] > 0.5
    assert 0.5 < card["validation"]["coverage"] <= 1.0


# --- in-domain evaluation on the sample campaigns' labelled comments -------------------------------


# --- commands -------------------------------------------------------------------------------------


def test_evaluate_command_prints_metrics_of_a_labelled_file(tmp_path):
    data = tmp_path / "labelled.csv"
    data.write_text(
        "comment,gold\n축제 정말 즐거웠어요 최고!,positive\n주차 단속 너무 심하네요 최악입니다,negative\n",
        encoding="utf-8",
    )
    args = ["evaluate", "sentiment", "--data", str(data), "--text-col", "comment", "--label-col", "gold"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["rows"] == 2
    assert metrics["accuracy"] == 1.0


def test_evaluate_command_names_a_missing_column(tmp_path):
    data = tmp_path / "labelled.csv"
    data.write_text("text,label\n좋아요,positive\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "sentiment", "--data", str(data), "--label-col", "gold"])
    assert result.exit_code == 2
    assert "no column gold" in result.output


def test_train_command_writes_model_and_card_from_a_data_home(tmp_path):
    home = _tiny_ynat_home(tmp_path)
    out = tmp_path / "models"
    args = ["train", "news_section", "--data-home", str(home), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "news_section: accuracy" in result.output
    card = classify.model_card("news_section", model_dir=out)
    assert card["corpora"][0]["sha256"] == datasets.corpus_sha256("ynat", data_home=home)
    assert card["rows"] == {"train": 12, "validation": 3}
    model = classify.load_model("news_section", model_dir=out)
    assert set(model.classes_) == {"스포츠", "경제", "정치"}
    assert Path(out / "news_section.card.md").is_file()


def _tiny_ynat_home(root: Path) -> Path:
    home = root / "home"
    (home / "ynat").mkdir(parents=True)
    train = [("손흥민 시즌 골 승리", "스포츠"), ("코스피 하락 마감", "경제"), ("국회 법안 통과", "정치")]
    val = [("이강인 결승골", "스포츠"), ("코스닥 상승 마감", "경제"), ("여야 예산 합의", "정치")]
    for split, rows in (("train", train * 4), ("val", val)):
        lines = ["id,title,topic", *(f"{i},{t},{s}" for i, (t, s) in enumerate(rows))]
        (home / "ynat" / f"{split}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return home


def _train_news_with(tmp_path, labels_csv: str, out):
    """``civicnlp train news_section`` on a tiny YNAT home with an analyst's labels file."""
    extra = tmp_path / "labels.csv"
    extra.write_text(labels_csv, encoding="utf-8")
    args = ["train", "news_section", "--data-home", str(_tiny_ynat_home(tmp_path)), "--out", str(out)]
    return CliRunner().invoke(main, [*args, "--extra-labels", str(extra)]), extra


def test_train_adds_analyst_labels_and_records_them(tmp_path):
    out = tmp_path / "models"
    result, extra = _train_news_with(
        tmp_path, "text,label\n류현진 완봉승,스포츠\n라벨 없는 줄,\n환율 급등,경제\n", out
    )
    assert result.exit_code == 0, result.output
    card = classify.model_card("news_section", model_dir=out)
    assert card["rows"]["train"] == 14
    assert card["extra_labels"]["rows"] == 2
    assert card["extra_labels"]["sha256"] == file_sha256(extra)


def test_train_refuses_labels_the_model_does_not_know(tmp_path):
    result, _ = _train_news_with(tmp_path, "text,label\n오늘 날씨 맑음,날씨\n", tmp_path)
    assert result.exit_code == 2
    assert "날씨" in result.output


def test_load_model_refuses_a_trusted_file_that_is_not_the_models_pipeline(tmp_path):
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.pipeline import make_pipeline

    shutil.copy(classify.models_dir() / "toxicity.card.json", tmp_path / "toxicity.card.json")
    other = make_pipeline(HashingVectorizer(n_features=64), LogisticRegression())
    other.fit(["좋아요", "싫어요", "보통", "최고"], ["a", "b", "a", "b"])  # fitted, other classes
    unfitted = make_pipeline(HashingVectorizer(n_features=64), LogisticRegression())
    for thing, message in [
        (other, "classes"),
        (unfitted, "never fitted"),
        (np.arange(3), "not a fitted classifier"),
    ]:
        classify.save_model(thing, tmp_path / "toxicity.skops")
        with pytest.raises(ModelError, match=message):
            classify.load_model("toxicity", model_dir=tmp_path)
