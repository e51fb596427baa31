"""Maintained lesson counts (LessonCount): per audience, per place prefix and theme, and totals.

The browsing pages show how many lessons each place (with the places under
it) and each theme (with its sub-themes) holds, and the base's totals.
Recounting them at 100,000 practices takes a second or more, which every page
paid on its first request after any change. Instead:

- a unit of work (experiences.content: the admin, workflow transitions, an
  import) adjusts the rows by the difference between the affected lessons'
  and documents' contributions before and after it;
- a large unit (the seeder, a benchmark's loader, thousands of lessons
  changed at once) rebuilds the rows from scratch with a few grouped queries;
- a base migrated from before this table is rebuilt on its first read (the
  ``built`` marker row is missing).

A recommendation counts as its top-level point: its sub-points are counted
within it (kind ``subpoint``, key ``all`` only, for "含 N 条分项"), and a point
lies in a place or theme when it or one of its sub-points the audience sees is
linked there. So a place's, a theme's and the base's numbers are the number of
points its recommendation list shows.

The same distinct-count rules as ``browsing.place_counts`` and
``browsing.theme_tree`` (a lesson counts once per prefix and per first-level
theme however many of its places or sub-themes fall there); a test checks that
the rows equal a fresh recount after every kind of write.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, Substr

from .lessons import KINDS, kind_of
from .models import LessonCount, Recommendation, SourceDocument, Status

READER, STAFF = "reader", "staff"


def audience(user) -> str:
    """Which maintained counts a user sees: staff count drafts too."""
    from .models import sees_unpublished

    return STAFF if sees_unpublished(user) else READER


RECOMMENDATION, SUBPOINT = "recommendation", "subpoint"
PREFIX_LENGTHS = (2, 4, 6)
BUILT = (STAFF, "meta", "built")
Key = tuple[str, str, str]  # audience, kind, key


def contributions(model, ids, *, exclude=()) -> Counter[Key]:
    """What the given lessons add to the counts, as they are in the database now (three queries).

    Recommendations count by family: ``ids`` stand for their top-level points,
    measured whole. ``exclude``: rows to leave out, as if not yet written (the
    before-state of a family a unit of work adds sub-points to).
    """
    ids = list(ids)
    counts: Counter[Key] = Counter()
    if not ids:
        return counts
    if model is Recommendation:
        return _family_contributions(family_roots(ids), exclude=set(exclude))
    kind = kind_of(model).key
    keys = _link_keys(model, ids)
    for pk, status, document_status in model.objects.filter(pk__in=ids).values_list("pk", "status", "document__status"):
        visible = status == Status.PUBLISHED and document_status == Status.PUBLISHED
        for audience in (STAFF, READER) if visible else (STAFF,):
            counts.update((audience, kind, key) for key in keys[pk] | {"all"})
    return counts


def _link_keys(model, ids) -> dict[int, set[str]]:
    """Each lesson's count keys from its own links: place prefixes, themes and their first-level themes."""
    field = kind_of(model).link_field
    keys: dict[int, set[str]] = defaultdict(set)
    for lesson_id, adcode in model.places.through.objects.filter(**{f"{field}__in": ids}).values_list(
        field, "place__adcode"
    ):
        keys[lesson_id].update(f"place:{adcode[:n]}" for n in PREFIX_LENGTHS)
    for lesson_id, theme_id, parent_id in model.themes.through.objects.filter(**{f"{field}__in": ids}).values_list(
        field, "theme_id", "theme__parent_id"
    ):
        keys[lesson_id].update({f"theme:{theme_id}", f"top:{parent_id or theme_id}"})
    return keys


def family_roots(ids) -> set[int]:
    """The top-level points of these recommendations (a point is its own root)."""
    return {
        parent or pk for pk, parent in Recommendation.objects.filter(pk__in=list(ids)).values_list("pk", "parent_id")
    }


def _family_contributions(roots: set[int], *, exclude: set[int]) -> Counter[Key]:
    """Points and their sub-points, counted once per point: a key reaches the point through any member
    the audience sees (readers: the published ones of a published point)."""
    counts: Counter[Key] = Counter()
    roots = roots - exclude
    members = {
        pk: (parent, status == Status.PUBLISHED and document_status == Status.PUBLISHED)
        for pk, parent, status, document_status in Recommendation.objects.filter(
            Q(pk__in=roots) | Q(parent_id__in=roots)
        ).values_list("pk", "parent_id", "status", "document__status")
        if pk not in exclude
    }
    keys = _link_keys(Recommendation, list(members))
    families: dict[int, list[int]] = defaultdict(list)
    for pk, (parent, _visible) in members.items():
        families[parent or pk].append(pk)
    for root in roots:
        if root not in members:
            continue
        root_visible = members[root][1]
        family = families[root]
        for audience in (STAFF, READER) if root_visible else (STAFF,):
            seen = [pk for pk in family if audience == STAFF or members[pk][1]]
            found = {"all"}.union(*(keys[pk] for pk in seen))
            counts.update((audience, RECOMMENDATION, key) for key in found)
            counts[(audience, SUBPOINT, "all")] += len(seen) - 1
    return counts


