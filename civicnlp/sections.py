"""The campaign report's sections: each a function of :class:`civicnlp.pipeline.ReportData` that returns what
the report shows, in order — escaped Markdown, tables in the reader's words, figures.

The report notebook calls one function per section and displays what it returns (:func:`show`), so the
notebook holds prose and layout, and every number, label and escape is made here and tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from civicnlp import aggregate, compare, keywords, plots
from civicnlp.aggregate import MIN_SHARE_N
from civicnlp.classify import load_model
from civicnlp.display import (
    concerns_table,
    files_table,
    markdown,
    models_table,
    next_steps_table,
    sentiment_table,
    table,
    themes_table,
    warnings_note,
)
from civicnlp.labels import NO_AREA, NO_POLICY_AREA, channel_name, quarantine_reason
from civicnlp.pipeline import ReportData

__all__ = [
    "comments_to_read",
    "footer",
    "keyword_section",
    "message_fit",
    "method",
    "next_steps",
    "participation",
    "run_info",
    "sentiment",
    "show",
    "summary",
    "themes_and_topics",
    "volume",
]


def show(items: Sequence[Any]) -> None:
    """Display each item (in a notebook)."""
    from IPython.display import display

    for item in items:
        display(item)


def run_info(data: ReportData, *, run_id: str | None) -> list[Any]:
    """Section 1: the campaign, what was analysed, the inputs' fingerprints and the models."""
    info, chosen = data.info, data.parameters
    date_from, date_to = chosen.get("date_from"), chosen.get("date_to")
    items: list[Any] = [
        markdown(
            "## 1. 캠페인과 실행 정보\n\n**{name}**  \n캠페인 기간: {start} ~ {end} · 채널: {channels}  \n"
            "분석한 댓글: {period}{chosen} · 실행 ID: {run_id}",
            name=info.get("name") or data.campaign_id,
            start=str(info.get("start"))[:10],
            end=str(info.get("end"))[:10],
            channels=", ".join(channel_name(c) for c in data.summary["channels"]) or "-",
            period=f"{date_from or '첫 댓글'}부터 {date_to or '마지막 댓글'}까지"
            if date_from or date_to
            else "캠페인의 모든 댓글",
            chosen=" · 선택 채널: " + ", ".join(channel_name(c) for c in chosen["channels"])
            if chosen.get("channels")
            else "",
            run_id=run_id or "-",
        )
    ]
    if data.rows is not None:
        items.append(
            markdown(
                "댓글 {reported:,}건은 분할 저장된 분석 결과에서 읽었습니다. 건수와 비율은 모든 댓글, "
                "예시·테마·그래프는 표본 {sampled:,}건 기준입니다.",
                reported=data.data_quality["reported"],
                sampled=len(data.scored),
            )
        )
    return [*items, table(files_table(data.files)), table(models_table(data.cards))]


def summary(
    data: ReportData, *, previous: Mapping[str, Any] | None = None, compared: Mapping[str, Any] | None = None,
    compare_label: str = "비교 캠페인",
) -> list[Any]:  # fmt: skip
    """Section 2: the summary in sentences, each naming the comments it counts, and the change since the
    previous report (and against a comparison campaign)."""
    sentences = aggregate.summary_sentences(data.summary)
    sentences += compare.comparison_sentences(data.summary, previous, "지난 보고서", models=data.cards)
    if compared:
        sentences += compare.comparison_sentences(data.summary, compared, compare_label, models=data.cards)
    fields = {f"s{i}": s for i, s in enumerate(sentences)}
    items: list[Any] = [
        markdown("\n".join(f"- {{{name}}}" for name in fields), **fields),
        markdown("무엇을 할지는 마지막 절 **11. 다음에 할 일**에 근거와 함께 정리했습니다."),
    ]
    others = {"지난 보고서": previous, compare_label: compared}
    if any(others.values()):
        table = compare.comparison_table(data.summary, others, models=data.cards)
        items.append(compare.styled_headline(table))
    return items


def volume(data: ReportData) -> list[Any]:
    """Section 3: comments per day and channel, the campaign window shaded."""
    volume = aggregate.volume(data.scored, by=("channel", "day"))
    return [plots.volume_timeline(volume, start=data.info.get("start"), end=data.info.get("end"))]


