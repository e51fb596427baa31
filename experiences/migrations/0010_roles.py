"""The four roles as groups, with their permissions (documented in README.md and on the admin's group pages)."""

from django.db import migrations, models

READER = [
    ("briefings", "add_collection"),
    ("briefings", "change_collection"),
    ("briefings", "delete_collection"),
    ("briefings", "view_collection"),
    ("briefings", "add_collectionitem"),
    ("briefings", "change_collectionitem"),
    ("briefings", "delete_collectionitem"),
    ("briefings", "view_collectionitem"),
]
CONTENT = ["sourcedocument", "section", "practice", "recommendation"]
EDITOR = READER + [
    ("experiences", "view_unpublished"),
    *[("experiences", f"{verb}_{model}") for model in CONTENT for verb in ("add", "change", "view")],
    ("experiences", "delete_section"),
    *[("experiences", f"submit_{model}") for model in ("sourcedocument", "practice", "recommendation")],
    ("experiences", "add_importbatch"),
    ("experiences", "change_importbatch"),
    ("experiences", "view_importbatch"),
    ("experiences", "view_placemention"),
    ("experiences", "view_place"),
    ("experiences", "view_placealias"),
    ("experiences", "view_theme"),
    ("experiences", "view_searchentry"),
    ("taggit", "add_tag"),
    ("taggit", "change_tag"),
    ("taggit", "view_tag"),
    ("taggit", "view_taggeditem"),
    ("jobs", "view_job"),
]
REVIEWER = EDITOR + [
    *[("experiences", f"review_{model}") for model in ("sourcedocument", "practice", "recommendation")],
    *[("experiences", f"delete_{model}") for model in ("sourcedocument", "practice", "recommendation")],
    ("jobs", "cancel_job"),
]
# Administrators: everything these apps define (users and groups, the gazetteer, themes, settings, jobs).
ADMIN_APPS = ["auth", "experiences", "briefings", "jobs", "taggit", "axes", "reversion", "admin"]

ROLES = {"读者": READER, "编辑": EDITOR, "审核": REVIEWER}
ADMINISTRATOR = "管理员"


def _ensure_permissions(apps):
    """Permissions are normally created after migrating; the groups need them now."""
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))


def date_published_content(apps, schema_editor):
    """Content published before the workflow existed: its last change is the best date there is."""
    for name in ("SourceDocument", "Practice", "Recommendation"):
        model = apps.get_model("experiences", name)
        model.objects.filter(status="published", published_at__isnull=True).update(published_at=models.F("updated_at"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("experiences", "0009_editorial_workflow"),
        ("briefings", "0001_initial"),
        ("jobs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("axes", "0010_accessattemptexpiration"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(date_published_content, migrations.RunPython.noop),
    ]
