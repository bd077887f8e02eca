from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from civicnlp import annotate, config
from civicnlp.annotate import (
    AnnotateResult,
    annotate_comments,
    annotate_file,
    annotate_masked,
    comparison_keys,
    cross_row_flags,
    flag_comments,
    mask_texts,
    score_texts,
)
from civicnlp.cli import main
from civicnlp.exceptions import DataContractError

FLAGS = ["is_entry", "is_question", "is_complaint", "is_duplicate", "is_near_duplicate", "is_spam"]
CAMPAIGN = {"campaign_id": "incheon-danggeun-apec-2024", "hashtags": "#인천당근이지;#APEC인천유치"}
PHONE = re.compile(r"010[-. ]?\d{4}[-. ]?\d{4}")


def _flags_of(texts_and_sentiments: list[tuple[str, str]], **columns: object) -> pd.DataFrame:
    frame = pd.DataFrame(texts_and_sentiments, columns=["text_masked", "sentiment"]).assign(**columns)
    return flag_comments(frame, campaign=CAMPAIGN)


@pytest.mark.parametrize(
    ("text", "sentiment", "expected"),
    [
        ("참여합니다!", "positive", {"is_entry"}),
        ("응모해요~ 당첨 기원합니다", "positive", {"is_entry"}),
        ("이벤트 참여 완료했어요", "positive", {"is_entry"}),
        ("단골 맺었어요 ㅎㅎ", "positive", {"is_entry"}),
        ("#인천당근이지 화이팅", "positive", {"is_entry"}),
        ("인천 당근 이지 화이팅", "positive", {"is_entry"}),  # the hashtag, spaced
        ("#apec인천유치 응원해요", "positive", {"is_entry"}),
        ("당첨자 발표는 언제 하나요", "neutral", {"is_question"}),
        ("경품은 어디서 받죠?", "neutral", {"is_question"}),
        ("주차장 몇 시까지 운영하는지요", "neutral", {"is_question"}),
        ("이번 축제 가볼까요", "positive", {"is_question"}),
        ("재밌으니까요", "positive", set()),
        ("어디서나 추천할게요", "positive", set()),
        ("버스 노선 바뀌어서 너무 불편해요", "negative", {"is_complaint"}),
        ("경품 아직도 안 왔는데 어떻게 된 건가요?", "negative", {"is_question", "is_complaint"}),
        ("참여했는데 당첨 발표 왜 안 해요?", "negative", {"is_entry", "is_question", "is_complaint"}),
        ("진짜 별로네요", "negative", set()),  # negative, but no cue and no question: an opinion
        ("실망이에요 최악", "negative", set()),  # strong feeling, nothing to answer
        ("로그인 오류 해결해 주세요", "negative", {"is_complaint"}),
        ("차라리 예전 노선으로 돌려주세요", "negative", {"is_complaint"}),  # a demand
        ("많이 참여해 주세요", "positive", set()),
        ("헬스 PT 체험권 무료 <URL>", "neutral", {"is_spam"}),
        ("불편한 점 하나도 없었어요", "positive", set()),  # a cue without negative sentiment
        ("정류장 안내판이 아직 옛날 노선 그대로예요", "neutral", {"is_complaint"}),  # a problem, plainly
        ("12번이 이제 시장앞 정류장에 안 서요", "neutral", {"is_complaint"}),
        ("바뀐 노선 번호 너무 헷갈려요", "neutral", {"is_complaint"}),
        ("개편 후 출근 시간이 줄었어요 감사합니다", "positive", set()),  # fewer, but praise
        ("경품은 아직 안 왔지만 참여합니다", "neutral", {"is_entry"}),  # an entry line first
        ("부업으로 월 300 수익 보장 <URL>", "neutral", {"is_spam"}),
        ("할인 쿠폰 받아가세요 <URL>", "neutral", {"is_spam"}),
        ("오픈채팅방 입장하세요", "neutral", {"is_spam"}),
        ("중고폰 최고가 매입 <전화번호> 연락주세요", "neutral", {"is_spam"}),
        ("경품이 안 왔어요 <전화번호> 입니다", "negative", {"is_complaint"}),  # a number alone is no spam
        ("당첨되면 맛집 투어 갈게요 참여", "positive", {"is_entry"}),
        ("2025 APEC 인천에서 만나요! 응모 <전화번호> 문자주세요", "positive", {"is_entry"}),
        ("참여 가능 지역이 어디예요", "neutral", {"is_question"}),
        ("참가 요금 너무 비싸요", "negative", {"is_complaint"}),  # 참가 요…, not 참가요; a price problem
        ("참여합니다 <전화번호>", "positive", {"is_entry"}),  # a number for the prize is no spam
        ("자세한 내용은 <URL> 에서 보세요", "neutral", set()),  # a link alone is no ad
        ("", "neutral", set()),
    ],
)
def test_flags_of_single_comments(text, sentiment, expected):
    flags = _flags_of([(text, sentiment)], author_id="u1", campaign_id=CAMPAIGN["campaign_id"]).iloc[0]
    assert {name for name in FLAGS if flags[name]} == expected


