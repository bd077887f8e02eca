"""What stands out in a campaign's comments, and what to do next: findings by documented rules.

Every finding counts a named set of comments and carries its evidence; nothing is invented, and "nothing
stands out" is an allowed answer. The rules, in the order :func:`next_steps` lists them:

1. **Answer** the questions and requests (``is_question`` or ``is_complaint``, no duplicates or spam) when
   there is at least one; the evidence names how many per channel and per concern.
2. **A channel that differs**: a channel with at least :data:`MIN_SHARE_N` opinion comments whose net
   sentiment (share positive − share negative) differs from the other channels' pooled net sentiment by
   more than chance allows (|z| > 1.96 for the difference, the variance of a net share being
   ``(p₊ + p₋ − (p₊ − p₋)²) / n``).
3. **Recurring concerns**: a concern (:func:`concerns`) with at least :data:`MIN_CONCERN` comments and at
   least 5% of the opinion comments.
4. **Entry mechanics**: at least :data:`MIN_CONCERN` comments that cannot find the post or link, ask how to
   enter, or ask when winners are announced (:data:`ENTRY_PROBLEM_CUES`).
5. **Moderation load**: duplicates, near duplicates and spam together at least :data:`MODERATION_SHARE` of all
   comments.
6. **Message terms not picked up**: keywords of the press release that no comment mentions, when fewer than
   half of them were picked up.

Shares of fewer than :data:`MIN_SHARE_N` comments are not stated as shares (the count is given instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from civicnlp.aggregate import MIN_SHARE_N, Z95, actionable_comments, opinions, wilson_interval, worth_showing
from civicnlp.keywords import as_token_lists, discover_themes
from civicnlp.labels import channel_name

__all__ = [
    "ENTRY_PROBLEM_CUES",
    "MIN_CONCERN",
    "MIN_SHARE_N",
    "MODERATION_SHARE",
    "campaign_terms",
    "channel_gaps",
    "concerns",
    "entry_problems",
    "next_steps",
    "share_text",
]

#: The fewest comments a concern or an entry problem needs to become a recommendation.
MIN_CONCERN = 3
#: Duplicates + near duplicates + spam, as a share of all comments, from which moderation is recommended.
MODERATION_SHARE = 0.10
#: Comments about the mechanics of a comment-to-enter event: finding the post or link, how to enter, results.
ENTRY_PROBLEM_CUES = (
    r"못\s*찾|안\s*보여|안\s*보이|어디(?:서|에|로)?\s*(?:있|하|응모|참여|댓글|올리)|링크|안\s*(?:열|들어가|눌)"
    r"|접속|오류|에러|어떻게\s*(?:응모|참여|신청)|(?:응모|참여|신청)\s*방법|당첨(?:자)?\s*(?:발표|언제|확인|안내)"
    r"|발표\s*(?:는\s*)?언제|경품\s*(?:은\s*)?(?:언제|발송|수령|배송)"
)


def share_text(count: int, n: int) -> str:
    """``12건(21%, 95% 구간 12–33%)``; below :data:`MIN_SHARE_N` only the count and its base."""
    if n < MIN_SHARE_N:
        return f"{count:,}건({n:,}건 중)"
    low, high = (float(v) for v in wilson_interval(count, n))
    return f"{count:,}건({count / n:.0%}, 95% 구간 {low:.0%}–{high:.0%})"


def campaign_terms(
    info: Mapping[str, Any], release_nouns: Iterable[Iterable[str]] = (), *, top: int = 20
) -> set[str]:
    """The campaign's own words: its hashtags and entry keywords, the words of its name and the press
    release's most frequent nouns. They are the subject of every comment, never evidence of a concern."""
    terms: set[str] = set()
    for tag in info.get("hashtags") or []:
        terms.add(str(tag).lstrip("#"))
    terms.update(w for w in str(info.get("name") or "").replace("·", " ").split() if len(w) >= 2)
    counts = pd.Series([str(t) for doc in release_nouns for t in doc], dtype=object)
    if len(counts):
        terms.update(counts.value_counts().head(top).index.astype(str))
    return terms


