"""Load the shipped fixtures: gazetteer, themes and the curated seed corpus.

Seeding only ever adds what is missing. Objects are matched on natural keys
(adcode, alias, theme slug, the fixture key of documents and lessons) and an
object that exists is left exactly as it is, so running ``seed`` twice
changes nothing and never reverts what a curator edited, archived or renamed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from . import content, workflow
from .models import Place, PlaceAlias, Practice, Recommendation, Section, SourceDocument, Theme
from .text.fingerprint import Sketch, content_hash, shingles, similarity
from .text.outline import OutlineNode, assign_ends, body_end
from .text.typography import normalise_punctuation, normalised_span

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        if n:
            self.created[kind] = self.created.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created)


def load_places(*, path: Path, report: SeedReport) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {p.adcode: p for p in Place.objects.all()}
    for level in (Place.Level.PROVINCE, Place.Level.PREFECTURE, Place.Level.COUNTY):  # parents first
        new = [
            Place(
                adcode=row["adcode"],
                name=row["name"],
                short_name=row["short_name"],
                level=row["level"],
                parent=by_code[row["parent"]] if row["parent"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
                latitude=float(row["latitude"]) if row["latitude"] else None,
                pinyin=row["pinyin"],
            )
            for row in rows
            if row["level"] == level and row["adcode"] not in by_code
        ]
        Place.objects.bulk_create(new, batch_size=500)
        _created(Place, [p.pk for p in new])
        by_code.update({p.adcode: p for p in new})
        report.add("place", len(new))


def load_aliases(*, path: Path, report: SeedReport) -> None:
    existing = set(PlaceAlias.objects.values_list("name", flat=True))
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["alias"] not in existing:
                place = Place.objects.get(adcode=row["adcode"])
                _created(PlaceAlias.objects.create(name=row["alias"], place=place, note=row["note"]))
                report.add("alias")


def load_themes(*, path: Path, report: SeedReport) -> None:
    existing = {t.slug: t for t in Theme.objects.all()}
    for order, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        parent = _theme(entry, parent=None, order=order, existing=existing, report=report)
        for child_order, child in enumerate(entry.get("children", [])):
            _theme(child, parent=parent, order=child_order, existing=existing, report=report)


def _theme(entry: dict, *, parent, order: int, existing: dict, report: SeedReport) -> Theme:
    if entry["slug"] in existing:
        return existing[entry["slug"]]
    theme = Theme.objects.create(
        slug=entry["slug"],
        name=entry["name"],
        parent=parent,
        description=entry.get("description", ""),
        keywords=entry.get("keywords", []),
        order=order,
    )
    _created(theme)
    report.add("theme")
    return theme


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
    assign_ends(nodes, text_length=body_end(text))
    return nodes


@dataclass
class _Corpus:
    documents: dict[str, SourceDocument] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # each document's fixture text, before normalising
    sections: dict[tuple[str, str], Section] = field(default_factory=dict)
    practices: dict[str, Practice] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)


def load_corpus(*, path: Path, report: SeedReport) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    corpus = _Corpus(themes={t.slug: t for t in Theme.objects.all()})
    for entry in data["documents"]:
        _document(entry, folder=path.parent, corpus=corpus, report=report)
    corpus.practices = {p.seed_key: p for p in Practice.objects.exclude(seed_key="")}
    for entry in data.get("practices", []):
        if entry["key"] not in corpus.practices:
            corpus.practices[entry["key"]] = _lesson(Practice, entry, corpus=corpus, extra={})
            report.add("practice")
    existing = set(Recommendation.objects.exclude(seed_key="").values_list("seed_key", flat=True))
    for order, entry in enumerate(data.get("recommendations", [])):
        _recommendation(entry, parent=None, order=order, corpus=corpus, existing=existing, report=report)


def _document(entry: dict, *, folder: Path, corpus: _Corpus, report: SeedReport) -> None:
    key = entry["key"]
    raw = (folder / entry["file"]).read_text(encoding="utf-8").strip("\n")
    corpus.raw[key] = raw
    document = SourceDocument.objects.filter(seed_key=key).first()
    if document is not None:
        corpus.documents[key] = document
        _map_existing_sections(document, entry, corpus=corpus)
        return
    # Full-width punctuation in Chinese (text.typography), as the importer does; one character for one,
    # so the fixture's outline is located in the raw text and its offsets hold in the normalised one.
    text = normalise_punctuation(raw)
    published = str(entry.get("published") or "")
    year, _, month = published.partition("-")
    original = corpus.documents.get(entry.get("duplicate_of") or "")
    document = SourceDocument.objects.create(
        seed_key=key,
        title=normalise_punctuation(entry["title"]),
        subtitle=normalise_punctuation(entry.get("subtitle") or ""),
        kind=entry["kind"],
        authors="、".join(entry.get("authors") or []),
        organization=normalise_punctuation(entry.get("organization") or ""),
        published_year=int(year) if year else None,
        published_month=int(month) if month else None,
        publisher=normalise_punctuation(entry.get("publisher") or ""),
        text=text,
        content_hash=content_hash(text),
        fingerprint=Sketch.of(text).to_json(),
        notes=normalise_punctuation(entry.get("notes") or ""),
        duplicate_of=original,
        similarity=round(similarity(shingles(text), shingles(original.text)), 4) if original else None,
    )
    _created(document)
    corpus.documents[key] = document
    nodes = locate_outline(text=raw, sections=entry.get("sections", []))
    created: list[Section] = []
    siblings: dict[int | None, int] = {}
    for node in nodes:
        order = siblings.get(node.parent, 0)
        siblings[node.parent] = order + 1
        section = Section.objects.create(
            document=document,
            parent=created[node.parent] if node.parent is not None else None,
            order=order,
            label=normalise_punctuation(node.label),
            heading=normalise_punctuation(node.heading),
            start=node.start,
            end=node.end,
        )
        created.append(section)
        _created(section)
        corpus.sections[(key, node.key)] = section
    report.add("document")
    report.add("section", len(created))


def _map_existing_sections(document: SourceDocument, entry: dict, *, corpus: _Corpus) -> None:
    """Fixture section keys of an already seeded document, for lessons added to the fixture later."""
    try:
        nodes = locate_outline(text=document.text, sections=_normalised_outline(entry.get("sections", [])))
    except ValueError:
        try:  # a base seeded before punctuation was normalised
            nodes = locate_outline(text=document.text, sections=entry.get("sections", []))
        except ValueError:
            return  # a curator edited the text; lessons of this document are left alone
    existing = {(normalise_punctuation(s.label), normalise_punctuation(s.heading), s.start): s
                for s in document.sections.all()}  # fmt: skip
    for node in nodes:
        key = (normalise_punctuation(node.label), normalise_punctuation(node.heading), node.start)
        section = existing.get(key)
        if section is not None:
            corpus.sections[(entry["key"], node.key)] = section


def _normalised_outline(sections: list[dict]) -> list[dict]:
    return [
        {
            **item,
            "label": normalise_punctuation(item.get("label", "")),
            "heading": normalise_punctuation(item.get("heading", "")),
            "children": _normalised_outline(item.get("children", [])),
        }
        for item in sections
    ]


def _lesson(model, entry: dict, *, corpus: _Corpus, extra: dict):
    document = corpus.documents[entry["document"]]
    section = corpus.sections.get((entry["document"], entry.get("section") or ""))
    if section is None:
        raise ValueError(f"{entry['key']}: section {entry.get('section')!r} is not in the seeded outline")
    values = {
        "seed_key": entry["key"],
        "title": normalise_punctuation(entry["title"]),
        "body": normalise_punctuation((entry.get("body") or "").strip()),
        "document": document,
        "section": section,
        "excerpt": normalised_span(
            entry.get("excerpt") or "", old=corpus.raw.get(entry["document"]) or "", new=document.text
        ),
    }
    if model is Practice:
        values["summary"] = normalise_punctuation((entry.get("summary") or "").strip())
    lesson = model.objects.create(**values, **extra)
    _created(lesson)
    codes = [str(code) for code in entry.get("places", [])]
    places = list(Place.objects.filter(adcode__in=codes))
    if len(places) != len(set(codes)):
        raise ValueError(f"{entry['key']}: unknown adcode in {codes}")
    lesson.places.set(places)
    lesson.themes.set([corpus.themes[slug] for slug in entry.get("themes", [])])
    lesson.tags.set(entry.get("tags", []))
    return lesson


def _recommendation(entry: dict, *, parent, order: int, corpus: _Corpus, existing: set, report: SeedReport):
    if parent is not None:
        entry = {"document": parent.document.seed_key} | entry
    if entry["key"] in existing:
        recommendation = Recommendation.objects.get(seed_key=entry["key"])
    else:
        recommendation = _lesson(
            Recommendation,
            entry,
            corpus=corpus,
            extra={
                "parent": parent,
                "order": order,
                "label": normalise_punctuation(entry.get("label") or ""),
                "audience": normalise_punctuation(entry.get("audience") or ""),
            },
        )
        recommendation.derived_from.set([corpus.practices[key] for key in entry.get("derived_from", [])])
        report.add("recommendation")
    for child_order, child in enumerate(entry.get("children", [])):
        _recommendation(
            child, parent=recommendation, order=child_order, corpus=corpus, existing=existing, report=report
        )


def link_document_places(*, report: SeedReport) -> None:
    """A seeded document without places gets those of its lessons."""
    for document in SourceDocument.objects.exclude(seed_key="").filter(places__isnull=True):
        places = Place.objects.filter(
            models.Q(practices__document=document) | models.Q(recommendations__document=document)
        ).distinct()
        content.current().changing(document)
        document.places.set(places)
        report.add("document places", 1 if places else 0)


def _created(obj_or_model, ids=None) -> None:
    content.current().created(obj_or_model, ids)


def seed(*, fixtures: Path = FIXTURES) -> SeedReport:
    """Load everything missing, in one transaction."""
    report = SeedReport()
    with content.writing(comment=_("载入随系统附带的示例内容")) as work:
        work.rebuild_counts()  # hundreds of new lessons: recounting is quicker than measuring each
        load_places(path=fixtures / "places.csv", report=report)
        load_aliases(path=fixtures / "place_aliases.csv", report=report)
        load_themes(path=fixtures / "themes.yaml", report=report)
        load_corpus(path=fixtures / "seed" / "corpus.yaml", report=report)
        link_document_places(report=report)
        # New shipped content is published through the workflow, documents first (never what existed).
        for model in (SourceDocument, Practice, Recommendation):
            workflow.publish_new(model.objects.filter(pk__in=work.new[model]), comment=_("发布示例内容"))
    return report