LONG = "이번 축제 정말 즐거웠고 아이들도 좋아해서 다음에도 꼭 오고 싶어요"


def test_duplicates_near_duplicates_and_repeats():
    rows = [
        # author, minutes after start, text, campaign
        ("a", 0, "참여합니다", "c1"),
        ("b", 1, "참여합니다", "c1"),  # a short stock line from someone else: not a copy
        ("a", 2, "참여 합니다", "c1"),  # same author, same text but for spaces
        ("d", 3, LONG, "c1"),  # copy-paste of the (earlier) row below
        ("c", -5, LONG, "c1"),  # the original: earliest by time although later in the file
        ("e", 5, LONG + "!!", "c1"),  # near copy
        ("a", 6, "참여합니다", "c1"),  # a's third identical entry: repeated posting
        ("f", 7, LONG, "c2"),  # another campaign: no copy
        ("g", 8, "버스 노선이 바뀌어서 출근이 너무 힘들어졌어요", "c1"),
        ("h", 9, "버스 노선이 바뀌어서 퇴근이 조금 편해졌어요", "c1"),  # similar topic, not a near copy
    ]
    start = pd.Timestamp("2024-05-16 10:00", tz="Asia/Seoul")
    frame = pd.DataFrame(
        {
            "author_id": [r[0] for r in rows],
            "created_at": [start + pd.Timedelta(minutes=r[1]) for r in rows],
            "text_masked": [r[2] for r in rows],
            "campaign_id": [r[3] for r in rows],
            "sentiment": "positive",
        },
        index=pd.Index([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]),
    )
    flags = flag_comments(frame)
    assert list(flags.index) == list(frame.index)
    assert flags["is_duplicate"].tolist() == [
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert flags["is_near_duplicate"].tolist() == [False] * 5 + [True] + [False] * 4
    assert flags["is_spam"].tolist() == [True, False, True, False, False, False, True, False, False, False]
    # a part of a campaign: the row-comparing flags are left to whoever flags the whole campaign
    alone = flag_comments(frame, cross_row=False)
    assert not alone[["is_duplicate", "is_near_duplicate", "is_spam"]].to_numpy().any()
    own = ["is_entry", "is_question", "is_complaint"]
    assert alone[own].equals(flags[own])
    cross = cross_row_flags(frame)  # what the campaign-wide pass adds back
    assert cross[["is_duplicate", "is_near_duplicate"]].equals(flags[["is_duplicate", "is_near_duplicate"]])
    assert cross.index[cross["is_repeated"]].tolist() == [10, 12, 16]  # a's three entries
    assert (alone["is_spam"] | cross["is_repeated"]).equals(flags["is_spam"])


def test_comparison_keys_ignore_spaces_and_case():
    keys = comparison_keys(pd.Series(["참여 합니다", "APEC 인천", None, "apec인천"], index=[5, 6, 7, 8]))
    assert keys.tolist() == ["참여합니다", "apec인천", "", "apec인천"] and list(keys.index) == [5, 6, 7, 8]
    assert comparison_keys(pd.Series([], dtype="str")).empty


def _sample_cross_columns() -> pd.DataFrame:
    """The cross-row columns of the sample's comments (many copies, some near copies)."""
    from civicnlp.campaigns import load_campaign

    data = load_campaign(CAMPAIGN["campaign_id"]).comments.data
    return mask_texts(data)[0][["campaign_id", "author_id", "created_at", "text_masked"]]


def test_cross_row_flags_the_same_from_keys_and_in_chunks(monkeypatch):
    frame = _sample_cross_columns()
    flags = cross_row_flags(frame)
    assert flags[["is_duplicate", "is_near_duplicate"]].any().all()  # the sample has both
    assert cross_row_flags(frame, keys=comparison_keys(frame["text_masked"])).equals(flags)
    # shingles hashed and pairs compared a few at a time: the same flags
    monkeypatch.setattr(annotate, "_MINHASH_CHUNK", 7)
    monkeypatch.setattr(annotate, "_PAIR_CHUNK", 3)
    assert cross_row_flags(frame).equals(flags)


def test_gram_hashes_are_the_keys_character_3_grams():
    grams, counts = annotate._gram_hashes(["abcd", "xy", "bcdz", "한글한글", "\ud800ab"])
    assert counts.tolist() == [2, 0, 2, 2, 1]  # a lone surrogate is a character like any other
    assert grams[1] == grams[2]  # "bcd" in both keys
    assert len(set(grams[:2].tolist() + grams[3:5].tolist())) == 4


def test_cosines_are_the_3_gram_set_cosines():
    import numpy as np

    rng = np.random.default_rng(1)
    keys = ["".join(rng.choice(list("가나다라마바"), size=rng.integers(3, 30))) for _ in range(60)]
    first, second = rng.integers(0, 60, size=200), rng.integers(0, 60, size=200)

    def grams(k: str) -> set[str]:
        return {k[i : i + 3] for i in range(len(k) - 2)}

    expected = [
        len(grams(keys[i]) & grams(keys[j])) / (len(grams(keys[i])) * len(grams(keys[j]))) ** 0.5
        for i, j in zip(first, second, strict=True)
    ]
    assert np.allclose(annotate._cosines(pd.Index(keys), first, second), expected)


def test_near_copies_of_many_stock_lines_are_all_found():
    """Each of 40 unrelated lines is posted, then three near copies of it (an emoji, a laugh, punctuation
    added) by others: every near copy is found, no original is flagged."""
    import numpy as np

    rng = np.random.default_rng(2)
    lines = ["".join(chr(c) for c in rng.integers(0xAC00, 0xD7A4, size=30)) for _ in range(40)]
    texts, authors = [], []
    for n, line in enumerate(lines):
        for v, tail in enumerate(["", "👍👍", "ㅋㅋ", "!!"]):
            texts.append(line + tail)
            authors.append(f"a{n}-{v}")
    start = pd.Timestamp("2024-05-16 10:00", tz="Asia/Seoul")
    frame = pd.DataFrame(
        {
            "text_masked": texts,
            "author_id": authors,
            "campaign_id": "c1",
            "created_at": [start + pd.Timedelta(minutes=i) for i in range(len(texts))],
        }
    )
    near = cross_row_flags(frame)["is_near_duplicate"]
    assert near.tolist() == [False, True, True, True] * len(lines)


def test_the_original_is_the_earliest_comment_with_a_time_then_the_first_in_the_file():
    times = [None, "2024-05-16T10:05:00+09:00", "2024-05-16T10:00:00+09:00", "2024-05-16T10:00:00+09:00"]
    frame = pd.DataFrame(
        {"text_masked": [LONG] * 4, "author_id": list("abcd"), "campaign_id": "c1", "created_at": times}
    )
    # row 2 is the earliest (row 3 ties with it, later in the file); a comment without a time comes last
    assert cross_row_flags(frame)["is_duplicate"].tolist() == [True, True, False, True]


def test_flags_work_without_optional_columns():
    flags = flag_comments(pd.DataFrame({"text_masked": [LONG, LONG, None]}))
    assert flags["is_duplicate"].tolist() == [False, True, False]
    assert not flags["is_complaint"].any()


def test_annotate_needs_text_column():
    with pytest.raises(DataContractError, match="text"):
        annotate_comments(pd.DataFrame({"body": ["x"]}))


# ---------------------------------------------------------------- with the real tokenizer and shipped models


@pytest.fixture(scope="session")
def models():
    from civicnlp import classify

    roles = ("sentiment", "policy_area", "toxicity", "reply")
    missing = [role for role in roles if not (classify.models_dir() / f"{role}.skops").is_file()]
    if missing:
        pytest.skip(f"shipped models {missing} are not in {classify.models_dir()} (civicnlp train NAME)")
    return {role: classify.load_model(role) for role in roles}


COMMENTS = pd.DataFrame(
    {
        "comment_id": ["c1", "c2", "c3", "c4", "c5"],
        "campaign_id": CAMPAIGN["campaign_id"],
        "channel": ["danggeun", "danggeun", "facebook", "instagram", "blog"],
        "text": [
            "참여합니다! 경품 받을 번호 010-1234-5678 이에요ㅋㅋㅋㅋ",
            "축제 정말 즐거웠어요 최고!",
            "주차 단속 너무 심하네요 최악입니다",
            "당첨자 발표 언제 하나요? abc@naver.com 으로 연락주세요",
            '=HYPERLINK("http://evil") 클릭',
        ],
        "created_at": pd.date_range("2024-05-16 10:00", periods=5, freq="h", tz="Asia/Seoul"),
        "author_id": ["u1", "u2", "u3", "u4", "u5"],
        "parent_id": pd.Series([pd.NA] * 5, dtype="str"),
        "likes": [0, 3, 7, 1, 0],
        "extra": ["kept"] * 5,
    }
)


def test_annotate_comments_real(models):
    out = annotate_comments(COMMENTS, campaign=CAMPAIGN, models=models)
    assert len(out) == len(COMMENTS) and list(out.index) == list(COMMENTS.index)
    assert "text" not in out.columns and out["extra"].tolist() == ["kept"] * 5
    for column in [
        "text_masked",
        "sentiment",
        "p_negative",
        "p_positive",
        "policy_area",
        "toxicity",
        "p_toxic",
        "p_reply",
    ]:
        assert column in out.columns
    text = out.select_dtypes(exclude="number").astype(str)  # (a probability can read 0.0101234567...)
    assert not text.apply(lambda col: col.str.contains(PHONE)).any().any()
    assert not text.apply(lambda col: col.str.contains("abc@naver.com", regex=False)).any().any()
    assert "<전화번호>" in out.loc[0, "text_masked"] and "<이메일>" in out.loc[3, "text_masked"]
    probabilities = out[[c for c in out.columns if c in ("p_negative", "p_neutral", "p_positive")]]
    assert probabilities.sum(axis=1).tolist() == pytest.approx([1.0] * 5)
    assert out.loc[1, "sentiment"] == "positive" and out.loc[2, "sentiment"] == "negative"
    assert out.loc[0, "is_entry"] and out.loc[3, "is_question"]
    assert out.loc[2, "is_complaint"]  # negative + 단속/최악
    assert "축제" in out.loc[1, "nouns"].split() and "주차" in out.loc[2, "tokens"].split()
    assert "전화" not in out.loc[0, "tokens"]  # placeholders are not words
    assert out["p_toxic"].between(0, 1).all()


def test_toxicity_label_is_toxic_exactly_when_p_toxic_reaches_the_threshold(models):
    from civicnlp import classify

    texts = [
        *COMMENTS["text"],
        "이 미친 새끼야 꺼져 병신아",
        "머리가 텅 빈 한심한 놈들",
        "수거 좀 자주 해주세요",
    ]
    out = annotate_comments(pd.DataFrame({"text": texts}), models=models)
    threshold = classify.model_card("toxicity")["decision"]["threshold"]
    assert (out["toxicity"].eq("toxic") == out["p_toxic"].ge(threshold)).all()
    assert out["toxicity"].isin(["none", "toxic"]).all() and out["toxicity"].eq("toxic").any()


def test_policy_area_abstains_below_its_threshold(models):
    from civicnlp import classify

    out = annotate_comments(
        pd.DataFrame({"text": ["아이돌 무대 의상 너무 예쁘다", "오늘 점심 뭐 먹지"]}), models=models
    )
    assert out["policy_area"].eq(classify.NO_POLICY_AREA).all()


@pytest.mark.parametrize(
    ("text", "sentiment", "p_reply", "expected"),
    [
        ("이게 최선입니까?", "negative", 0.1, set()),  # rhetorical: nothing to answer
        ("수거함 300개면 동마다 몇 개씩인 거예요?", "neutral", 0.1, {"is_question"}),  # a number, and a ?
        ("수거함 300개면 동마다 몇 개씩인 거예요", "neutral", 0.1, set()),  # no ?: the model decides
        ("당첨자 발표는 언제 하나요?", "neutral", 0.9, {"is_question"}),
        ("수거함 꽉 차서 넘쳐요 수거 좀 자주 해주세요", "neutral", 0.7, {"is_complaint"}),  # a request
        ("수거함 꽉 차서 넘쳐요 수거 좀 자주 해주세요", "positive", 0.7, {"is_complaint"}),
        ("많이 참여해 주세요", "neutral", 0.2, set()),  # a cue, but the model reads no request
        ("버스 노선 바뀌어서 너무 불편해요", "negative", 0.1, {"is_complaint"}),  # a problem, negative
    ],
)
def test_reply_model_decides_questions_and_requests_with_the_cues(text, sentiment, p_reply, expected):
    flags = _flags_of([(text, sentiment)], p_reply=p_reply).iloc[0]
    assert {name for name in FLAGS if flags[name]} == expected


@pytest.mark.parametrize(
    ("text", "p_positive", "complaint"),
    [
        ("참여 방법이 너무 복잡해요", 0.52, True),  # "positive" by a hair: the problem still needs an answer
        ("참여 방법이 너무 복잡해요", annotate.PRAISE_MIN_P, False),
        ("쓰레기가 확 줄었어요 뿌듯합니다", 0.93, False),  # fewer, and glad of it
    ],
)
def test_a_stated_problem_is_dismissed_only_by_confident_praise(text, p_positive, complaint):
    flags = _flags_of([(text, "positive")], p_positive=p_positive).iloc[0]
    assert flags["is_complaint"] == complaint
    assert not _flags_of([(text, "positive")]).iloc[0]["is_complaint"]  # no p_positive: the label decides


def test_the_shipped_models_find_the_issues_examples(models):
    texts = ["수거함 꽉 차서 넘쳐요 수거 좀 자주 해주세요", "수거함 300개면 동마다 몇 개씩인 거예요?"]
    out = annotate_comments(pd.DataFrame({"text": texts}), models=models)
    assert out.loc[0, "is_complaint"] or out.loc[0, "is_question"]
    assert out.loc[1, "is_question"]
    assert out["toxicity"].eq("none").all()


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("정류장 이름도 바뀌었나요?", True),
        ("이미 단골인데 다시 맺어야 하나요?ㅋㅋㅋㅋ", True),
        ("셔틀버스 운행하나요😢", True),
        ("이게 최선입니까?", False),  # rhetorical, however punctuated
        ("실망이에요ㅠㅠ!!", False),
    ],
)
def test_the_reply_model_reads_a_sentence_through_its_marks(models, text, asks):
    p_reply = annotate_comments(pd.DataFrame({"text": [text]}), models=models).loc[0, "p_reply"]
    assert (p_reply >= annotate.REPLY_MIN_P) == asks


