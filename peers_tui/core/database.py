"""Opening SQLite files safely: modes, pragmas, untrusted schemas and schema versions.

Group DBs are untrusted input: anyone with write access to the hub may have replaced one with
a symlink, another file, or a database carrying triggers and views. We open regular files only,
with `trusted_schema=OFF`, and refuse schema objects we did not create.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from peers_tui.core import search
from peers_tui.core.errors import DamagedDatabase

if TYPE_CHECKING:
    from playhouse.migrate import SqliteMigrator

APPLICATION_ID = 0x50454552  # "PEER": marks a file as a peers database
SCHEMA_VERSION = 3

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "journal_size_limit": 64 * 1024 * 1024,
    "trusted_schema": 0,
}

# version -> step that upgrades a database from version-1. Each step checks which tables the
# file has, because group DBs and personal.db share the version number.
Migration = Callable[[peewee.SqliteDatabase, "SqliteMigrator"], None]


def _v2_history(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 2: edits, deletions and replies refer to messages; imports; full-text search."""
    from playhouse.migrate import migrate as run_migrations

    if not db.table_exists("message"):
        return
    run_migrations(
        migrator.add_column("message", "target", peewee.TextField(null=True)),
        migrator.add_column("message", "reply_to", peewee.TextField(null=True)),
        migrator.add_column("message", "orig_id", peewee.TextField(null=True)),
        migrator.add_index("message", ("author", "orig_id"), True),
    )
    db.execute_sql("CREATE INDEX message_target ON message (target) WHERE target IS NOT NULL")
    db.execute_sql("CREATE INDEX message_topics ON message (id) WHERE kind = 'topic'")
    search.create_search_index(db)
    search.backfill(db)


def _v3_late_records(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 3: the Groups table remembers when this user first saw each removal."""
    from playhouse.migrate import migrate as run_migrations

    if db.table_exists("groups"):
        run_migrations(migrator.add_column("groups", "removals", peewee.TextField(default="{}")))


MIGRATIONS: dict[int, Migration] = {2: _v2_history, 3: _v3_late_records}


def create_file(path: Path, mode: int) -> None:
    """Create an empty file with exactly `mode` before SQLite opens it.

    SQLite gives the -wal and -shm files the mode of the main file, so this is what makes a
    group DB usable by the other members of a shared hub's Unix group.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def check_regular_file(path: Path) -> None:
    """Refuse anything but a regular file: a symlink could point a group at another file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError as exc:
        raise DamagedDatabase(f"{path} is missing") from exc
    except PermissionError as exc:
        raise DamagedDatabase(f"{path}: permission denied") from exc
    if stat.S_ISLNK(info.st_mode):
        raise DamagedDatabase(f"{path} is a symlink; peers opens regular files only")
    if not stat.S_ISREG(info.st_mode):
        raise DamagedDatabase(f"{path} is not a regular file")


def connect(path: Path) -> peewee.SqliteDatabase:
    """A Peewee database for `path` whose every transaction is BEGIN IMMEDIATE.

    Deferred transactions lost writes to SQLITE_BUSY under concurrent writers here; IMMEDIATE
    takes the write lock up front so the busy timeout can do its job.
    """
    return peewee.SqliteDatabase(
        str(path), pragmas=PRAGMAS, timeout=5, lock_type="IMMEDIATE", autoconnect=False,
    )


def describe_sqlite_error(path: Path, exc: Exception) -> str:
    """One line for the user about a failed database operation."""
    text = str(exc) or exc.__class__.__name__
    return f"{path.name}: {text}"


def prepare_schema(db: peewee.SqliteDatabase, models: Iterable[type[peewee.Model]], *,
                   create: bool, allowed_objects: Callable[[str, str], bool] | None = None) -> None:
    """Create, check or migrate the schema of an open database.

    A fresh file gets the tables and the current version; an older one is migrated in one
    transaction; a newer one, a foreign one or one carrying unknown triggers or views is refused.
    """
    try:
        version = db.execute_sql("PRAGMA user_version").fetchone()[0]
        app_id = db.execute_sql("PRAGMA application_id").fetchone()[0]
    except (sqlite3.DatabaseError, peewee.DatabaseError) as exc:
        raise DamagedDatabase(f"{Path(db.database).name} is not a readable SQLite database ({exc})") from exc
    if version == 0 and app_id == 0:
        if not create:
            raise DamagedDatabase(f"{Path(db.database).name} is not a peers database")
        with db.atomic():
            db.create_tables(list(models))
            if db.table_exists("message"):
                search.create_search_index(db)
            db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if app_id != APPLICATION_ID:
        raise DamagedDatabase(f"{Path(db.database).name} is not a peers database")
    if version > SCHEMA_VERSION:
        raise DamagedDatabase(
            f"{Path(db.database).name} was written by a newer peers (schema {version}, "
            f"this peers knows {SCHEMA_VERSION}); upgrade peers")
    if version < SCHEMA_VERSION:
        migrate(db, version)
    check_schema_objects(db, allowed_objects)


def migrate(db: peewee.SqliteDatabase, version: int) -> None:
    """Run every migration after `version` in a single IMMEDIATE transaction."""
    from playhouse.migrate import SqliteMigrator  # only an old file pays for loading it

    migrator = SqliteMigrator(db)
    with db.atomic():
        current = db.execute_sql("PRAGMA user_version").fetchone()[0]
        for step in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](db, migrator)
        db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def check_schema_objects(db: peewee.SqliteDatabase,
                         allowed: Callable[[str, str], bool] | None = None) -> None:
    """Refuse triggers and views we did not create: they could rewrite or fake what we read."""
    rows = db.execute_sql(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall()
    for kind, name in rows:
        if allowed is None or not allowed(kind, name):
            raise DamagedDatabase(f"{Path(db.database).name} contains a foreign {kind} {name!r}")
