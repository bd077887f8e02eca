"""Score and flag comments: the one table every report section is computed from.

:func:`annotate_comments` normalizes and PII-masks the text — the masked text is all that downstream steps
see, and the raw ``text`` column is dropped —, tokenizes it, scores it with the shipped models and adds flags.
The flag rules, applied to the normalized, masked text:

``is_entry``
    a comment-to-enter line (참여합니다, 응모해요, 당첨 기원, 이벤트 참여, 단골 맺었어요, ...) or one
    that carries a campaign entry keyword/hashtag (``campaign["hashtags"]``, ``;``-separated or a list;
    compared without ``#``, spaces and case).
``is_question``
    a question to answer: a ``?``, a question word (언제, 어디, 어떻게, 몇 명/시/일..., 누가, 무엇, 왜) or
    a question ending at the end of a clause (…나요, …까요 but not …니까요, …인가요, …습니까, …는지요,
    …ㄹ까) — AND, when the frame has ``p_reply`` (the ``reply`` model: the most asking sentence's
    probability of being a question or a request), ``p_reply >= REPLY_MIN_P``, so a rhetorical question
    (이게 최선입니까?) is not one — unless it asks for a number, a time or a place and ends with a
    question mark (``INFO_QUESTION_RE``: 몇 개씩인 거예요?, 언제 하나요?), which the reply model, trained on
    unpunctuated sentences, cannot see.
``is_complaint``
    needs a reply: a problem stated plainly (``PROBLEM_RE``: a service that does not happen, 안 와요,
    안 서요, 못 타요; something missing, fewer, dearer or broken, 없어요, 줄었, 두 배, 고장, 방치; hard to
    use, 헷갈, 복잡, 기다려) in a comment that is no entry line and is not confidently positive
    (``p_positive < PRAISE_MIN_P``; without ``p_positive``, sentiment not "positive") —
    citizens state a problem plainly more often than angrily, and the sentiment model reads such lines as
    neutral; or sentiment "negative" AND (a cue of a problem or a request — 불편, 민원, 개선, 해결, 환불,
    단속, 오류, 주세요, ... — OR a question); or, whatever the sentiment, a request that is no entry line:
    a cue and ``p_reply >= REPLY_MIN_P`` (수거 좀 자주 해주세요; not "당첨되면 연락 주세요 참여합니다"). A
    negative remark with none of these, however strong (최악, 실망이에요), is an opinion to count, not a
    complaint to answer.
``is_duplicate``
    an exact repeat (same text after normalization, ignoring spaces and case) of an earlier comment in
    the same campaign by the same author, or — for texts of at least ``COPY_MIN_CHARS`` characters — by
    anyone (copy-paste). Short stock lines like 참여합니다 are naturally identical across people and are
    not duplicates. The earliest comment (by ``created_at``) is the original and is not flagged.
``is_near_duplicate``
    not an exact duplicate, but character-3-gram cosine ≥ ``NEAR_DUPLICATE_COSINE`` with an earlier
    comment of the same campaign (same author, or anyone for texts of ``COPY_MIN_CHARS``+ characters).
    Candidates come from MinHash LSH (48 hashes in 8 bands of 6) and each is checked against the earliest
    comment of its bucket, so the cost is linear in the number of comments; a near copy that shares no
    bucket with an earlier one is missed (rare above the threshold).
``is_spam``
    an ad cue with a link or contact (광고, 할인, 부업, 카톡, 오픈채팅... + URL/phone), a strong ad cue
    alone (부업, 대출, 리딩방, 맞팔...), a phone number with a contact/sales cue (연락, 문자, 상담, 매입...)
    outside an entry comment, or the same text posted ``SPAM_REPEATS``+ times by one author. A phone number
    alone is not spam: citizens leave theirs for the prize on any comment (it is masked either way), and
    flagging those would hide real questions and complaints from the comments to answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civicnlp.classify import labels_from_proba, load_model
from civicnlp.exceptions import DataContractError, ModelError, ParameterError
from civicnlp.io import load_campaigns, load_comments, write_table
from civicnlp.normalize import normalize_series
from civicnlp.pii import mask_pii_series
from civicnlp.tokenize import Tokenizer

DEFAULT_MODELS: dict[str, str] = {
    "sentiment": "sentiment",
    "policy_area": "policy_area",
    "toxicity": "toxicity",
    "reply": "reply",
}
#: ``p_reply`` from which a comment asks or requests something (the reply model's own decision).
REPLY_MIN_P = 0.5
#: ``p_positive`` from which a plainly stated problem is taken for good news (쓰레기가 확 줄었어요 뿌듯합니다)
#: rather than a complaint. Above 0.5: the sentiment model, trained mostly on movie reviews, reads some
#: complaints as positive by a hair (참여 방법이 너무 복잡해요: 0.52). Chosen on the civic validation comments
#: and the sample's labels: with the shipped models, 0.5 -> 0.6 finds 82% -> 84% of the sample's questions
#: and complaints, the validation figures unchanged; 0.7 costs validation precision (0.775 -> 0.750).
PRAISE_MIN_P = 0.6
COPY_MIN_CHARS = 20
NEAR_DUPLICATE_COSINE = 0.9
SPAM_REPEATS = 3

_ENDING = r"(?=[\s.!~^ㅠㅜㅋㅎ]*(?:$|\n))"
ENTRY_RE = re.compile(
    r"(?:참여|응모|참가)\s*(?:합니다|해요|했|할게요|할께요|완료|하고\s*갑니다|하고\s*가요|(?:함|요)(?![가-힣]))"
    r"|당첨\s*(?:기원|되게|되길|되기를|되고\s*싶|부탁|소망|원해|원합니다|가즈아|제발|꼭)"
    r"|이벤트\s*참여|댓글\s*(?:인증|참여)|인증\s*(?:합니다|해요|완료)|단골\s*(?:맺|했|완료|추가)"
    # a bare 참여/응모 closing a clause: "... 갈게요 참여", "응모!", "응모 <전화번호>"
    r"|(?:참여|응모)(?=\s*(?:[!.~^ㅋㅎ♡❤👍🙏🎉]|<[^<>\s]+>|$))"
)
QUESTION_RE = re.compile(
    r"[?？]|언제|어디(?!서나|든)|어떻게|어떡|몇\s*(?:명|시|일|개|번|분|회|월)|누가|무엇|왜"
    rf"|(?:나요|(?<!니)까요|인가요|건가요|던가요|는가요|습니까|는지요|을까|ㄹ까|냐){_ENDING}"
)
#: A request or a grievance: a complaint cue together with :data:`PROBLEM_RE`.
REQUEST_RE = re.compile(
    r"불만|개선|항의|건의|요청|시정|해결|답변|대책|책임|주세요|걱정|환불|미흡|낭비|세금|문제|피해|위험|단속|불친절"
)
#: A problem stated plainly: a service that does not happen or cannot be used, something missing, fewer,
#: dearer or broken, something hard to use.
PROBLEM_RE = re.compile(
    r"불편|민원|지연|늦|안\s*(?:되|돼|와|왔|옴|오|보|서|나와|나오|켜|찍|가져|들려|열|맞|읽|고쳐|치워)|"
    r"못\s*(?:받|하|가|타|찾|들어|쓰|자|잤|봤|보|내)|누락|오류|에러|없어지|없어졌|없어져|"
    r"없어요|없네|없고|없습니다|없음|없어서|부족|모자라|줄었|줄어|줄였|줄이|끊겼|끊기|끊어|올랐|오른|올리|인상|"
    r"두\s*배|비싸|바가지|고장|꺼져|망가|파손|방치|넘쳐|꽉\s*차|막혀|역류|잠겼|침수|삭제|이상해|엉망|그대로|"
    r"헷갈|복잡|어렵|힘들|짧아|좁아|더러|냄새|시끄|무서|어두|더워|추워|지각|기다리|기다려|달라요|다르"
)
#: A question for a number, a time or a place, closed by a question mark: information to give, whatever the
#: reply model reads (3i4K has no punctuation, so it cannot see the ? that makes …인 거예요 a question).
INFO_QUESTION_RE = re.compile(
    r"(?:몇\s*(?:명|시|일|개|번|분|회|월|살|세|층|대)|언제|어디(?!서나|든)|얼마)[^?？\n]*[?？]"
)
LINK_RE = re.compile(r"<URL>|https?://|www\.|\b[\w-]+\.(?:com|kr|net|ly|me|io|shop|co)\b", re.IGNORECASE)
PHONE_RE = re.compile(r"<전화번호>")
CONTACT_RE = re.compile(r"연락|문자|전화\s*주|카톡|상담|문의|매입|판매|대출|구매|광고")
AD_RE = re.compile(
    r"광고|홍보합니다|할인|특가|최저가|수익|부업|재택|대출|투자|코인|리딩방|카톡|카카오톡|오픈\s*채팅|텔레그램|"
    r"맞팔|선팔|팔로우|구독|클릭|무료|쿠폰|상담|문의|판매|구매"
)
STRONG_AD_RE = re.compile(
    r"부업|대출|리딩방|수익\s*보장|맞팔|선팔|카톡\s*상담|오픈\s*채팅방?\s*(?:입장|문의)"
)
PLACEHOLDER_RE = re.compile(r"<[^<>\s]{1,12}>")
_CUES = {
    "entry": ENTRY_RE,
    "question": QUESTION_RE,
    "info_question": INFO_QUESTION_RE,
    "request": REQUEST_RE,
    "problem": PROBLEM_RE,
    "link": LINK_RE,
    "phone": PHONE_RE,
    "contact": CONTACT_RE,
    "ad": AD_RE,
    "strong_ad": STRONG_AD_RE,
}


def annotate_comments(
    comments: pd.DataFrame,
    *,
    campaign: Mapping[str, Any] | pd.DataFrame | None = None,
    tokenizer: Any = None,
    models: Mapping[str, Any] | None = None,
    cross_row: bool = True,
) -> pd.DataFrame:
    """Normalize, mask, tokenize, score and flag comments (contract columns as ``civicnlp.io.load_comments``).

    Keeps every input column except the raw ``text`` and adds ``text_masked``, ``sentiment``, ``p_negative``,
    ``p_positive`` (``p_neutral`` when the model has that class), ``policy_area`` (``NO_POLICY_AREA`` when
    the model is not confident), ``toxicity`` (decided from ``p_toxic`` by the model's threshold),
    ``p_toxic``, ``p_reply``, the flags of the module docstring, ``tokens`` (space-joined content tokens)
    and ``nouns`` (space-joined nouns). One output row per input row, same index and order.

    ``campaign`` is one campaign row (a mapping with ``hashtags``) or a campaigns table with ``campaign_id``
    and ``hashtags``; ``tokenizer`` defaults to ``Tokenizer()`` (Mecab, content words; the nouns come from
    the same settings with ``pos="nouns"``); ``models`` maps "sentiment"/"policy_area"/"toxicity"/"reply"
    to a shipped model name or a fitted pipeline; ``cross_row`` as in :func:`flag_comments`.
    """
    masked, _ = mask_texts(comments)
    return annotate_masked(masked, campaign=campaign, tokenizer=tokenizer, models=models, cross_row=cross_row)


def mask_texts(comments: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """``comments`` with the raw ``text`` replaced by ``text_masked`` (normalized, PII-masked), and which rows
    are empty after normalization (what ``annotate_loaded`` quarantines)."""

    if "text" not in comments.columns:
        raise DataContractError(f"annotate needs a 'text' column; columns found: {list(comments.columns)}")
    normalized = normalize_series(comments["text"])
    empty = normalized.fillna("").str.strip().eq("")
    masked = mask_pii_series(normalized).fillna("").astype(str)
    return comments.drop(columns="text").assign(text_masked=masked), empty


def annotate_masked(
    masked: pd.DataFrame,
    *,
    campaign: Mapping[str, Any] | pd.DataFrame | None = None,
    tokenizer: Any = None,
    models: Mapping[str, Any] | None = None,
    cross_row: bool = True,
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`annotate_comments` after :func:`mask_texts`, for callers that mask first to set the empty rows
    aside (``annotate_loaded``, :mod:`civicnlp.distributed`): ``masked`` has ``text_masked``, not ``text``.
    ``scored``: :func:`score_texts` of some texts already (the texts a Dask run finds in several parts);
    those are taken from it, not tokenized and scored again."""
    out = masked.copy(deep=False)  # new columns go on a new frame, never on the caller's
    # Comments repeat a lot (참여합니다...): tokenize and score each distinct text once.
    codes, distinct = pd.factorize(out["text_masked"])
    texts = [str(t) for t in distinct]
    if scored is None or scored.empty:
        table = score_texts(texts, tokenizer=tokenizer, models=models)
    else:
        known = set(scored.index)
        fresh = [t for t in texts if t not in known]
        table = pd.concat([scored, score_texts(fresh, tokenizer=tokenizer, models=models)]).reindex(texts)
    for column in table.columns:
        out[column] = table[column].to_numpy()[codes]

    flags = flag_comments(out, campaign=campaign, cross_row=cross_row)
    for column in flags.columns:
        out[column] = flags[column].to_numpy()
    return out


def score_texts(
    texts: Sequence[str], *, tokenizer: Any = None, models: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """What annotation computes of a text alone: ``tokens``, ``nouns`` and the models' labels and
    probabilities, one row per text (indexed by it; texts given once each), as :func:`annotate_comments`
    adds them."""

    texts = list(texts)
    tok = tokenizer if tokenizer is not None else Tokenizer()
    each = tok.tokenize_presets([PLACEHOLDER_RE.sub(" ", t) for t in texts], [tok.pos, "nouns"])
    pipelines = load_models(models)
    scores = pd.concat(
        [_score(pipelines, texts[i : i + SCORE_BATCH]) for i in range(0, max(len(texts), 1), SCORE_BATCH)],
        ignore_index=True,
    )
    words = {
        "tokens": np.array([" ".join(t) for t in each[tok.pos]], dtype=object),
        "nouns": np.array([" ".join(t) for t in each["nouns"]], dtype=object),
    }
    return pd.DataFrame(words).join(scores).set_axis(pd.Index(texts, dtype=object, name="text_masked"))


#: Distinct texts scored at once: the models' features for this many texts are held at a time (about
#: 100 MB), whatever the size of the frame.
SCORE_BATCH = 10_000


def _score(pipelines: Mapping[str, Any], texts: list[str]) -> pd.DataFrame:
    """The four models' labels and probabilities of ``texts``, one row each."""
    sentiment, proba = _classify(pipelines["sentiment"], texts)
    scores = {"sentiment": sentiment}
    for cls in ("negative", "neutral", "positive"):
        if cls in proba.columns:
            scores[f"p_{cls}"] = proba[cls].to_numpy()
    scores["policy_area"] = _classify(pipelines["policy_area"], texts)[0]
    toxicity, tox_proba = _classify(pipelines["toxicity"], texts)
    if "none" not in tox_proba.columns:
        raise ModelError(f"the toxicity model has classes {list(tox_proba.columns)}; it needs a 'none' class")
    scores["toxicity"] = toxicity
    scores["p_toxic"] = 1.0 - tox_proba["none"].to_numpy(dtype=float)
    reply_proba = _classify(pipelines["reply"], texts)[1]
    if "reply" not in reply_proba.columns:
        raise ModelError(f"the reply model has classes {list(reply_proba.columns)}; it needs a 'reply' class")
    scores["p_reply"] = reply_proba["reply"].to_numpy(dtype=float)
    return pd.DataFrame(scores)


def load_models(models: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fitted model of each role (``DEFAULT_MODELS`` unless ``models`` names another model or passes one),
    each loaded once per process."""
    chosen = {**DEFAULT_MODELS, **(models or {})}
    unknown = set(chosen) - set(DEFAULT_MODELS)
    if unknown:
        raise ParameterError(f"unknown model role(s) {sorted(unknown)}; expected {sorted(DEFAULT_MODELS)}")
    return {role: _shipped(m) if isinstance(m, str) else m for role, m in chosen.items()}


def _shipped(name: str) -> Any:
    return load_model(name)


def _classify(model: Any, texts: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Labels (the model's decision, :func:`~civicnlp.classify.labels_from_proba`) and class probabilities
    (columns = ``classes_``) of one fitted model."""
    if not texts:
        names = [str(c) for c in getattr(model, "classes_", [])]
        return np.array([], dtype=object), pd.DataFrame(columns=names, dtype=float)
    if not hasattr(model, "predict_proba"):
        raise ModelError(f"model {model!r} has no predict_proba; annotate needs class probabilities")
    proba = np.asarray(model.predict_proba(texts))
    classes = np.asarray(model.classes_).astype(str)
    return labels_from_proba(model, proba), pd.DataFrame(proba, columns=classes)


def _campaign_keywords(
    campaign: Mapping[str, Any] | pd.DataFrame | None, campaign_ids: pd.Series
) -> list[set[str]]:
    """The entry keywords of each row's campaign, as compact lower-case strings."""

    def parse(value: object) -> set[str]:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return set()
        items: Iterable[object] = re.split(r"[;,]", value) if isinstance(value, str) else value  # type: ignore[assignment]
        return {_compact(str(v).lstrip("#")) for v in items} - {""}

    if campaign is None:
        return [set()] * len(campaign_ids)
    if isinstance(campaign, pd.DataFrame):
        if not {"campaign_id", "hashtags"} <= set(campaign.columns):
            return [set()] * len(campaign_ids)
        table = {str(k): parse(v) for k, v in zip(campaign["campaign_id"], campaign["hashtags"], strict=True)}
        return [table.get(str(c), set()) for c in campaign_ids]
    return [parse(campaign.get("hashtags"))] * len(campaign_ids)


def _compact(text: str) -> str:
    r"""The text without whitespace (what ``\s`` matches: ``str.split`` splits on the same), case-folded."""
    return "".join(text.split()).casefold()


def flag_comments(
    annotated: pd.DataFrame,
    *,
    campaign: Mapping[str, Any] | pd.DataFrame | None = None,
    cross_row: bool = True,
) -> pd.DataFrame:
    """The six flags (module docstring) for a frame with ``text_masked`` and ``sentiment`` (plus, when
    present, ``p_reply``, ``campaign_id``, ``author_id`` and ``created_at``), as a boolean frame on the
    same index.

    ``cross_row=False`` skips what compares rows with each other (:func:`cross_row_flags`: ``is_duplicate``
    and ``is_near_duplicate`` stay False, ``is_spam`` holds only the row's own cues), for a caller that
    compares the whole campaign's rows at once and holds only a part of it here (:mod:`civicnlp.distributed`).
    """
    text = annotated["text_masked"].fillna("").astype(str)
    codes, distinct = pd.factorize(text)
    cues = _text_cues(pd.Series(distinct, dtype=object).astype(str))
    cue = {name: values[codes] for name, values in cues.items()}  # per row, computed once per distinct text
    campaign_ids = _campaign_ids(annotated)
    keywords = _campaign_keywords(campaign, campaign_ids)
    is_entry = cue["entry"] | np.array(
        [any(k in key for k in kws) for key, kws in zip(cue["key"], keywords, strict=True)], dtype=bool
    )
    sentiment = (
        annotated["sentiment"] if "sentiment" in annotated.columns else pd.Series("", index=text.index)
    )
    negative = sentiment.eq("negative").to_numpy()
    if "p_reply" in annotated.columns:
        asks = annotated["p_reply"].fillna(0.0).to_numpy(dtype=float) >= REPLY_MIN_P
        request = asks & cue["complaint"]
    else:  # cues alone
        asks, request = np.ones(len(text), dtype=bool), np.zeros(len(text), dtype=bool)
    is_question = cue["question"] & (asks | cue["info_question"])
    if "p_positive" in annotated.columns:
        praise = annotated["p_positive"].fillna(0.0).to_numpy(dtype=float) >= PRAISE_MIN_P
    else:
        praise = sentiment.eq("positive").to_numpy()
    problem = (cue["problem"] & ~praise) | request
    is_complaint = (negative & (cue["complaint"] | is_question)) | (problem & ~is_entry)
    if cross_row:
        cross = cross_row_flags(annotated, keys=cue["key"])
    else:
        cross = pd.DataFrame(False, index=text.index, columns=CROSS_ROW_FLAGS)
    is_spam = cue["ad"] | (cue["phone_contact"] & ~is_entry) | cross["is_repeated"].to_numpy()
    flags = {
        "is_entry": is_entry,
        "is_question": is_question,
        "is_complaint": is_complaint,
        "is_duplicate": cross["is_duplicate"].to_numpy(),
        "is_near_duplicate": cross["is_near_duplicate"].to_numpy(),
        "is_spam": is_spam,
    }
    return pd.DataFrame({k: np.asarray(v, dtype=bool) for k, v in flags.items()}, index=text.index)


#: What :func:`cross_row_flags` returns: the parts of the flags that compare a comment with the others.
CROSS_ROW_FLAGS = ["is_duplicate", "is_near_duplicate", "is_repeated"]


def cross_row_flags(annotated: pd.DataFrame, *, keys: Any = None) -> pd.DataFrame:
    """Copies, near copies and repeated posting within each campaign (``is_repeated``: the author posted the
    same text ``SPAM_REPEATS`` times, which makes it spam), from ``text_masked`` — or the rows' comparison
    ``keys`` (:func:`comparison_keys`) when already computed — and, when present, ``campaign_id``,
    ``author_id`` and ``created_at``. The earliest comment is the original, so this needs all of a
    campaign's rows at once.

    Rows are compared by integer codes of their campaign, author and key; only the distinct keys are kept as
    text, so a million comments take a few hundred MB here."""
    if keys is None:
        keys = comparison_keys(annotated["text_masked"])
    key_codes, distinct = pd.factorize(keys)
    author = (
        annotated["author_id"]
        if "author_id" in annotated.columns
        else pd.Series(pd.NA, index=annotated.index)
    )
    rows = _Rows(
        campaign=pd.factorize(_campaign_ids(annotated).fillna("").astype(str))[0],
        author=pd.factorize(author)[0],  # -1: no author
        key=key_codes,
        keys=pd.Index(distinct),
    )
    order = _time_order(annotated)
    is_duplicate = _exact_duplicates(rows, order)
    flags = {
        "is_duplicate": is_duplicate,
        "is_near_duplicate": _near_duplicates(rows, order, is_duplicate),
        "is_repeated": _repeated(rows),
    }
    return pd.DataFrame(flags, index=annotated.index)


def comparison_keys(text_masked: pd.Series) -> pd.Series:
    """What copies are compared by: each text without spaces, case-folded (once per distinct text)."""
    codes, distinct = pd.factorize(text_masked.fillna("").astype(str))
    keys = np.array([_compact(t) for t in distinct], dtype=object)
    return pd.Series(keys[codes] if len(codes) else [], index=text_masked.index, dtype="str")


@dataclass(frozen=True)
class _Rows:
    """What the cross-row flags compare, per row as integer codes: campaign, author (-1 when missing) and
    comparison key (an index into ``keys``, the distinct keys)."""

    campaign: np.ndarray
    author: np.ndarray
    key: np.ndarray
    keys: pd.Index

    def frame(self, positions: np.ndarray | None = None) -> pd.DataFrame:
        """The codes as a frame, of the rows at ``positions`` in that order (all rows by default)."""
        at = slice(None) if positions is None else positions
        return pd.DataFrame({"campaign": self.campaign[at], "author": self.author[at], "key": self.key[at]})

    def key_lengths(self) -> np.ndarray:
        """Each row's key length in characters."""
        return np.asarray(self.keys.str.len(), dtype=np.int64)[self.key]


def _campaign_ids(annotated: pd.DataFrame) -> pd.Series:
    if "campaign_id" in annotated.columns:
        return annotated["campaign_id"]
    return pd.Series("", index=annotated.index)


def _repeated(rows: _Rows) -> np.ndarray:
    """Rows whose author posted the same text at least ``SPAM_REPEATS`` times in the campaign."""
    frame = rows.frame()
    counted = (frame["author"] >= 0) & (rows.key_lengths() > 0)
    repeats = frame[counted].groupby(["campaign", "author", "key"], sort=False)["key"].transform("size")
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[repeats.index.to_numpy()] = (repeats >= SPAM_REPEATS).to_numpy()
    return repeated


def _text_cues(text: pd.Series) -> dict[str, np.ndarray]:
    """What each text says on its own: entry/question/complaint/ad cues and its comparison key."""
    has = {name: text.str.contains(regex).to_numpy(dtype=bool) for name, regex in _CUES.items()}
    return {
        "key": np.array([_compact(t) for t in text], dtype=object),
        "entry": has["entry"],
        "question": has["question"],
        "info_question": has["info_question"],
        "complaint": has["request"] | has["problem"],
        "problem": has["problem"],
        "ad": (has["ad"] & (has["link"] | has["phone"])) | has["strong_ad"],
        "phone_contact": has["phone"] & has["contact"],
    }


def _time_order(df: pd.DataFrame) -> np.ndarray:
    """Row positions from the earliest comment to the latest (input order breaks ties and missing times)."""
    if "created_at" not in df.columns:
        return np.arange(len(df))
    utc = pd.to_datetime(df["created_at"], errors="coerce", utc=True).dt.tz_localize(None)
    return np.argsort(utc.to_numpy(), kind="stable")  # numpy sorts NaT last


def _exact_duplicates(rows: _Rows, order: np.ndarray) -> np.ndarray:
    ordered = rows.frame(order)
    length = rows.key_lengths()[order]
    same_author = (ordered["author"] >= 0) & ordered.duplicated(["campaign", "author", "key"])
    copy_paste = (length >= COPY_MIN_CHARS) & ordered.duplicated(["campaign", "key"])
    flags = np.zeros(len(order), dtype=bool)
    flags[order] = (length > 0) & (same_author | copy_paste).to_numpy()
    return flags


_MINHASH_CHUNK = 50_000  # keys whose 3-grams are hashed at once
_PAIR_CHUNK = 25_000  # pairs of texts compared at once


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: 64-bit values scrambled, one to one (arithmetic wraps mod 2**64)."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _gram_hashes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The character 3-grams of ``keys`` as 64-bit hashes, one key's after another, and how many each key
    has (a key of n >= 3 characters has n - 2). Vectorized over the keys' code points, with no string per
    3-gram: this is what made MinHash cheap enough for a million comments."""
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    counts = np.maximum(lengths - 2, 0)
    points = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    points = points.astype(np.uint64)
    # three code points of 21 bits side by side: one number per 3-gram, then scrambled
    grams = (points[:-2] << np.uint64(42)) | (points[1:-1] << np.uint64(21)) | points[2:]
    firsts = np.cumsum(counts) - counts
    at = np.repeat(np.cumsum(lengths) - lengths - firsts, counts) + np.arange(counts.sum())
    return _mix(grams[at]), counts


def _shingles(keys: Sequence[str]) -> Any:
    """Which character 3-grams each of ``keys`` has: a sparse 0/1 matrix, one row a key, a column a 3-gram
    (by 31 bits of its hash)."""
    import scipy.sparse as sp

    grams, counts = _gram_hashes(keys)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    matrix = sp.csr_matrix(
        (np.ones(len(grams), dtype=np.uint8), (grams >> np.uint64(33)).astype(np.int32), indptr),
        shape=(len(keys), 2**31),
    )
    matrix.sum_duplicates()  # a 3-gram twice in a key counts once
    matrix.data[:] = 1
    return matrix


def _minhash_bands(keys: pd.Index, bands: int, band_rows: int) -> np.ndarray:
    """Each key's MinHash band hashes over its character 3-grams (``bands`` of ``band_rows`` hashes folded
    into one; zeros for a key shorter than 3 characters), a chunk of keys at a time to bound the
    temporaries."""
    rng = np.random.default_rng(0)
    # odd multipliers: each hash is a one-to-one map of the 64-bit 3-gram hashes
    a = rng.integers(0, 1 << 62, size=bands * band_rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 62, size=bands * band_rows, dtype=np.uint64)
    band_hashes = np.zeros((len(keys), bands), dtype=np.uint64)
    for start in range(0, len(keys), _MINHASH_CHUNK):
        grams, counts = _gram_hashes(keys[start : start + _MINHASH_CHUNK].tolist())
        usable = np.flatnonzero(counts)
        if not len(usable):
            continue
        starts = (np.cumsum(counts) - counts)[usable]
        for band in range(bands):
            folded = np.zeros(len(usable), dtype=np.uint64)
            for i in range(band * band_rows, (band + 1) * band_rows):
                # the minimum per key of a multiply-add hash, folded into the band's hash
                lowest = np.minimum.reduceat(a[i] * grams + b[i], starts)
                folded = folded * np.uint64(0x9E3779B97F4A7C15) ^ lowest
            band_hashes[start + usable, band] = folded
    return band_hashes


def _cosines(keys: pd.Index, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Cosine of the character 3-grams of ``keys[first[i]]`` and ``keys[second[i]]``: each distinct pair
    computed once, a chunk of pairs at a time, shingling only that chunk's keys. MinHash has hashed those
    3-grams already, but keeping every key's would hold about 230 MB a million comments; hashing the
    candidates' keys again took 1.2 s of the 1M-comment benchmark's flag pass."""
    if not len(first):
        return np.empty(0)
    width = np.int64(len(keys))
    pairs, back = np.unique(first.astype(np.int64) * width + second, return_inverse=True)
    cosine = np.empty(len(pairs))
    for start in range(0, len(pairs), _PAIR_CHUNK):
        left, right = np.divmod(pairs[start : start + _PAIR_CHUNK], width)
        needed, at = np.unique(np.concatenate([left, right]), return_inverse=True)
        shingles = _shingles(keys[needed].tolist())
        i, j = at[: len(left)], at[len(left) :]
        sizes = np.diff(shingles.indptr).astype(np.float64)
        inter = np.asarray(shingles[i].multiply(shingles[j]).sum(axis=1)).ravel()
        cosine[start : start + len(left)] = inter / np.sqrt(sizes[i] * sizes[j])
    return cosine[back.ravel()]


def _near_duplicates(
    rows: _Rows, order: np.ndarray, copies: np.ndarray, *, bands: int = 8, band_rows: int = 6
) -> np.ndarray:
    """MinHash LSH over character 3-grams; each candidate checked against its bucket's earliest comment.
    ``copies`` (the exact duplicates, in row order) are left out: each has its original in every bucket it
    is in, and earlier, so leaving them out changes no bucket's earliest comment."""
    flags = np.zeros(len(order), dtype=bool)
    if len(order) < 2:
        return flags
    key, author, campaign = rows.key[order], rows.author[order], rows.campaign[order]
    length = rows.key_lengths()[order]
    # Short texts only meet texts of their own author: their bucket key includes the author, others' -1.
    short = length < COPY_MIN_CHARS
    owner = np.where(short, author, -1)
    # 3 characters make a 3-gram
    positions = np.flatnonzero((length >= 3) & (~short | (author >= 0)) & ~copies[order])
    if len(positions) < 2:
        return flags
    band_hashes = _minhash_bands(rows.keys, bands, band_rows)
    # a bucket: a band's hash within one campaign and owner, all three hashed into one number
    group = _mix(campaign[positions].astype(np.uint64) << np.uint64(32) ^ owner[positions].astype(np.uint64))
    candidates, originals = [], []
    for band in range(bands):
        buckets = band_hashes[key[positions], band] ^ group
        _, first, bucket = np.unique(buckets, return_index=True, return_inverse=True)
        first = positions[first[bucket.ravel()]]  # positions rise with time: a bucket's first is its earliest
        cand = first != positions
        candidates.append(positions[cand])
        originals.append(first[cand])
    cand, orig = np.concatenate(candidates), np.concatenate(originals)
    close = _cosines(rows.keys, key[cand], key[orig]) >= NEAR_DUPLICATE_COSINE
    flags[order[cand[close]]] = True
    return flags


# ---------------------------------------------------------------- files and the CLI


@dataclass
class AnnotateResult:
    """Annotated rows, quarantined rows (from ingestion and from annotation) and the input row count."""

    data: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int

    def summary(self) -> str:
        """``2,104 rows read / 2,071 annotated / 33 quarantined (blank text: 20, ...)``."""
        line = (
            f"{self.rows_in:,} rows read / {len(self.data):,} annotated"
            f" / {len(self.quarantine):,} quarantined"
        )
        if len(self.quarantine):
            reasons = self.quarantine["reason"].value_counts()
            line += " (" + ", ".join(f"{r}: {c:,}" for r, c in reasons.items()) + ")"
        return line


def annotate_loaded(
    loaded: Any,
    *,
    campaign: Mapping[str, Any] | pd.DataFrame | None = None,
    tokenizer: Any = None,
    models: Mapping[str, Any] | None = None,
) -> AnnotateResult:
    """Annotate a ``civicnlp.io.LoadResult``: rows whose text is empty after normalization join the ingestion
    quarantine (reason "empty after normalization"), so rows in == annotated + quarantined."""
    data: pd.DataFrame = loaded.data
    masked, empty = mask_texts(data)
    # as text, like the input rows of the ingestion quarantine they join
    rejected = data[empty].astype("string").assign(reason="empty after normalization")
    quarantine = (
        pd.concat([loaded.quarantine, rejected], ignore_index=True) if len(rejected) else loaded.quarantine
    )
    annotated = annotate_masked(
        masked[~empty].reset_index(drop=True), campaign=campaign, tokenizer=tokenizer, models=models
    )
    return AnnotateResult(
        data=annotated, quarantine=quarantine.reset_index(drop=True), rows_in=loaded.rows_in
    )


def annotate_file(
    path: str | Path,
    *,
    out: str | Path | None = None,
    quarantine: str | Path | None = None,
    columns: Mapping[str, str] | str | None = None,
    campaign_id: str | None = None,
    campaigns: str | Path | None = None,
    tokenizer: Any = None,
    models: Mapping[str, Any] | None = None,
) -> AnnotateResult:
    """Read a comments file, annotate it, and write the outputs (what ``civicnlp annotate`` does).

    ``out`` is a ``.csv``/``.parquet`` file (with ``quarantine`` a second one), or a folder, which gets the
    layout of ``annotate --engine dask`` (``annotated/`` and ``quarantine/`` as Parquet) that ``civicnlp
    report --annotated`` reads with its row accounting intact.

    Entry keywords come from ``campaigns`` (a campaigns file; default: a ``campaigns.csv`` in the input's
    folder or the folder above it, as in ``data/sample/comments/<id>.csv``, when there is one).
    """

    path = Path(path)
    loaded = load_comments(path, columns=columns, campaign_id=campaign_id)
    found: Path | None = Path(campaigns) if campaigns is not None else None
    if campaigns is not None and not Path(campaigns).is_file():
        raise ParameterError(f"campaigns file not found: {campaigns}")
    if found is None:
        nearby = [folder / "campaigns.csv" for folder in (path.parent, path.parent.parent)]
        found = next((p for p in nearby if p.is_file()), None)
    table = load_campaigns(found).data if found is not None else None
    result = annotate_loaded(loaded, campaign=table, tokenizer=tokenizer, models=models)
    if out is not None and not Path(out).suffix:  # a folder: the layout of annotate --engine dask
        if quarantine is not None:
            raise ParameterError(
                "with --out FOLDER the quarantine goes to FOLDER/quarantine/; drop --quarantine"
            )
        write_table(result.data, Path(out) / "annotated" / "part.0.parquet")
        write_table(
            result.quarantine.astype({c: "string" for c in result.quarantine.columns if c != "source_row"}),
            Path(out) / "quarantine" / "part.0.parquet",
        )
        return result
    if out is not None:
        write_table(result.data, out)
    if quarantine is not None:
        write_table(result.quarantine, quarantine)
    return result


__all__: Sequence[str] = [
    "CROSS_ROW_FLAGS",
    "AnnotateResult",
    "annotate_comments",
    "annotate_file",
    "annotate_loaded",
    "annotate_masked",
    "comparison_keys",
    "cross_row_flags",
    "flag_comments",
    "load_models",
    "mask_texts",
    "score_texts",
]