def test_mask_texts_masks_and_finds_empty_rows():
    masked, empty = mask_texts(COMMENTS.assign(text=[*COMMENTS["text"][:4], "\u200b "]))
    assert "text" not in masked.columns and list(masked.columns)[-1] == "text_masked"
    assert empty.tolist() == [False, False, False, False, True]
    assert (
        "<전화번호>" in masked.loc[0, "text_masked"] and not masked["text_masked"].str.contains(PHONE).any()
    )


def test_scoring_in_batches_changes_nothing(models, monkeypatch):
    whole = annotate_comments(COMMENTS, campaign=CAMPAIGN, models=models)
    monkeypatch.setattr(annotate, "SCORE_BATCH", 2)
    masked = mask_texts(COMMENTS)[0]
    assert annotate_masked(masked, campaign=CAMPAIGN, models=models).equals(whole)
    assert masked.columns.tolist() == mask_texts(COMMENTS)[0].columns.tolist()  # the input is left as it was


def test_texts_scored_before_are_taken_from_the_table(models):
    masked = mask_texts(COMMENTS)[0]
    whole = annotate_masked(masked, campaign=CAMPAIGN, models=models)
    texts = masked["text_masked"].tolist()
    table = score_texts(texts[:2], models=models)
    assert table.index.tolist() == texts[:2]
    assert table.columns.tolist() == [c for c in whole.columns if c in table.columns]
    assert annotate_masked(masked, campaign=CAMPAIGN, models=models, scored=table).equals(whole)
    marked = table.assign(policy_area=["from the table", "from the table"])
    out = annotate_masked(masked, campaign=CAMPAIGN, models=models, scored=marked)
    assert out["policy_area"].tolist()[:2] == ["from the table"] * 2
    assert out["policy_area"].tolist()[2:] == whole["policy_area"].tolist()[2:]
    assert score_texts([], models=models).empty


