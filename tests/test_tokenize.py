from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from civicnlp.cli import main
from civicnlp.exceptions import ParameterError
from civicnlp.tokenize import BACKENDS, Tokenizer, TokenizerWarning, available_backends, load_user_dict

JAVA = ["okt", "komoran", "kkma", "hannanum"]
ALL_BACKENDS = ["mecab", *JAVA, "kiwi"]
PASTE = ("인천시당근마켓이벤트에댓글을달아인증하면추첨을통해경품을제공한다" * 3000)[:100_000]
SPACED = ("당근마켓에서 이벤트 보고 참여했어요! 경품 꼭 받고 싶네요. 주차 문제부터요. " * 3000)[:100_000]
COMMENTS = [
    "당근마켓에서 이벤트 보고 참여했어요! 경품 꼭 받고 싶네요",
    "인천시 홍보 너무 좋아요 ㅎㅎ",
    "APEC 정상회의 인천 유치 응원합니다",
    "주차 문제부터 해결해 주세요. 민원 넣었는데 답이 없네요",
    "이런 행사에 세금 쓰지 마세요",
    "재외동포청 개청 축하드립니다",
]


@pytest.fixture(params=ALL_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "kiwi":
        pytest.importorskip("kiwipiepy")
    return str(request.param)


@pytest.fixture(autouse=True)
def _cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    # one folder for the session: compiled user dictionaries are reused, the token cache starts empty per test
    monkeypatch.setenv("CIVICNLP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def _no_warnings(tok: Tokenizer, text: object) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", TokenizerWarning)
        return tok(text)


def _has_all(*words: str):
    return lambda tokens: set(words) <= set(tokens)


MESSY = [
    ("none", None, lambda tokens: tokens == []),
    ("nan", float("nan"), lambda tokens: tokens == []),
    ("pd.NA", pd.NA, lambda tokens: tokens == []),
    ("empty", "", lambda tokens: tokens == []),
    ("blank", " \t\n\u3000 ", lambda tokens: tokens == []),
    ("emoji only", "😀😂👍🏻🎉", lambda tokens: all(isinstance(t, str) for t in tokens)),
    ("ㅋㅋㅋ only", "ㅋㅋㅋㅋㅋㅋ", lambda tokens: "".join(tokens) == "ㅋㅋㅋㅋㅋㅋ"),
    ("10,000 ㅋ", "ㅋ" * 10_000, lambda tokens: "".join(tokens).count("ㅋ") == 10_000),
    ("lone surrogates", "좋아요\ud800 최고\udfff", _has_all("최고")),
    ("NUL and controls", "인천\x00당근마켓\x01\x07 이벤트\x1b", _has_all("인천", "당근마켓", "이벤트")),
    ("zero-width", "당근\u200b마켓 이벤트\ufeff", _has_all("당근마켓", "이벤트")),
    ("Hanja/Latin/Japanese", "漢字 カタカナ English 섞인 문장 APEC", _has_all("English", "APEC")),
    ("HTML", "<p>이벤트 <b>참여</b>&nbsp;했어요</p>", _has_all("이벤트")),
    ("emoji in words", "이벤트 좋아요😀😀 참여했어요👍", _has_all("이벤트")),
    ("3,000 characters of comments", SPACED[:3_000], _has_all("당근마켓", "이벤트")),
]


@pytest.mark.parametrize(("case", "text", "check"), MESSY, ids=[case for case, _, _ in MESSY])
def test_messy_input_gives_a_defined_result(backend: str, case: str, text: object, check) -> None:
    tokens = _no_warnings(Tokenizer(backend=backend, pos="all", stopwords=None), text)
    assert isinstance(tokens, list) and all(isinstance(t, str) and t for t in tokens)
    assert check(tokens), tokens[:20]


_100KB = pytest.mark.slow  # Kkma spends up to its whole 40-second budget on 100 KB
HOSTILE = [
    pytest.param("가" * 10_000, id="one syllable x10,000"),
    pytest.param("인천" * 5_000, id="one word x5,000 without spaces"),
    pytest.param("".join(chr(0xAC00 + (i * 7919) % 11_172) for i in range(10_000)), id="random syllables"),
    pytest.param("인천시 " * 2_500, id="one word x2,500 with spaces"),
    pytest.param(PASTE, id="100 KB without spaces", marks=_100KB),
    pytest.param(SPACED, id="100 KB of comments", marks=_100KB),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_returns_within_the_time_budget(backend: str, text: str) -> None:
    tok = Tokenizer(backend=backend, pos="all", stopwords=None)
    tok("워밍업 문장입니다")  # load the tagger outside the measured call
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TokenizerWarning)
        start = time.thread_time()
        tokens = tok(text)
        cpu = time.thread_time() - start
    assert tokens and all(isinstance(t, str) and t for t in tokens)
    budget = BACKENDS[backend].seconds_per_10k * len(text) / 10_000
    assert cpu < 10 * budget + 10  # a hang check, not a speed test
    for warning in caught:
        assert f"{backend} took" in str(warning.message) and "budget" in str(warning.message)
        assert "".join(tokens).endswith(text[-500:].replace(" ", ""))  # the rest kept as words, not lost


def test_time_guard_keeps_the_rest_as_words_with_a_warning() -> None:
    text = "가" * 30_000  # ran over 600 s before the guard
    message = r"kkma took [\d.]+ s of CPU on \d+ of \d+ parts .* budget of 4 s"
    with pytest.warns(TokenizerWarning, match=message):
        tokens = Tokenizer(backend="kkma", pos="all", stopwords=None)(text)
    assert "".join(tokens).endswith("가" * 10_000)  # the untagged rest, as its max_run-character pieces
    assert max(map(len, tokens)) <= BACKENDS["kkma"].max_run


def test_seed_release_nouns_with_the_default_backend(seed_release_text: str) -> None:
    nouns = set(Tokenizer(pos="nouns")(seed_release_text))
    assert {"인천", "당근마켓", "APEC", "정상회의"} <= nouns


@pytest.mark.parametrize(
    "text",
    [
        "당근마켓 앱에서 2025 APEC 정상회의 홍보",
        "인천시가 당근마켓에서 APEC 정상회의 유치 이벤트를 열었습니다.",
    ],
)
def test_user_dictionary_keeps_campaign_terms_whole(backend: str, text: str) -> None:
    tokens = Tokenizer(backend=backend, pos="nouns")(text)
    assert {"당근마켓", "정상회의"} <= set(tokens)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("인천시민으로서 응원해요", "인천시민"),  # not 인천시 + 민
        ("경품 기프티콘인가요", "기프티콘"),  # not 기프 + 티 + 콘
        ("인스타에서도 참여 가능한가요", "인스타"),
        ("송도 컨벤시아면 충분히 가능", "컨벤시아"),
        ("송도 사는 사람인데요", "송도"),
    ],
)
def test_comment_words_mecab_does_not_know_stay_whole_as_nouns(text: str, whole: str) -> None:
    assert whole in Tokenizer(pos="nouns")(text)