def sentiment(data: ReportData) -> list[Any]:
    """Section 4: the opinions' sentiment by channel (table and bars), over time and by policy area."""
    said = data.opinions
    if not len(said):
        return [markdown("의견 댓글이 없습니다.")]
    shares = aggregate.sentiment_shares(data.scored, by=("channel",), opinions_only=True)
    daily = aggregate.sentiment_shares(said, by=("day",))
    if (daily["n"] >= MIN_SHARE_N).mean() < 0.5:  # mostly small days: weeks say more
        daily = aggregate.sentiment_shares(said, by=("week",))
    items: list[Any] = [
        table(sentiment_table(shares)),
        plots.sentiment_by_group(shares, by="channel"),
        plots.sentiment_over_time(daily),
    ]
    decided = said[~said["policy_area"].isin(list(NO_AREA))]
    by_area = aggregate.sentiment_shares(decided, by=("policy_area",))
    by_area = by_area[by_area["n"] >= MIN_SHARE_N]
    if len(by_area):
        title = f"정책 분야별 감성 비율 (분야가 정해진 의견 {MIN_SHARE_N}건 이상인 분야)"
        items.append(plots.sentiment_by_group(by_area, by="policy_area", title=title))
    return [*items, plots.confidence_histogram(said)]


def themes_and_topics(data: ReportData) -> list[Any]:
    """Section 5: themes found in the opinions (named by their words, with sizes and an example) and the
    policy areas of the opinions."""
    said = data.opinions
    items: list[Any] = []
    found, doc_themes = keywords.discover_themes(
        data.opinion_nouns.tolist(), n_themes=min(6, max(1, len(said) // 50)), random_state=0
    )
    if len(found):
        items.append(table(themes_table(found, doc_themes, said["text_masked"])))
    coverage = data.summary.get("policy_area_coverage") or {}
    if coverage.get("comments"):
        items.append(
            markdown(
                "정책 분야 모델은 확신이 있을 때만 분야를 정합니다. "
                "의견 댓글 {n:,}건 중 {k:,}건({share})에 분야가 정해졌고, 나머지는 ‘{none}’(모델이 판단을 "
                "보류했거나 ‘기타’)입니다.",
                n=coverage["comments"],
                k=coverage["with_area"],
                share="-" if coverage["share"] is None else f"{coverage['share']:.0%}",
                none=NO_POLICY_AREA,
            )
        )
    decided = said[~said["policy_area"].isin(list(NO_AREA))]
    if len(decided) >= MIN_SHARE_N:
        title = f"분야가 정해진 의견 댓글 {len(decided):,}건의 정책 분야 (괄호: 댓글 수)"
        items.append(plots.topic_shares(aggregate.topic_shares(decided), title=title))
    return items


def keyword_section(data: ReportData, *, top: int = 15) -> list[Any]:
    """Section 6: the nouns most opinions mention (the summary's words) and the words that set negative
    opinions apart (the campaign's own terms left out)."""
    said = data.opinions
    items: list[Any] = []
    mentioned = aggregate.top_keywords(said, top)
    if len(mentioned):
        counts = mentioned.set_index("token")["comments"]
        items.append(
            plots.keyword_bars(counts, title="의견 댓글에서 많이 언급된 명사", xlabel="언급한 의견 댓글 수")
        )
    negative = said["sentiment"].eq("negative")
    nouns = data.opinion_nouns
    words = aggregate.distinguishing_words(nouns[~negative], nouns[negative], top=10)
    if len(words):
        title = "부정이 아닌 의견(+)과 부정 의견(−)을 가르는 단어 (캠페인 용어 제외)"
        items.append(plots.keyword_bars(words.set_index("token")["z"], title=title, xlabel="log-odds z"))
    return items


def participation(data: ReportData) -> list[Any]:
    """Section 7: comments, participants, entries and flags per channel."""
    table_ = aggregate.participation(data.scored, by=("channel",))
    return [table(table_, formatter={"entry_share": "{:.0%}"})]


def comments_to_read(data: ReportData) -> list[Any]:
    """Section 8: representative opinions and the questions and requests to answer (capped, with their
    total)."""
    return [
        markdown("**대표 의견** (모델 확신도가 높은 긍정·부정 의견)"),
        table(aggregate.representative_comments(data.scored, n=5), formatter={"confidence": "{:.0%}"}),
        markdown("**답변이 필요한 질문·요청** (공감 많은 순, 중복·스팸 제외)"),
        table(aggregate.actionable_comments(data.scored, n=None), total=data.summary.get("actionable")),
    ]


def message_fit(data: ReportData) -> list[Any]:
    """Section 9: how many of the release's keywords comments picked up, and the release's topic against the
    opinions' topics."""
    items: list[Any] = []
    uptake = data.summary.get("message_uptake")
    if uptake:
        items.append(
            markdown(
                "보도자료 핵심어 {keywords}개 중 <b>{share:.0%}</b>가 댓글에 나왔습니다.  \n"
                "언급된 핵심어: {taken}  \n놓친 핵심어: {missed}",
                keywords=uptake["keywords"],
                share=uptake["share"],
                taken=", ".join(uptake["taken_up"]) or "-",
                missed=", ".join(uptake["missed"]) or "-",
            )
        )
    if not len(data.releases):
        return [*items, markdown("이 캠페인의 보도자료가 없습니다.")]
    releases = data.releases
    text = (releases["title"].fillna("") + "\n" + releases["body"].fillna("")).tolist()
    topic = load_model(data.models["policy_area"]).predict(text)
    top = (data.summary.get("topics") or [])[:3]
    items.append(
        markdown(
            "보도자료 주제: <b>{release}</b> · 의견 댓글 상위 주제: {comments}",
            release=", ".join(sorted(set(map(str, topic)))),
            comments=", ".join(f"{t['policy_area']} ({t['share']:.0%})" for t in top) or "-",
        )
    )
    return items


def method(data: ReportData, *, warnings: Sequence[str] = ()) -> list[Any]:
    """Section 10: what the models' figures mean here, the row accounting, quarantined rows and why, and the
    warnings the run recorded."""
    quality = data.data_quality
    items: list[Any] = [
        markdown(
            "모델의 검증 지표는 각 모델의 학습 말뭉치 기준입니다. 시청 캠페인 댓글과는 분포가 달라 "
            "실제 정확도는 더 낮을 수 있으니, 비율은 경향으로 읽어 주세요.  \n"
            "입력 {rows_in:,}행 = 분석 {annotated:,}행 + 격리 {quarantined:,}행. "
            "분석한 행 중 {outside:,}행은 선택한 기간·채널 밖이라 보고서에서 뺐습니다.",
            rows_in=quality["rows_in"],
            annotated=quality["annotated"],
            quarantined=quality["quarantined"],
            outside=quality["outside_selection"],
        )
    ]
    if quality["quarantined"]:
        reasons = quality["quarantine_reasons"]
        counts = pd.DataFrame(
            {"격리 사유": [quarantine_reason(r) for r in reasons], "행 수": list(reasons.values())}
        )
        shown = [
            c
            for c in ("source_row", "reason", "channel", "created_at", "text_masked")
            if c in data.quarantine
        ]
        items += [table(counts), table(data.quarantine[shown])]
    return [*items, warnings_note(list(warnings))]


def next_steps(data: ReportData) -> list[Any]:
    """Section 11: the recommendations with their evidence, and the grouped concerns behind them."""
    items: list[Any] = [table(next_steps_table(data.next_steps))]
    if len(data.concerns):
        said = len(data.opinions)
        items.append(markdown("**부정·질문·요청 의견의 주제별 묶음** (의견 댓글 {n:,}건 기준)", n=said))
        items.append(table(concerns_table(data.concerns, said)))
    return items


def footer(manifest: Mapping[str, Any]) -> list[Any]:
    """The last line: package version, when the report was made, its run id."""
    return [
        markdown(
            "civicnlp {version} · 생성 {created} · 실행 ID {run_id}",
            version=manifest["package_version"],
            created=str(manifest["created_at"])[:16].replace("T", " "),
            run_id=manifest["run_id"],
        )
    ]
