"""Maintained counts are recounted: a recommendation now counts as its top-level point.

Before, every sub-point counted as a recommendation of its own. Deleting the
rows (and with them the ``built`` marker) makes the next read rebuild them
under the new rule (experiences.counting.read), as for a base that never had them;
the cached pages are dropped by moving the content version on.
"""

from django.db import migrations


def forget_counts(apps, schema_editor):
    apps.get_model("experiences", "LessonCount").objects.all().delete()
    # Pages cached under the current content version still show the old numbers: move it on.
    from experiences.caching import VERSION_KEY, bump_version

    bump_version(VERSION_KEY)


class Migration(migrations.Migration):
    dependencies = [("experiences", "0011_full_width_labels")]

    operations = [migrations.RunPython(forget_counts, migrations.RunPython.noop)]
