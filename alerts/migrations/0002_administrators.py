"""管理员 manage alerts's records in the admin, as migration experiences 0010 gave them every other app's."""

from django.db import migrations

ADMINISTRATOR = "管理员"


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("alerts")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)  # normally made after migrating; the group needs them now
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="alerts"))


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("experiences", "0010_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