def document_totals(ids) -> Counter[Key]:
    """What the given documents add to the document totals (their lessons are measured apart)."""
    counts: Counter[Key] = Counter()
    for status in SourceDocument.objects.filter(pk__in=list(ids)).values_list("status", flat=True):
        counts[(STAFF, "document", "all")] += 1
        if status == Status.PUBLISHED:
            counts[(READER, "document", "all")] += 1
    return counts


def negated(counts: Counter[Key]) -> Counter[Key]:
    return Counter({key: -n for key, n in counts.items()})


def apply(delta: Counter[Key]) -> None:
    """Add the (non-zero) differences to the rows, creating missing rows.

    One upsert per 500 rows (INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike): an import
    touches thousands of place-prefix rows, and matching them with OR-ed conditions took most of a second.
    """
    changes = [(*key, n) for key, n in delta.items() if n]
    quote = connection.ops.quote_name
    table, columns = quote(LessonCount._meta.db_table), ", ".join(quote(c) for c in ("audience", "kind", "key"))
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(changes), 500):
            chunk = changes[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}, n) VALUES {', '.join(['(%s, %s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT ({columns}) DO UPDATE SET n = {table}.n + excluded.n",
                [value for row in chunk for value in row],
            )


def _grouped(model, audience: str) -> Counter[Key]:
    """A from-scratch count of one kind of lesson for one audience (six grouped queries).

    Recommendations count by top-level point (see the module's docstring): links
    of the members the audience sees, counted once per point.
    """
    kind, field = kind_of(model).key, kind_of(model).link_field
    lessons = model.objects.all() if audience == STAFF else model.objects.published()
    owner = F(field)
    if model is Recommendation:
        points = lessons.filter(parent=None)
        lessons = lessons.filter(Q(parent=None) | Q(parent__in=points.values("pk")))
        owner = Coalesce(F(f"{field}__parent_id"), F(field))
        counts: Counter[Key] = Counter({(audience, kind, "all"): points.count()})
        counts[(audience, SUBPOINT, "all")] = lessons.exclude(parent=None).count()
    else:
        counts = Counter({(audience, kind, "all"): lessons.count()})
    places = model.places.through.objects.filter(**{f"{field}__in": lessons.values("pk")})
    for length in PREFIX_LENGTHS:
        rows = places.annotate(prefix=Substr("place__adcode", 1, length)).values("prefix")
        for row in rows.annotate(n=Count(owner, distinct=True)).order_by():
            counts[(audience, kind, f"place:{row['prefix']}")] = row["n"]
    themes = model.themes.through.objects.filter(**{f"{field}__in": lessons.values("pk")})
    for row in themes.values("theme_id").annotate(n=Count(owner, distinct=True)).order_by():
        counts[(audience, kind, f"theme:{row['theme_id']}")] = row["n"]
    top = themes.annotate(top=Coalesce(F("theme__parent_id"), F("theme_id"))).values("top")
    for row in top.annotate(n=Count(owner, distinct=True)).order_by():
        counts[(audience, kind, f"top:{row['top']}")] = row["n"]
    return counts


def rebuild() -> None:
    """Recount everything (large units of work, a restored backup, the counts job)."""
    counts: Counter[Key] = Counter({BUILT: 1})
    for audience in (STAFF, READER):
        for kind in KINDS:
            counts.update(_grouped(kind.model, audience))
        counts[(audience, "document", "all")] = SourceDocument.objects.visible_to(
            None if audience == READER else _Staff
        ).count()
    with transaction.atomic():
        LessonCount.objects.all().delete()
        LessonCount.objects.bulk_create(
            [LessonCount(audience=a, kind=k, key=key, n=n) for (a, k, key), n in counts.items() if n],
            batch_size=1000,
        )


class _Staff:
    """Stands for any staff user in ``visible_to``."""

    is_active = True

    @staticmethod
    def has_perm(perm: str) -> bool:
        return True


GROUPS = {
    "totals": Q(key="all"),
    "places": Q(key__startswith="place:"),
    "themes": Q(key__startswith="theme:") | Q(key__startswith="top:"),
}


def read(audience: str, group: str = "") -> dict[tuple[str, str], int]:
    """Counts one audience sees, {(kind, key): n}: all, or one of GROUPS (totals, places, themes).

    One query; a page reads only the group it shows (the place prefixes alone
    are thousands of rows). An unbuilt table is rebuilt first.
    """
    rows = LessonCount.objects.filter(Q(audience=audience) & GROUPS.get(group, Q()))
    rows |= LessonCount.objects.filter(audience=BUILT[0], kind=BUILT[1], key=BUILT[2])
    counts = {(audience_, kind, key): n for audience_, kind, key, n in rows.values_list("audience", "kind", "key", "n")}
    if BUILT not in counts:
        rebuild()
        return read(audience, group)
    return {(kind, key): n for (audience_, kind, key), n in counts.items() if audience_ == audience and kind != "meta"}