def concerns(
    annotated: pd.DataFrame,
    terms: Iterable[str] = (),
    *,
    max_groups: int = 5,
    examples: int = 2,
    random_state: int = 0,
) -> pd.DataFrame:
    """Negative opinions and comments that need a reply, grouped into themes by their nouns (NMF), with the
    campaign's own ``terms`` left out of the words.

    One row per concern with at least :data:`MIN_CONCERN` comments, biggest first: ``name`` (its top words),
    ``words``, ``comments``, ``share`` of the opinion comments with Wilson ``low``/``high``, ``channels``
    (comments per channel), ``examples`` (masked texts, most liked first).
    """
    columns = ["name", "words", "comments", "share", "low", "high", "channels", "examples"]
    said = opinions(annotated)
    flagged = pd.Series(False, index=said.index)
    for flag in ("is_question", "is_complaint"):
        if flag in said.columns:
            flagged |= said[flag].fillna(False).astype(bool)
    pool = said[(said["sentiment"].eq("negative") | flagged) & worth_showing(said)]
    if len(pool) < MIN_CONCERN or "nouns" not in pool.columns:
        return pd.DataFrame(columns=columns)
    skip = set(terms)
    nouns = [[t for t in doc if t not in skip] for doc in as_token_lists(pool["nouns"])]
    themes, doc_theme = discover_themes(
        nouns, n_themes=min(max_groups, max(1, len(pool) // 15)), random_state=random_state, top=5
    )
    likes = (
        pd.to_numeric(pool["likes"], errors="coerce").fillna(0)
        if "likes" in pool
        else pd.Series(0, pool.index)
    )
    rows = []
    for theme in themes.to_dict("records"):
        members = pool[doc_theme.to_numpy() == theme["theme"]]
        if len(members) < MIN_CONCERN:
            continue
        low, high = wilson_interval(len(members), len(said))
        ranked = members.assign(_likes=likes[members.index]).sort_values(
            "_likes", ascending=False, kind="stable"
        )
        shown = _distinct(ranked["text_masked"], examples)
        per_channel = members["channel"].astype(str).value_counts()
        rows.append(
            {
                "name": "·".join(theme["keywords"][:3]),
                "words": list(theme["keywords"]),
                "comments": len(members),
                "share": len(members) / len(said),
                "low": float(low),
                "high": float(high),
                "channels": {str(k): int(v) for k, v in per_channel.items()},
                "examples": shown,
            }
        )
    return pd.DataFrame(rows, columns=columns).sort_values("comments", ascending=False, ignore_index=True)


def _distinct(texts: pd.Series, n: int) -> list[str]:
    """The first ``n`` texts that differ in their words, not only in ㅠㅠ, emoji, spaces or punctuation."""
    words = texts.fillna("").astype(str).str.replace(r"[^0-9A-Za-z가-힣]", "", regex=True)
    return texts[~words.duplicated()].head(n).tolist()


def entry_problems(annotated: pd.DataFrame, *, examples: int = 2) -> dict[str, Any]:
    """Comments about the event's mechanics (:data:`ENTRY_PROBLEM_CUES`), no duplicates or spam: ``comments``,
    ``channels`` (per channel) and ``examples``."""
    rows = annotated[worth_showing(annotated)]
    hit = rows["text_masked"].fillna("").str.contains(ENTRY_PROBLEM_CUES, regex=True)
    found = rows[hit]
    return {
        "comments": len(found),
        "channels": {str(k): int(v) for k, v in found["channel"].astype(str).value_counts().items()},
        "examples": _distinct(found["text_masked"], examples),
    }


def channel_gaps(annotated: pd.DataFrame) -> pd.DataFrame:
    """Each channel's opinion net sentiment against the other channels' pooled one (rule 2 of the module
    docstring): ``channel``, ``n``, ``net``, ``net_low``/``net_high`` (95%), ``others_net``, ``z`` and
    ``differs``."""
    said = opinions(annotated)
    columns = ["channel", "n", "net", "net_low", "net_high", "others_net", "z", "differs"]
    if said.empty:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(
        {
            "channel": said["channel"].astype(str),
            "pos": said["sentiment"].eq("positive").astype(int),
            "neg": said["sentiment"].eq("negative").astype(int),
        }
    )
    per = table.groupby("channel").agg(n=("pos", "size"), pos=("pos", "sum"), neg=("neg", "sum"))
    total = per.sum()
    rows = []
    for channel, row in per.iterrows():
        n, rest_n = int(row["n"]), int(total["n"] - row["n"])
        net, var = _net(row["pos"], row["neg"], n)
        rest_net, rest_var = _net(total["pos"] - row["pos"], total["neg"] - row["neg"], rest_n)
        z = (net - rest_net) / np.sqrt(var + rest_var) if rest_n and (var + rest_var) > 0 else np.nan
        half = Z95 * np.sqrt(var)
        rows.append(
            {
                "channel": channel,
                "n": n,
                "net": net,
                "net_low": net - half,
                "net_high": net + half,
                "others_net": rest_net if rest_n else np.nan,
                "z": z,
                "differs": bool(n >= MIN_SHARE_N and rest_n >= MIN_SHARE_N and abs(z) > Z95),
            }
        )
    return pd.DataFrame(rows, columns=columns).sort_values("n", ascending=False, ignore_index=True)


def _net(pos: float, neg: float, n: int) -> tuple[float, float]:
    if n <= 0:
        return np.nan, np.nan
    p, q = pos / n, neg / n
    return p - q, (p + q - (p - q) ** 2) / n


def next_steps(
    annotated: pd.DataFrame,
    summary: Mapping[str, Any],
    found_concerns: pd.DataFrame,
    *,
    actionable: int | None = None,
) -> list[dict[str, str]]:
    """Recommendations by the rules of the module docstring, each ``{"할 일": ..., "근거": ...}``, in rule
    order; one "특별히 눈에 띄는 점이 없습니다" item when no rule fires."""
    steps: list[dict[str, str]] = []
    comments = int(summary.get("comments") or len(annotated))
    said = opinions(annotated)
    needs_reply = actionable if actionable is not None else int(summary.get("actionable") or 0)
    if needs_reply:
        per_channel = _per_channel_text(_reply_channels(annotated))
        steps.append(
            {
                "할 일": "질문·요청 댓글에 답하기",
                "근거": f"답변이 필요한 질문·요청 댓글 {needs_reply:,}건(중복·스팸 제외; {per_channel}). "
                "목록은 8절과 comments_scored.csv(is_question, is_complaint)에 있습니다.",
            }
        )
    gaps = channel_gaps(annotated)
    for gap in gaps[gaps["differs"]].to_dict("records"):
        name = channel_name(gap["channel"])
        steps.append(
            {
                "할 일": f"{name} 채널의 반응 살펴보기",
                "근거": f"{name} 의견 댓글 {gap['n']:,}건의 순감성 {_points(gap['net'])}"
                f"(95% 구간 {_points(gap['net_low'])}~{_points(gap['net_high'])})가 다른 채널을 합친 "
                f"{_points(gap['others_net'])}와 우연으로 보기 어려울 만큼 다릅니다.",
            }
        )
    for concern in found_concerns.to_dict("records"):
        if concern["comments"] >= MIN_CONCERN and concern["share"] >= 0.05:
            steps.append(
                {
                    "할 일": f"반복되는 우려에 대응하기: {concern['name']}",
                    "근거": f"의견 댓글 {len(said):,}건 중 {share_text(concern['comments'], len(said))}. "
                    f"예: “{_quote(concern['examples'])}”",
                }
            )
    entry = entry_problems(annotated)
    if entry["comments"] >= MIN_CONCERN:
        steps.append(
            {
                "할 일": "응모 방법·링크·당첨 발표 안내를 보완하기",
                "근거": f"게시글·링크를 못 찾거나 응모 방법·발표 시기를 묻는 댓글 {entry['comments']:,}건"
                f"({_per_channel_text(entry['channels'])}). 예: “{_quote(entry['examples'])}”",
            }
        )
    flagged = sum(int(summary.get(k) or 0) for k in ("duplicates", "near_duplicates", "spam"))
    if comments and flagged / comments >= MODERATION_SHARE:
        steps.append(
            {
                "할 일": "중복·스팸 댓글 관리하기",
                "근거": f"전체 댓글 {comments:,}건 중 중복 {summary.get('duplicates', 0):,}건, 유사 중복 "
                f"{summary.get('near_duplicates', 0):,}건, 스팸 {summary.get('spam', 0):,}건"
                f"(합계 {flagged / comments:.0%}).",
            }
        )
    uptake = summary.get("message_uptake") or {}
    if uptake and (uptake.get("share") or 0) < 0.5 and uptake.get("missed"):
        steps.append(
            {
                "할 일": "전달되지 않은 핵심 메시지 다시 알리기",
                "근거": f"보도자료 핵심어 {uptake['keywords']}개 중 댓글에 나온 것은 "
                f"{uptake['share']:.0%}입니다. 언급되지 않은 말: {', '.join(uptake['missed'][:5])}.",
            }
        )
    if not steps:
        steps.append(
            {"할 일": "특별히 눈에 띄는 점이 없습니다", "근거": "위 규칙에 해당하는 항목이 없습니다."}
        )
    return steps


def _reply_channels(annotated: pd.DataFrame) -> dict[str, int]:
    rows = actionable_comments(annotated, n=None)
    return {str(k): int(v) for k, v in rows["channel"].astype(str).value_counts().items()}


def _per_channel_text(channels: Mapping[str, int]) -> str:
    return ", ".join(f"{channel_name(c)} {n:,}건" for c, n in channels.items()) or "채널 정보 없음"


def _points(share: float) -> str:
    return f"{share * 100:+.0f}%p"


def _quote(examples: Sequence[str]) -> str:
    return "” / “".join(str(e)[:80] for e in list(examples)[:2])
