"""A briefing's metadata as CSV (for Excel: UTF-8 with BOM) and JSON."""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _

from experiences.lessons import KINDS

from .assemble import Briefing, Lesson

# Excel runs a cell starting with one of these as a formula (CSV injection): such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _record(lesson: Lesson, group: str) -> dict:
    return {
        "kind": lesson.kind,
        "id": lesson.pk,
        "title": lesson.title,
        "status": lesson.status or "已发布",
        "group": group,
        "places": lesson.places,
        "themes": lesson.themes,
        "tags": lesson.tags,
        "summary": lesson.summary,
        "body": lesson.body,
        "audience": lesson.audience,
        "sub_points": [f"{p.label}{p.title}" for p in lesson.sub_points],
        "based_on": lesson.behind,
        "excerpt": lesson.excerpt,
        "document": lesson.citation.document,
        "byline": lesson.citation.byline,
        "date": lesson.citation.date,
        "publisher": lesson.citation.publisher,
        "section": lesson.citation.section,
        "citation": lesson.citation.text(),
        "url": lesson.url,
    }


def record(lesson: Lesson, *, group: str = "") -> dict:
    """One lesson as the JSON export writes it (the API returns the same, plus its links)."""
    return _record(lesson, group)


def records(briefing: Briefing) -> list[dict]:
    return [_record(lesson, group.title) for group in briefing.groups for lesson in group.lessons]


COLUMNS = {
    "kind": "类型",
    "id": "编号",
    "title": "标题",
    "status": "状态",
    "group": "分组",
    "places": "地区",
    "themes": "主题",
    "tags": "标签",
    "summary": "摘要",
    "body": "正文",
    "audience": "适用对象",
    "sub_points": "要点",
    "based_on": "依据的经验做法",
    "excerpt": "原文摘录",
    "document": "来源文献",
    "byline": "作者或单位",
    "date": "日期",
    "publisher": "出版单位或刊载处",
    "section": "章节",
    "citation": "完整出处",
    "url": "链接",
}
KIND_LABELS = {kind.key: kind.label for kind in KINDS}


def _cell(value) -> str:
    if isinstance(value, list):
        value = "；".join(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(briefing: Briefing) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_(label) for label in COLUMNS.values()])
    for record in records(briefing):
        record["kind"] = str(KIND_LABELS[record["kind"]])
        writer.writerow([_cell(record[key]) for key in COLUMNS])
    # The BOM is how Excel knows the file is UTF-8 rather than the ANSI code page (GBK on Chinese Windows).
    return out.getvalue().encode("utf-8-sig")


def render_json(briefing: Briefing) -> bytes:
    payload = {
        "title": briefing.title,
        "criteria": briefing.criteria,
        "introduction": briefing.introduction,
        "organization": briefing.organization,
        "date": briefing.date.isoformat(),
        "grouping": briefing.grouping,
        "count": {"practices": briefing.practice_count, "recommendations": briefing.recommendation_count},
        "items": records(briefing),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
