"""PostgreSQL: each entry's tsvector also holds the block of ids it falls in (``eb<id / 4096>``).

Ranking a common word's matches starts from its newest ones. GIN returns
matches in no useful order, so finding the newest meant reading and sorting
every match (tens of thousands of heap rows). With the block as a token, GIN
itself narrows a word to the newest blocks (``人才 & (eb26 | eb25)``) and only
those few rows are read. The block size is ``experiences.search.engines.postgres.ID_BLOCK``.

The generated expression cannot be altered in place before PostgreSQL 17: the
column and its index are rebuilt. SQLite keeps its FTS5 table, where rowid
order serves the same purpose.
"""

from django.db import migrations

VECTOR = """setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', body), 'B') ||
        setweight(to_tsvector('simple', tags), 'C') ||
        setweight(to_tsvector('simple', chars), 'D')"""
BLOCK = "setweight(to_tsvector('simple', 'eb' || (id / 4096)::text), 'D')"


def rebuild(schema_editor, expression: str) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS experiences_searchentry_vector")
    schema_editor.execute("ALTER TABLE experiences_searchentry DROP COLUMN IF EXISTS vector")
    schema_editor.execute(
        f"ALTER TABLE experiences_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    schema_editor.execute("CREATE INDEX experiences_searchentry_vector ON experiences_searchentry USING GIN (vector)")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rebuild(schema_editor, f"{VECTOR} ||\n        {BLOCK}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rebuild(schema_editor, VECTOR)


class Migration(migrations.Migration):
    dependencies = [("experiences", "0005_pages_counts_and_listing_index")]
    operations = [migrations.RunPython(forward, backward)]
