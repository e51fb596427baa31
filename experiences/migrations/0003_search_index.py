"""The full-text index beside SearchEntry, one per database engine.

SQLite: an external-content FTS5 table kept in step with triggers; bm25 ranks
a title match ten times a body match. PostgreSQL: a stored generated tsvector
(``simple`` configuration over the already segmented words; title A, body B,
place/theme tokens C, single characters D) with a GIN index.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE experiences_searchentry_fts USING fts5(
        title, body, tags, chars,
        content='experiences_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', detail='full'
    )""",
    """CREATE TRIGGER experiences_searchentry_ai AFTER INSERT ON experiences_searchentry BEGIN
        INSERT INTO experiences_searchentry_fts(rowid, title, body, tags, chars)
        VALUES (new.id, new.title, new.body, new.tags, new.chars);
    END""",
    """CREATE TRIGGER experiences_searchentry_ad AFTER DELETE ON experiences_searchentry BEGIN
        INSERT INTO experiences_searchentry_fts(experiences_searchentry_fts, rowid, title, body, tags, chars)
        VALUES ('delete', old.id, old.title, old.body, old.tags, old.chars);
    END""",
    """CREATE TRIGGER experiences_searchentry_au AFTER UPDATE ON experiences_searchentry BEGIN
        INSERT INTO experiences_searchentry_fts(experiences_searchentry_fts, rowid, title, body, tags, chars)
        VALUES ('delete', old.id, old.title, old.body, old.tags, old.chars);
        INSERT INTO experiences_searchentry_fts(rowid, title, body, tags, chars)
        VALUES (new.id, new.title, new.body, new.tags, new.chars);
    END""",
    "INSERT INTO experiences_searchentry_fts(experiences_searchentry_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 0.5, 0.1)')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS experiences_searchentry_au",
    "DROP TRIGGER IF EXISTS experiences_searchentry_ad",
    "DROP TRIGGER IF EXISTS experiences_searchentry_ai",
    "DROP TABLE IF EXISTS experiences_searchentry_fts",
]
POSTGRES_FORWARD = [
    """ALTER TABLE experiences_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', body), 'B') ||
        setweight(to_tsvector('simple', tags), 'C') ||
        setweight(to_tsvector('simple', chars), 'D')
    ) STORED""",
    "CREATE INDEX experiences_searchentry_vector ON experiences_searchentry USING GIN (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS experiences_searchentry_vector",
    "ALTER TABLE experiences_searchentry DROP COLUMN IF EXISTS vector",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("experiences", "0002_search_entry")]
    operations = [migrations.RunPython(forward, backward)]
