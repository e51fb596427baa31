"""Load the shipped fixtures: gazetteer, themes and the curated seed corpus.

Everything here is idempotent: objects are matched on natural keys (adcode,
alias, theme slug, document content hash, lesson title within its document)
and saved only when a field differs, so running ``seed`` twice changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models, transaction

from .models import Place, PlaceAlias, Practice, Recommendation, Section, SourceDocument, Status, Theme
from .text.fingerprint import content_hash, shingles, similarity
from .text.outline import OutlineNode, assign_ends

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def upsert(model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, bool, bool]:
    """get-or-create that saves only when a value differs; returns (obj, created, changed)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save()
    return obj, False, bool(changed)


def set_m2m(manager, objects: Iterable[models.Model]) -> bool:
    wanted = {obj.pk for obj in objects}
    current = set(manager.values_list("pk", flat=True))
    if wanted != current:
        manager.set(wanted)
        return True
    return False


def set_tags(obj, names: list[str]) -> bool:
    if set(obj.tags.names()) != set(names):
        obj.tags.set(names)
        return True
    return False


# --- gazetteer ---------------------------------------------------------------


def load_places(*, path: Path = FIXTURES / "places.csv", report: SeedReport) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = {p.adcode: p for p in Place.objects.all()}
    by_code = dict(existing)
    levels = [Place.Level.PROVINCE, Place.Level.PREFECTURE, Place.Level.COUNTY]
    for level in levels:  # parents before children, so parent ids are known
        to_create, to_update = [], []
        for row in (r for r in rows if r["level"] == level):
            values = {
                "name": row["name"],
                "short_name": row["short_name"],
                "level": row["level"],
                "parent": by_code[row["parent"]] if row["parent"] else None,
                "longitude": float(row["longitude"]) if row["longitude"] else None,
                "latitude": float(row["latitude"]) if row["latitude"] else None,
                "pinyin": row["pinyin"],
            }
            place = existing.get(row["adcode"])
            if place is None:
                place = Place(adcode=row["adcode"], **values)
                to_create.append(place)
                by_code[place.adcode] = place
            elif any(getattr(place, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(place, k, v)
                to_update.append(place)
        Place.objects.bulk_create(to_create, batch_size=500)
        Place.objects.bulk_update(to_update, list(values), batch_size=500)
        if to_create:
            report.created["place"] = report.created.get("place", 0) + len(to_create)
        if to_update:
            report.updated["place"] = report.updated.get("place", 0) + len(to_update)


def load_aliases(*, path: Path = FIXTURES / "place_aliases.csv", report: SeedReport) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            place = Place.objects.get(adcode=row["adcode"])
            _, created, changed = upsert(
                PlaceAlias, lookup={"name": row["alias"]}, values={"place": place, "note": row["note"]}
            )
            report.count("alias", created=created, changed=changed)


# --- themes --------------------------------------------------------------------


def load_themes(*, path: Path = FIXTURES / "themes.yaml", report: SeedReport) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for order, entry in enumerate(entries):
        parent = _upsert_theme(entry, parent=None, order=order, report=report)
        for child_order, child in enumerate(entry.get("children", [])):
            _upsert_theme(child, parent=parent, order=child_order, report=report)


def _upsert_theme(entry: dict, *, parent: Theme | None, order: int, report: SeedReport) -> Theme:
    theme, created, changed = upsert(
        Theme,
        lookup={"slug": entry["slug"]},
        values={
            "name": entry["name"],
            "parent": parent,
            "description": entry.get("description", ""),
            "keywords": entry.get("keywords", []),
            "order": order,
        },
    )
    report.count("theme", created=created, changed=changed)
    return theme


# --- the curated corpus --------------------------------------------------------


def locate_outline(*, text: str, sections: list[dict]) -> list[OutlineNode]:
    """Place each section of a fixture outline at its character offsets.

    A section starts where its label and heading occur, searching forward from
    the previous section; an unlabelled section covers its whole parent range
    (the body of an unnumbered document). Ends follow the importer's rule.
    """
    nodes: list[OutlineNode] = []

    def walk(items: list[dict], depth: int, parent: int | None) -> None:
        for item in items:
            label, heading = item.get("label", ""), item.get("heading", "")
            if label:
                found = text.find(label + heading, nodes[-1].start if nodes else 0)
                if found < 0:
                    raise ValueError(f"section {item['key']!r}: {label + heading!r} not found in the text")
            else:
                found = nodes[parent].start if parent is not None else 0
            nodes.append(OutlineNode(label, heading, depth, parent, found, key=item["key"]))
            walk(item.get("children", []), depth + 1, len(nodes) - 1)

    walk(sections, 0, None)
    assign_ends(nodes, text_length=len(text))
    return nodes


def load_corpus(*, path: Path = FIXTURES / "seed" / "corpus.yaml", report: SeedReport) -> None:
    corpus = yaml.safe_load(path.read_text(encoding="utf-8"))
    documents: dict[str, SourceDocument] = {}
    sections: dict[tuple[str, str], Section] = {}
    for entry in corpus["documents"]:
        text = (path.parent / entry["file"]).read_text(encoding="utf-8").strip("\n")
        document = _upsert_document(entry, text=text, report=report)
        documents[entry["key"]] = document
        for node_key, section in _sync_outline(document, entry.get("sections", []), report=report).items():
            sections[(entry["key"], node_key)] = section
    _link_duplicates(corpus["documents"], documents, report=report)
    themes = {t.slug: t for t in Theme.objects.all()}
    practices: dict[str, Practice] = {}
    for entry in corpus.get("practices", []):
        practices[entry["key"]] = _upsert_lesson(
            Practice, entry, documents=documents, sections=sections, themes=themes, report=report
        )
    for order, entry in enumerate(corpus.get("recommendations", [])):
        _upsert_recommendation(
            entry,
            parent=None,
            order=order,
            documents=documents,
            sections=sections,
            themes=themes,
            practices=practices,
            report=report,
        )
    for document in documents.values():
        places = Place.objects.filter(
            models.Q(practices__document=document) | models.Q(recommendations__document=document)
        ).distinct()
        if set_m2m(document.places, places):
            report.count("document places", created=False, changed=True)


def _upsert_document(entry: dict, *, text: str, report: SeedReport) -> SourceDocument:
    published = str(entry.get("published") or "")
    year, _, month = published.partition("-")
    document, created, changed = upsert(
        SourceDocument,
        lookup={"content_hash": content_hash(text)},
        values={
            "title": entry["title"],
            "subtitle": entry.get("subtitle") or "",
            "kind": entry["kind"],
            "authors": "、".join(entry.get("authors") or []),
            "organization": entry.get("organization") or "",
            "published_year": int(year) if year else None,
            "published_month": int(month) if month else None,
            "publisher": entry.get("publisher") or "",
            "text": text,
            "notes": entry.get("notes") or "",
            "status": Status.PUBLISHED,
        },
    )
    report.count("document", created=created, changed=changed)
    return document


def _sync_outline(document: SourceDocument, outline: list[dict], *, report: SeedReport) -> dict[str, Section]:
    nodes = locate_outline(text=document.text, sections=outline)
    result: dict[str, Section] = {}
    siblings: dict[int | None, int] = {}
    for node in nodes:
        order = siblings.get(node.parent, 0)
        siblings[node.parent] = order + 1
        parent = result[nodes[node.parent].key] if node.parent is not None else None
        section, created, changed = upsert(
            Section,
            lookup={"document": document, "start": node.start, "label": node.label, "heading": node.heading},
            values={"parent": parent, "order": order, "end": node.end},
        )
        report.count("section", created=created, changed=changed)
        result[node.key] = section
    stale = document.sections.exclude(pk__in=[s.pk for s in result.values()])
    if stale.exists():
        report.count("section", created=False, changed=True)
        stale.delete()
    return result


def _link_duplicates(entries: list[dict], documents: dict[str, SourceDocument], *, report: SeedReport) -> None:
    for entry in entries:
        document = documents[entry["key"]]
        original = documents.get(entry.get("duplicate_of") or "")
        score = None
        if original is not None:
            score = round(similarity(shingles(document.text), shingles(original.text)), 4)
        _, _, changed = upsert(
            SourceDocument, lookup={"pk": document.pk}, values={"duplicate_of": original, "similarity": score}
        )
        report.count("document", created=False, changed=changed)


def _lesson_values(entry: dict, *, documents, sections) -> dict[str, Any]:
    document = documents[entry["document"]]
    return {
        "document": document,
        "section": sections[(entry["document"], entry["section"])] if entry.get("section") else None,
        "excerpt": entry.get("excerpt") or "",
        "status": Status.PUBLISHED,
    }


def _upsert_lesson(model, entry: dict, *, documents, sections, themes, report: SeedReport, extra=None):
    values = _lesson_values(entry, documents=documents, sections=sections)
    values |= {"body": (entry.get("body") or "").strip()}
    if model is Practice:
        values["summary"] = (entry.get("summary") or "").strip()
    values |= extra or {}
    lookup = {"document": values.pop("document"), "title": entry["title"]}
    if model is Recommendation:
        lookup["parent"] = values.pop("parent")
    lesson, created, changed = upsert(model, lookup=lookup, values=values)
    places = list(Place.objects.filter(adcode__in=[str(code) for code in entry.get("places", [])]))
    if len(places) != len(set(entry.get("places", []))):
        raise ValueError(f"{entry['key']}: unknown adcode in {entry.get('places')}")
    changed |= set_m2m(lesson.places, places)
    changed |= set_m2m(lesson.themes, [themes[slug] for slug in entry.get("themes", [])])
    changed |= set_tags(lesson, entry.get("tags", []))
    report.count(model._meta.model_name, created=created, changed=changed)
    return lesson


def _upsert_recommendation(entry: dict, *, parent, order, documents, sections, themes, practices, report):
    if parent is not None:
        entry = {"document": entry.get("document") or parent.document_key} | entry
    recommendation = _upsert_lesson(
        Recommendation,
        entry,
        documents=documents,
        sections=sections,
        themes=themes,
        report=report,
        extra={
            "parent": parent.obj if parent else None,
            "order": order,
            "label": entry.get("label") or "",
            "audience": entry.get("audience") or "",
        },
    )
    if set_m2m(recommendation.derived_from, [practices[key] for key in entry.get("derived_from", [])]):
        report.count("recommendation", created=False, changed=True)
    here = _Parent(obj=recommendation, document_key=entry["document"])
    for child_order, child in enumerate(entry.get("children", [])):
        _upsert_recommendation(
            child,
            parent=here,
            order=child_order,
            documents=documents,
            sections=sections,
            themes=themes,
            practices=practices,
            report=report,
        )


@dataclass
class _Parent:
    obj: Recommendation
    document_key: str


def seed(*, fixtures: Path = FIXTURES) -> SeedReport:
    """Load everything, in one transaction."""
    report = SeedReport()
    with transaction.atomic():
        load_places(path=fixtures / "places.csv", report=report)
        load_aliases(path=fixtures / "place_aliases.csv", report=report)
        load_themes(path=fixtures / "themes.yaml", report=report)
        load_corpus(path=fixtures / "seed" / "corpus.yaml", report=report)
    return report