def test_without_user_dictionary_mecab_splits_the_terms() -> None:
    tokens = Tokenizer(pos="nouns", user_dict=None)("당근마켓 앱에서 APEC 정상회의 홍보")
    assert "당근마켓" not in tokens and {"마켓", "정상", "회의"} <= set(tokens)


def test_user_dictionary_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "terms.txt"
    path.write_text("# campaign terms\n민원창구\n가성비\tNNG\n", encoding="utf-8")
    assert load_user_dict(path) == (("가성비", "NNG"), ("민원창구", "NNP"))
    assert "민원창구" in Tokenizer(user_dict=path)("민원창구에 물어보세요")


@pytest.mark.parametrize("bad", ["당근 마켓", "a,b"])
def test_user_dictionary_rejects_terms_it_cannot_hold(bad: str) -> None:
    with pytest.raises(ParameterError, match="user dictionary term"):
        load_user_dict([bad])


@pytest.mark.parametrize(
    ("pos", "expected", "absent"),
    [
        ("nouns", {"인천시", "홍보", "APEC"}, {"좋", "너무", "는"}),
        ("content", {"인천시", "홍보", "APEC", "좋", "너무"}, {"는", "2025"}),
        ("all", {"인천시", "홍보", "APEC", "좋", "너무", "는", "2025"}, set()),
    ],
)
def test_pos_presets(pos: str, expected: set[str], absent: set[str]) -> None:
    tokens = set(Tokenizer(pos=pos, stopwords=None)("인천시는 2025 APEC 홍보가 너무 좋아요"))
    assert expected <= tokens
    assert not (absent & tokens)


@pytest.mark.parametrize(
    ("backend", "text", "lemmas"),
    [
        ("mecab", "시가 이벤트를 연다. 너무 좋았어요", {"열다", "좋다"}),
        ("okt", "이벤트가 너무 좋았어요", {"좋다"}),
        ("komoran", "이벤트가 너무 좋았어요", {"좋다"}),
        ("kkma", "이벤트가 너무 좋았어요", {"좋다"}),
        ("hannanum", "이벤트가 너무 좋았어요", {"좋다"}),
        ("kiwi", "이벤트가 너무 좋았어요", {"좋다"}),
    ],
)
def test_lemma(backend: str, text: str, lemmas: set[str]) -> None:
    if backend == "kiwi":
        pytest.importorskip("kiwipiepy")
    assert lemmas <= set(Tokenizer(backend=backend, lemma=True, stopwords=None)(text))


