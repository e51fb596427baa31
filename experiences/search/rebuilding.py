"""Rebuilding the whole index from scratch (``manage.py rebuild_search_index``, or its job).

SQLite: one transaction that empties the table and indexes everything again;
readers search the old index until it commits.

PostgreSQL: a million entries cannot be inserted into a GIN index one batch
at a time in the ten minutes a rebuild may take (docs/performance.md gives
the figures), so the rebuild fills a table of its own beside the index,
without indexes, from several processes at once (segmenting the text and
computing each ``tsvector`` are the work, and both spread over the cores),
builds its indexes in one pass each, then swaps it for the old one in one
short transaction. Readers search the old index until the swap; entries
written meanwhile (a curator saving a lesson) are carried over at the swap,
under a lock that holds writers back for that moment only. A rebuild stopped
by its time limit leaves the old index whole and its own table is dropped by
the next rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db import connection, transaction

from jobs import pool

from ..bulk import insert_rows
from ..models import Practice, Recommendation, SearchEntry, Section, SourceDocument
from . import indexing

TABLE = SearchEntry._meta.db_table
SHADOW = f"{TABLE}_rebuild"
# Entries per task handed to a worker process: big enough that a task's queries and COPY
# outweigh the hand-over, small enough that progress moves every few seconds.
TASK = 5000
# One PostgreSQL session's memory for building the GIN index in one pass instead of in
# pieces merged on disk (the server's default is 64 MB).
BUILD_MEMORY = "512MB"


def rebuild(*, progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> int:
    """Drop and rebuild the whole index; the number of entries."""
    if connection.vendor == "postgresql":
        return _rebuild_postgres(progress=progress, workers=workers or default_workers())
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE}_fts({TABLE}_fts) VALUES ('rebuild')")
        return indexing.index_documents(SourceDocument.objects.values_list("pk", flat=True), progress=progress)


def default_workers() -> int:
    """One process per core: each keeps a core busy between its own work and its PostgreSQL backend's."""
    return pool.cores()


_MODELS = {
    SearchEntry.Kind.PRACTICE: Practice,
    SearchEntry.Kind.RECOMMENDATION: Recommendation,
    SearchEntry.Kind.SECTION: Section,
}


def _tasks() -> list[tuple[str, list[int]]]:
    tasks = []
    for kind, model in _MODELS.items():
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        tasks += [(kind, ids[start : start + TASK]) for start in range(0, len(ids), TASK)]
    return tasks


def _rebuild_postgres(*, progress: Callable[[int, int], None] | None, workers: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SHADOW}")
        # Defaults, the identity and the generated tsvector; no index and no foreign key yet.
        cursor.execute(
            f"CREATE TABLE {SHADOW} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
        (mark,) = cursor.fetchone()
    try:
        tasks = _tasks()
        total = sum(len(ids) for _kind, ids in tasks)
        done = 0
        for written in _fill(tasks, workers=workers):
            done += written
            if progress is not None:
                progress(done, total)
        definitions = _definitions()
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [BUILD_MEMORY])
            for _name, create in definitions:
                cursor.execute(create)
            cursor.execute(f"ANALYZE {SHADOW}")
        return _swap(mark=mark, definitions=definitions)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SHADOW}")
            cursor.execute("RESET maintenance_work_mem")


def _fill(tasks: list[tuple[str, list[int]]], *, workers: int) -> Iterator[int]:
    """Index every task into the shadow table; yields each task's number of items as it finishes."""
    if workers <= 1 or len(tasks) <= 1 or connection.in_atomic_block or not pool.can_start_workers():
        for task in tasks:
            yield _index_task(task)
        return
    with pool.process_pool(workers, uses_database=True) as workers_pool:
        yield from workers_pool.imap_unordered(_index_task, tasks)


def _index_task(task: tuple[str, list[int]]) -> int:
    """Index one task's items into the shadow table (in a worker, on its own connection)."""
    kind, ids = task
    insert_rows(SearchEntry, indexing.ENTRY_FIELDS, indexing.entries(kind, ids), table=SHADOW)
    return len(ids)


def _definitions() -> list[tuple[str, str]]:
    """The old table's indexes and constraints, as statements that make them on the shadow table.

    Read from the catalogue rather than written out here, so that an index a
    later migration adds is rebuilt too. Each is made under a temporary name
    (``…_r``) and given the old name at the swap.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f') ORDER BY c.contype DESC",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
            [TABLE],
        )
        indexes = cursor.fetchall()
    statements = [
        (name, f"ALTER TABLE {SHADOW} ADD CONSTRAINT {_temporary(name)} {definition}")
        for name, definition in constraints
    ]
    for name, definition in indexes:
        head, _, rest = definition.partition(" ON ")
        head = head[: head.rindex(" ")] + " " + _temporary(name)
        columns = rest.partition(" USING ")[2]
        statements.append((name, f"{head} ON {SHADOW} USING {columns}"))
    return statements


def _temporary(name: str) -> str:
    return (name[:61] + "_r").replace('"', "")


def _swap(*, mark: int, definitions: list[tuple[str, str]]) -> int:
    """Carry over what was written since the rebuild began, then put the new table in the old one's place."""
    columns = ", ".join(SearchEntry._meta.get_field(name).column for name in indexing.ENTRY_FIELDS)
    with transaction.atomic(), connection.cursor() as cursor:
        # Readers go on; writers wait until the swap commits (a second or two).
        cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        # Every write re-inserts an item's entry (a new id), and a deletion removes it.
        cursor.execute(
            f"DELETE FROM {SHADOW} n USING {TABLE} o WHERE o.id > %s AND o.kind = n.kind AND o.object_id = n.object_id",
            [mark],
        )
        cursor.execute(f"INSERT INTO {SHADOW} ({columns}) SELECT {columns} FROM {TABLE} WHERE id > %s", [mark])
        # Items deleted meanwhile. Checked against the items themselves, not the old index:
        # a rebuild may be run precisely because the old index lacks entries.
        for kind, model in _MODELS.items():
            cursor.execute(
                f"DELETE FROM {SHADOW} n WHERE n.kind = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {model._meta.db_table} m WHERE m.id = n.object_id)",
                [kind],
            )
        # Deferred foreign-key checks of this transaction's own writes must run before the old table goes
        # (they are pending only when the rebuild runs inside a caller's transaction).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE {TABLE}")
        cursor.execute(f"ALTER TABLE {SHADOW} RENAME TO {TABLE}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (sequence,) = cursor.fetchone()
        if sequence and sequence.rpartition(".")[2] != f"{TABLE}_id_seq":
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
        for name, statement in definitions:
            if statement.startswith("ALTER TABLE"):
                cursor.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {_temporary(name)} TO {name}")
            else:
                cursor.execute(f"ALTER INDEX {_temporary(name)} RENAME TO {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are all initially deferred
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        (count,) = cursor.fetchone()
    return count
