"""manage.py backup and restore, as an operator runs them: a base with content and files, into an empty one."""

from __future__ import annotations

import json
import os
import tarfile

import pytest

from tests.stack import build, drop_database, new_database, same_engine_as_tests

INVENTORY = "from backups.archive import inventory\nimport json\nprint(json.dumps(inventory()))"
DETAILS = """
import json
from briefings.models import Collection
from experiences.models import ImportBatch, Practice, Recommendation, SourceDocument
c = Collection.objects.get(title="备份测试汇编")
batch = ImportBatch.objects.get(original_name="备份.txt")
print(json.dumps({
    "documents": sorted(SourceDocument.objects.values_list("title", flat=True)),
    "practices": Practice.objects.count(),
    "recommendations": Recommendation.objects.count(),
    "practice_places": sorted(Practice.places.through.objects.values_list("practice_id", "place_id")),
    "derived_from": sorted(Recommendation.derived_from.through.objects.values_list(
        "recommendation_id", "practice_id")),
    "collection_items": list(c.items.order_by("order").values_list("practice_id", "recommendation_id")),
    "upload": batch.file.read().decode(),
}, ensure_ascii=False))
"""
SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from briefings.models import Collection, CollectionItem
from experiences.models import ImportBatch, Practice, Recommendation
owner = get_user_model().objects.get(username="admin")
c = Collection.objects.create(title="备份测试汇编", owner=owner, introduction="导语")
for order, p in enumerate(Practice.objects.order_by("-pk")[:3], 1):
    CollectionItem.objects.create(collection=c, practice=p, order=order)
CollectionItem.objects.create(collection=c, recommendation=Recommendation.objects.first(), order=4)
batch = ImportBatch(original_name="备份.txt", size=12, uploaded_by=owner)
batch.file.save("备份.txt", ContentFile("上传的原文件".encode()), save=True)
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    base = same_engine_as_tests()
    folder = tmp_path_factory.mktemp("backup")
    stack = build(folder / "a", database_url=base, redis_url="", name=f"kbase_backup_a_{os.getpid()}")
    stack.python(SETUP)
    yield stack, base, folder
    drop_database(stack.database_url)


def empty_base(source, name: str):
    stack, base, folder = source
    url = new_database(base, folder=folder, name=f"kbase_backup_{name}_{os.getpid()}")
    env = stack.env | {"DATABASE_URL": url, "KBASE_VAR_DIR": str(folder / name)}
    return url, env


def test_a_backup_restores_into_an_empty_database_with_the_same_content_and_files(source):
    stack, _base, folder = source
    archive = folder / "kbase.tar"
    out = stack.manage("backup", str(archive)).stdout
    assert "Backed up" in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(name.startswith("media/imports/") for name in names)
    url, env = empty_base(source, "b")
    try:
        out = stack.manage("restore", str(archive), env=env).stdout
        assert "every table matches the backup" in out
        details = json.loads(stack.python(DETAILS))
        assert json.loads(stack.manage("shell", "--no-imports", "-c", DETAILS, env=env).stdout) == details
        assert len(details["collection_items"]) == 4
        assert details["upload"] == "上传的原文件"
        assert details["practice_places"]
        original = json.loads(stack.python(INVENTORY))
        restored = json.loads(stack.manage("shell", "--no-imports", "-c", INVENTORY, env=env).stdout)
        assert restored == original
    finally:
        drop_database(url)


def test_a_restore_refuses_a_database_that_is_not_empty(source):
    stack, _base, folder = source
    archive = folder / "again.tar"
    stack.manage("backup", str(archive))
    result = stack.manage("restore", str(archive), check=False)
    assert result.returncode != 0
    assert "not empty" in result.stderr


def test_a_file_that_is_not_a_backup_is_refused_with_the_reason(source, tmp_path):
    stack = source[0]
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.add(__file__, arcname="something.py")
    url, env = empty_base(source, "c")
    try:
        result = stack.manage("restore", str(bogus), env=env, check=False)
        assert result.returncode != 0
        assert "Not a Kbase backup" in result.stderr
    finally:
        drop_database(url)