def test_stopwords() -> None:
    text = "이번 이벤트 댓글 참여"
    assert "댓글" not in Tokenizer()(text)
    assert "댓글" in Tokenizer(stopwords=None)(text)
    assert Tokenizer(stopwords=["이벤트", "참여"])(text) == ["이번", "댓글"]


def test_batch_equals_one_by_one_and_takes_series(backend: str) -> None:
    tok = Tokenizer(backend=backend, progress=False)
    texts = [*COMMENTS, None, "", COMMENTS[0]]
    expected = [tok(text) for text in texts]
    assert tok.tokenize(texts) == expected
    assert tok.tokenize(pd.Series(texts, dtype=object)) == expected
    assert tok.tokenize(t for t in texts) == expected
    assert tok.tokenize(COMMENTS[1]) == expected[1]


def test_presets_from_one_tagging_equal_each_preset_alone(backend: str) -> None:
    tok = Tokenizer(backend=backend, progress=False)
    texts = [*COMMENTS, None, COMMENTS[0]]
    each = tok.tokenize_presets(texts, ["content", "nouns", "all"])
    for pos in ("content", "nouns", "all"):
        assert each[pos] == Tokenizer(backend=backend, pos=pos, progress=False).tokenize(texts)
    assert each["nouns"] != each["content"]
    with pytest.raises(ParameterError, match="pos="):
        tok.tokenize_presets([], ["content", "verbs"])


def test_pos_is_both_the_setting_and_the_tagging_method() -> None:
    tok = Tokenizer(pos="nouns")
    assert tok.pos == "nouns" and tok.get_params()["pos"] == "nouns"
    assert ("당근마켓", "NNP") in tok.tag("당근마켓 좋아요")
    assert ("좋", "VA") in tok.tag("당근마켓 좋아요")  # every morpheme, whatever the preset


def test_pickle_round_trip_inside_a_pipeline(backend: str) -> None:
    tok = Tokenizer(backend=backend, pos="nouns", lemma=True, stopwords=["경품"])
    pipe = Pipeline([("tfidf", TfidfVectorizer(analyzer=tok))]).fit(COMMENTS)
    restored = pickle.loads(pickle.dumps(pipe))
    restored_tok = restored.named_steps["tfidf"].analyzer
    assert "_state" not in pickle.loads(pickle.dumps(tok)).__dict__  # no live tagger in the pickle
    assert restored_tok.get_params() == tok.get_params()
    assert [restored_tok(text) for text in COMMENTS] == [tok(text) for text in COMMENTS]
    assert (restored.transform(COMMENTS) != pipe.transform(COMMENTS)).nnz == 0
    assert clone(tok).get_params() == tok.get_params()


def test_skops_round_trip_needs_only_the_tokenizer_trusted() -> None:
    import skops.io as sio

    tok = Tokenizer(pos="nouns")
    pipe = Pipeline([("tfidf", TfidfVectorizer(analyzer=tok))]).fit(COMMENTS)
    data = sio.dumps(pipe)
    assert sio.get_untrusted_types(data=data) == ["civicnlp.tokenize.Tokenizer"]
    restored = sio.loads(data, trusted=["civicnlp.tokenize.Tokenizer"])
    assert (restored.transform(COMMENTS) != pipe.transform(COMMENTS)).nnz == 0
    assert restored.named_steps["tfidf"].analyzer.tag(COMMENTS[0]) == tok.tag(COMMENTS[0])


def test_one_instance_from_four_threads_matches_sequential(backend: str) -> None:
    tok = Tokenizer(backend=backend, pos="all")
    texts = [f"{text} {i}" for i in range(20) for text in COMMENTS]
    expected = [tok(text) for text in texts]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(tok, texts)) == expected
    assert Tokenizer(backend=backend, pos="all", n_jobs=2, progress=False).tokenize(texts) == expected


def test_cache_hit_returns_identical_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICNLP_CACHE_DIR", str(tmp_path))
    texts = [*COMMENTS, None]
    cold = Tokenizer(cache=True).tokenize(texts)
    rows = sqlite3.connect(tmp_path / "tokens.sqlite3").execute("SELECT count(*) FROM tokens").fetchone()[0]
    assert rows == len(texts)
    assert Tokenizer(cache=True).tokenize(texts) == cold == Tokenizer().tokenize(texts)
    assert Tokenizer(cache=True)(COMMENTS[0]) == cold[0]
    # other settings are other keys, never a stale hit
    assert Tokenizer(cache=True, pos="all").tokenize(texts) == Tokenizer(pos="all").tokenize(texts)
    # several presets at once: each preset's tokens cached under its own key, the cached ones reused
    both = Tokenizer(cache=True).tokenize_presets(texts, ["content", "nouns"])
    assert both == {"content": cold, "nouns": Tokenizer(pos="nouns").tokenize(texts)}
    assert Tokenizer(cache=True, pos="nouns").tokenize(texts) == both["nouns"]
    rows = sqlite3.connect(tmp_path / "tokens.sqlite3").execute("SELECT count(*) FROM tokens").fetchone()[0]
    assert rows == 3 * len(texts)  # content, all, nouns