def test_annotate_comments_empty_frame(models):
    out = annotate_comments(COMMENTS.iloc[:0], models=models)
    assert out.empty and "sentiment" in out.columns and "is_spam" in out.columns


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_annotate_row_accounting(models, tmp_path, suffix):
    raw = COMMENTS.drop(columns="created_at").assign(created_at="2024-05-16 10:00")
    raw.loc[1, "created_at"] = "not a date"  # ingestion quarantine
    raw.loc[2, "text"] = "   "  # blank text: ingestion quarantine
    raw.loc[3, "text"] = "\u200b\u200b"  # only zero-width characters: empty after normalization
    source = tmp_path / "comments.csv"
    raw.to_csv(source, index=False)
    out, quarantine = tmp_path / f"scored{suffix}", tmp_path / f"quarantine{suffix}"
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    result = CliRunner().invoke(
        main, ["annotate", str(source), "--out", str(out), "--quarantine", str(quarantine)]
    )
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("5 rows read / 2 annotated / 3 quarantined")
    assert "empty after normalization: 1" in line
    scored, held = read(out), read(quarantine)
    assert len(scored) + len(held) == 5
    assert "text" not in scored.columns and "text" not in held.columns
    for frame in (scored, held):
        text = frame.select_dtypes(exclude="number").astype(str)
        assert not text.apply(lambda col: col.str.contains(PHONE)).any().any()
    if suffix == ".csv":
        assert scored.loc[scored["comment_id"] == "c5", "text_masked"].item().startswith("'=")


def test_cli_annotate_reports_a_bad_file(tmp_path):
    bad = tmp_path / "comments.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["annotate", str(bad), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "missing required" in result.output


def test_annotate_the_sample_campaign_ingested_from_its_channels(models, tmp_path):
    """``civicnlp ingest`` of the sample's raw exports, then ``civicnlp annotate`` of the Parquet it wrote."""
    raw = config.sample_dir() / "raw" / "incheon-danggeun-apec-2024"
    ingested = tmp_path / "comments.parquet"
    run = CliRunner().invoke(
        main,
        [
            "ingest",
            str(raw),
            "--campaign",
            "incheon-danggeun-apec-2024",
            "--captured-at",
            "2024-05-25 09:30",
            "--out",
            str(ingested),
        ],
    )
    assert run.exit_code == 0, run.output
    result = annotate_file(ingested, out=tmp_path / "scored.parquet", models=models)
    assert isinstance(result, AnnotateResult)
    assert result.rows_in == len(result.data) + len(result.quarantine)
    assert result.data["is_entry"].mean() > 0.2  # a comment-to-enter event
    assert not result.data["text_masked"].str.contains(PHONE).any()
