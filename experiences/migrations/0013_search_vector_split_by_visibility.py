"""PostgreSQL: the search index in two parts, public entries and the others (drafts, pending, withdrawn).

A reader's search matches through the public part alone, so entries readers
cannot see cost them nothing: no posting to decode, no row to read and then
discard. Staff searches (包括草稿) read both parts (experiences.search.engines.postgres).
The two parts together hold what the single index held. SQLite keeps its
FTS5 table, where visibility is a token.
"""

from django.db import migrations

TABLE = "experiences_searchentry"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX searchentry_vector_public ON {TABLE} USING GIN (vector) WHERE published")
    schema_editor.execute(f"CREATE INDEX searchentry_vector_hidden ON {TABLE} USING GIN (vector) WHERE NOT published")
    schema_editor.execute("DROP INDEX IF EXISTS experiences_searchentry_vector")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX experiences_searchentry_vector ON {TABLE} USING GIN (vector)")
    schema_editor.execute("DROP INDEX IF EXISTS searchentry_vector_public")
    schema_editor.execute("DROP INDEX IF EXISTS searchentry_vector_hidden")


class Migration(migrations.Migration):
    dependencies = [("experiences", "0012_recount_recommendation_points")]
    operations = [migrations.RunPython(forward, backward)]