def test_two_processes_share_one_cache(tmp_path: Path) -> None:
    code = (
        "import hashlib, sys; from civicnlp.tokenize import Tokenizer\n"
        "texts = [f'{t} {i}' for i in range(300) for t in sys.argv[1:]]\n"
        "print(hashlib.sha1(str(Tokenizer(cache=True).tokenize(texts)).encode()).hexdigest())\n"
    )
    env = {**os.environ, "CIVICNLP_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.Popen([sys.executable, "-c", code, *COMMENTS], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs[0] == outputs[1]
    rows = sqlite3.connect(tmp_path / "tokens.sqlite3").execute("SELECT count(*) FROM tokens").fetchone()[0]
    assert rows == 300 * len(COMMENTS)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"backend": "spacy"}, "backend='spacy'"),
        ({"pos": "verbs"}, "pos='verbs'"),
        ({"stopwords": "english"}, "stopwords='english'"),
        ({"user_dict": "/nonexistent/terms.txt"}, "does not exist"),
    ],
)
def test_bad_settings_are_clear_errors(params: dict[str, str], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        Tokenizer(**params)("텍스트")  # type: ignore[arg-type]


def test_registry_and_available_backends() -> None:
    assert set(BACKENDS) == set(ALL_BACKENDS)
    assert {"mecab", *JAVA} <= set(available_backends())


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["tokenize", "당근마켓 이벤트 좋아요"], None, "당근마켓 이벤트 좋\n"),
        (["tokenize", "--pos", "nouns", "당근마켓 이벤트 좋아요"], None, "당근마켓 이벤트\n"),
        (["tokenize", "--pos", "nouns"], "인천 홍보\n\n정상회의 응원\n", "인천 홍보\n\n정상회의 응원\n"),
        (["tokenize", "--backend", "okt", "--lemma"], "이벤트 좋았어요\n", "이벤트 좋다\n"),
    ],
)
def test_cli(args: list[str], stdin: str | None, expected: str) -> None:
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code == 0, result.output
    assert result.output == expected


def test_cli_bad_backend_is_one_line_error() -> None:
    result = CliRunner().invoke(main, ["tokenize", "--backend", "spacy", "텍스트"])
    assert result.exit_code == 2
    assert "backend='spacy'" in result.output


_BATCH_CODE = (
    "from civicnlp.tokenize import Tokenizer\n"
    "tokens = Tokenizer(backend='mecab').tokenize([f'인천 이벤트 댓글 {i}' for i in range(2_500)])\n"
    "print(len(tokens))\n"
)


def _batch_in_a_process(progress: str | None) -> subprocess.CompletedProcess[str]:
    """2,500 texts tokenized in a fresh process whose stderr is a pipe, as in cron or papermill's runner."""
    env = {k: v for k, v in os.environ.items() if k != "CIVICNLP_PROGRESS"}
    env |= {"CIVICNLP_PROGRESS": progress} if progress is not None else {}
    cmd = [sys.executable, "-W", "always", "-c", _BATCH_CODE]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=True)


def test_non_interactive_run_prints_no_bar_and_no_warning() -> None:
    done = _batch_in_a_process(None)
    assert done.stdout == "2500\n"
    assert done.stderr == ""


@pytest.mark.parametrize(("setting", "shown"), [("1", True), ("0", False), ("off", False)])
def test_progress_setting_turns_bars_on_and_off(setting: str, shown: bool) -> None:
    stderr = _batch_in_a_process(setting).stderr
    assert ("tokenize (mecab)" in stderr and "2500/2500" in stderr) is shown
    assert "Warning" not in stderr


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "shown"), [(None, True), ("0", False)])
def test_jupyter_kernel_shows_a_bar_without_the_iprogress_warning(
    setting: str | None, shown: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    from civicnlp.report import kernel_name

    monkeypatch.delenv("CIVICNLP_PROGRESS", raising=False)  # the kernel inherits this process's environment
    if setting is not None:
        monkeypatch.setenv("CIVICNLP_PROGRESS", setting)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_BATCH_CODE)])
    NotebookClient(nb, kernel_name=kernel_name(), timeout=300).execute()
    outputs = nb.cells[0].outputs
    shown_text = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "2500" in "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert ("tokenize (mecab)" in shown_text) is shown
    assert "IProgress" not in str(outputs) and "Warning" not in str(outputs)
