"""Backups: the database and the uploaded and job files together, in one archive that restores itself.

An archive (``.tar``) holds ``manifest.json`` (format, time, engine, the
migrations applied, and an inventory: every table's row count and a digest
of its rows), the database (``database.pgdump`` from pg_dump's custom
format, or ``database.sqlite3`` from SQLite's online backup API: both are
consistent snapshots of a live base), and the files under ``media/`` and
``jobs/``. A restore goes into an empty database (or, with ``force``, over
one), applies the migrations the archive predates, and checks the restored
inventory against the manifest: a restore that does not give back the same
rows says so and fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Sessions are dumped but not checked: they are only signed-in browsers.
UNCHECKED = {"django_session"}
DIGEST_LIMIT = 200_000  # rows per table beyond which only the count is checked


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (for the operator, in English)."""


@dataclass
class Summary:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int


# --- the inventory ---------------------------------------------------------------------------


def inventory(*, using: str = "default") -> dict[str, dict]:
    """Every table's row count and a digest of its rows in primary-key order: equal inventories, equal data."""
    result = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in UNCHECKED or not model._meta.managed:
            continue
        queryset = model._base_manager.using(using).order_by("pk")
        count = queryset.count()
        entry = {"rows": count}
        if count <= DIGEST_LIMIT:
            fields = [f.attname for f in model._meta.concrete_fields]
            digest = hashlib.sha256()
            for row in queryset.values_list(*fields).iterator(chunk_size=2000):
                digest.update(repr(tuple(_canonical(value) for value in row)).encode())
            entry["sha256"] = digest.hexdigest()
        result[table] = entry
    return result


def _canonical(value):
    """The same value reads back the same way from SQLite and PostgreSQL (datetimes, JSON, decimals)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


# --- backup ----------------------------------------------------------------------------------


def create_backup(path: Path) -> Summary:
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The inventory must describe the dump exactly, while the site keeps writing (a job's heartbeat
        # every few seconds): both come from one snapshot.
        database, rows = _dump_database(folder)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database": database.name,
            "migrations": _migrations(),
            "inventory": rows,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        files = size = 0
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(folder / "manifest.json", arcname="manifest.json")
            archive.add(database, arcname=database.name)
            for prefix, root in _file_roots().items():
                for file in sorted(p for p in root.rglob("*") if p.is_file()):
                    archive.add(file, arcname=f"{prefix}/{file.relative_to(root).as_posix()}")
                    files += 1
                    size += file.stat().st_size
        partial.replace(path)  # never a half-written archive under the real name
    rows = sum(entry["rows"] for entry in manifest["inventory"].values())
    return Summary(path=path, tables=len(manifest["inventory"]), rows=rows, files=files, bytes=size)


def _file_roots() -> dict[str, Path]:
    roots = {"media": Path(settings.MEDIA_ROOT), "jobs": Path(settings.KBASE_JOB_FILES_DIR)}
    return {prefix: root for prefix, root in roots.items() if root.is_dir()}


def _dump_database(folder: Path) -> tuple[Path, dict]:
    """The dump, and the inventory of exactly what it holds."""
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    target = folder / DUMP_NAMES[connection.vendor]
    if connection.vendor == "sqlite":
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent snapshot, while the site keeps writing
        finally:
            copy.close()
            source.close()
        return target, _inventory_of_file(target)
    # pg_dump reads the snapshot this transaction exports; the inventory is read in the same transaction.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "--file", str(target)])  # fmt: skip
        rows = inventory()
    return target, rows


def _inventory_of_file(path: Path) -> dict:
    """The inventory of a SQLite file, read through a connection of its own."""
    alias = "backup-copy"
    connections.settings[alias] = {**connections.settings["default"], "NAME": str(path)}
    try:
        return inventory(using=alias)
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _run(command: list[str]) -> None:
    if not shutil.which(command[0]):
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run(command, env=os.environ | _libpq_environment(), capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _libpq_environment() -> dict[str, str]:
    """The connection for pg_dump and pg_restore, through libpq's variables: no password on a command line."""
    db = settings.DATABASES["default"]
    values = {"PGDATABASE": db["NAME"], "PGUSER": db.get("USER"), "PGPASSWORD": db.get("PASSWORD"),
              "PGHOST": db.get("HOST"), "PGPORT": str(db.get("PORT") or "")}  # fmt: skip
    return {key: str(value) for key, value in values.items() if value}


# --- restore ---------------------------------------------------------------------------------


def restore_backup(path: Path, *, force: bool = False) -> Summary:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path) as archive:
        folder = Path(tmp)
        archive.extractall(folder, filter="data")  # refuses absolute paths, '..' and links out of the folder
        manifest = _read_manifest(folder)
        if manifest.get("database") not in DUMP_NAMES.values():
            raise BackupError("Not a Kbase backup: the manifest names no known database file.")
        if manifest["engine"] != connection.vendor:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; the configured one is {connection.vendor}."
            )
        unknown = {tuple(m) for m in manifest["migrations"]} - _known_migrations()
        if unknown:
            raise BackupError(
                f"This backup comes from a newer Kbase (migrations {sorted(unknown)[:3]}…): upgrade first."
            )
        if not force and _has_tables():
            raise BackupError("The database is not empty: restore into an empty one, or pass --force to replace it.")
        _load_database(folder / manifest["database"], replace=force)
        files = size = 0
        for prefix, root in {"media": Path(settings.MEDIA_ROOT), "jobs": Path(settings.KBASE_JOB_FILES_DIR)}.items():
            source = folder / prefix
            if source.is_dir():
                shutil.copytree(source, root, dirs_exist_ok=True)
                for file in source.rglob("*"):
                    if file.is_file():
                        files += 1
                        size += file.stat().st_size
    migrated = _after_restore(manifest)
    restored = inventory()
    expected = manifest["inventory"]
    if migrated:  # this version's migrations may change rows: only the tables' sizes must agree
        restored = {table: {"rows": entry["rows"]} for table, entry in restored.items()}
        expected = {table: {"rows": entry["rows"]} for table, entry in expected.items()}
    different = sorted(t for t in expected if restored.get(t) != expected[t])
    if different:
        raise BackupError(f"The restored data differs from the backup in: {', '.join(different)}.")
    rows = sum(entry["rows"] for entry in restored.values())
    return Summary(path=path, tables=len(restored), rows=rows, files=files, bytes=size)


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError("Not a Kbase backup: manifest.json is missing or unreadable.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _has_tables() -> bool:
    return bool(connection.introspection.table_names())


def _load_database(dump: Path, *, replace: bool) -> None:
    connections.close_all()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            source.backup(target)  # replaces the whole target database, page by page
        finally:
            target.close()
            source.close()
        return
    command = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, "--dbname", settings.DATABASES["default"]["NAME"], str(dump)])


def _after_restore(manifest: dict) -> bool:
    """Bring an older backup up to this version's schema; drop every cached value of the base it replaced.

    Whether migrations were applied.
    """
    from django.core.management import call_command

    from experiences import caching, segmentation

    connections.close_all()
    call_command("migrate", verbosity=0)
    caching.version_changed()
    segmentation.taxonomy_changed()
    return {tuple(m) for m in manifest["migrations"]} != set(MigrationRecorder(connection).applied_migrations())
