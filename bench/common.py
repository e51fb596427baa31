"""What the benchmark scripts share."""

from __future__ import annotations

import shutil
from pathlib import Path


def fresh_database(url: str, *, name_suffix: str, folder: Path, sqlite_name: str, keep: bool = False) -> str:
    """A database URL for one benchmark run: a new SQLite file, or a new PostgreSQL database beside ``url``.

    With ``keep``, an existing database of that name is kept (the caller checks
    whether it is complete), so a benchmark can be re-run without rebuilding.
    """
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{folder / sqlite_name}"
    import psycopg

    base, _, name = url.rpartition("/")
    name = f"{name or 'kbase'}_{name_suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            return f"{base}/{name}"
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def copy_database(url: str, *, name_suffix: str, folder: Path, sqlite_name: str) -> str:
    """A fresh copy of the database at ``url`` (a file copy, or CREATE DATABASE … TEMPLATE)."""
    if url.startswith("sqlite"):
        target = folder / sqlite_name
        shutil.copyfile(url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    import psycopg

    base, _, template = url.rpartition("/")
    name = f"{template}_{name_suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database a benchmark made (a SQLite file goes with its temporary folder)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
