"""Multi-row inserts of plain values: what imports, the search index and history write by the thousand."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import connection
from django.db.models import DateTimeField
from django.utils import timezone


def insert_rows(model, fields: list[str], rows: Iterable[tuple], *, chunk: int = 500, table: str = "") -> int:
    """Bulk-insert rows of plain values: COPY on PostgreSQL, multi-row INSERTs elsewhere; returns their number.

    An order of magnitude cheaper than model instances, for tens of thousands
    of link rows per file. Only for rows of ids and values computed here;
    values are always sent as data, never spliced into the SQL text. ``rows``
    may be a generator: PostgreSQL receives each row as it comes (in buffers
    of 32 KB), so its work on them overlaps the making of the next ones. The
    generator must not query the database: on PostgreSQL the query would wait
    for the connection the open ``COPY`` holds, for ever. Such a query raises
    ``RowsQueriedDatabase`` instead, on every database.
    """
    if isinstance(rows, list | tuple) and not rows:
        return 0
    written = 0
    quote = connection.ops.quote_name
    table = quote(table or model._meta.db_table)  # ``table``: another table of the model's columns
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copying = cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN")
            with copying as copy, connection.execute_wrapper(_refuse_query):
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        rows = iter(rows)
        while part := _next_rows(rows, chunk):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(part))}",
                [value for values in part for value in values],
            )
            written += len(part)
    return written


class RowsQueriedDatabase(RuntimeError):
    """The rows given to ``insert_rows`` queried the database while being made."""


def _refuse_query(execute, sql, params, many, context):
    raise RowsQueriedDatabase(f"rows for a bulk insert must be made without querying the database: {sql[:80]}")


def _next_rows(rows, chunk: int) -> list[tuple]:
    with connection.execute_wrapper(_refuse_query):
        return list(islice(rows, chunk))


def create_rows(model, fields: list[str], rows: list[tuple]) -> list[int]:
    """Create objects from rows of plain values (ids, text, numbers) and return their ids, in order.

    What ``bulk_create`` does for an import's thousands of sections and
    lessons, without building a model instance per row and preparing each of
    its values through the SQL compiler, which cost more than the database's
    own work. Every other concrete field takes its default (``auto_now`` and
    ``auto_now_add`` fields: now), prepared once. No ``save()`` and no signal
    runs, as with ``bulk_create``.
    """
    if not rows:
        return []
    now = timezone.now()
    given = {model._meta.get_field(name).attname for name in fields}
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given:
            continue
        automatic = isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add)
        defaults[field.attname] = field.get_db_prep_save(now if automatic else field.get_default(), connection)
    names = [*fields, *defaults]
    constant = tuple(defaults.values())
    rows = [(*row, *constant) for row in rows]
    if connection.vendor == "postgresql":
        return _copy_with_ids(model, names, rows)
    return _insert_returning(model, names, rows)


def _copy_with_ids(model, names: list[str], rows: list[tuple]) -> list[int]:
    # Ids taken from the table's sequence in one query, then every row in one COPY.
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), model._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    insert_rows(model, [model._meta.pk.name, *names], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    return ids


def _insert_returning(model, names: list[str], rows: list[tuple]) -> list[int]:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    pk = quote(model._meta.pk.column)
    chunk = max(1, min(500, 30_000 // len(names)))  # within SQLite's 32,766 parameters per statement
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(part))} RETURNING {pk}",
                [value for values in part for value in values],
            )
            # Ids grow in the order the rows are inserted (the table's sequence, the writer holding the
            # database's lock); RETURNING alone does not promise that order.
            ids += sorted(pk for (pk,) in cursor.fetchall())
    return ids
