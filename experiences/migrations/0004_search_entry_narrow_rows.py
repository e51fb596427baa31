"""PostgreSQL: keep the search entries' rows narrow, their long columns out of line.

Counting and sampling the matches of a common word (tens of thousands of
entries) reads every heap page holding one. With the segmented text and the
tsvector stored inline, an entry takes about 1.5 kB and 100,000 entries take
20,000 pages; with ``toast_tuple_target`` at its minimum, a wide row keeps
only its short columns and pointers in the heap (a tenth of the pages), and
the long values are read only for the few entries that are ranked.

Existing rows are rewritten once so that they take the new layout too.
SQLite keeps its FTS5 table, where none of this applies.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE experiences_searchentry SET (toast_tuple_target = 128)")
    schema_editor.execute("UPDATE experiences_searchentry SET published = published")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE experiences_searchentry RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("experiences", "0003_search_index")]
    operations = [migrations.RunPython(forward, backward)]
