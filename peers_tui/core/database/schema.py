"""The schema of peers databases: created fresh, checked, or migrated from an older version.

Group DBs are untrusted input: they are opened with `trusted_schema=OFF` (see connection), and
a file carrying triggers, views or indexes we did not create is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from peers_tui.core import search
from peers_tui.core.database.files import APPLICATION_ID, FOREIGN_OBJECTS, SCHEMA_VERSION
from peers_tui.core.errors import DamagedDatabase

if TYPE_CHECKING:
    from playhouse.migrate import SqliteMigrator


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


def _v4_invite_chains(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 4: invites and revocations are links of their author's chain."""
    from playhouse.migrate import migrate as run_migrations

    if db.table_exists("invite"):
        have = {column.name for column in db.get_columns("invite")}
        steps = [migrator.add_column("invite", name, field) for name, field in (
            ("author", peewee.TextField(null=True)), ("author_seq", peewee.IntegerField(null=True)))
            if name not in have]
        run_migrations(*steps)
        db.execute_sql("CREATE INDEX IF NOT EXISTS invite_author_author_seq"
                       " ON invite (author, author_seq)")


def _v5_set_aside_changes(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 5: membership rows that did not count are set aside, not left in the log."""
    if db.table_exists("group_members"):
        db.execute_sql("CREATE TABLE IF NOT EXISTS set_aside_changes (id INTEGER NOT NULL PRIMARY"
                       " KEY, seq INTEGER, member TEXT, record TEXT, sig BLOB, cosig BLOB,"
                       " reason TEXT)")


def _v6_fork_evidence(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 6: a second record at a taken place of an author's chain is kept as evidence
    of the fork (core.forks), not refused."""
    if db.table_exists("message"):
        db.execute_sql("CREATE TABLE IF NOT EXISTS fork_evidence (id INTEGER NOT NULL PRIMARY"
                       " KEY, author TEXT, author_seq INTEGER, kind TEXT NOT NULL,"
                       " record TEXT NOT NULL, sig BLOB NOT NULL)")
        db.execute_sql("CREATE INDEX IF NOT EXISTS fork_evidence_author_author_seq"
                       " ON fork_evidence (author, author_seq)")


def _v7_relay_notes_out(db: peewee.SqliteDatabase, migrator: SqliteMigrator) -> None:
    """Version 7: the relay's notes for users left the group file, which every member may
    write, for `<hub>/.relay-notes/` (core.relay_notes); its old tables go. One planted
    since is never read."""
    for table in ("relay_rewinds", "relay_lost_changes"):
        if db.table_exists(table):
            db.execute_sql(f"DROP TABLE {table}")


MIGRATIONS: dict[int, Migration] = {2: _v2_history, 3: _v3_late_records, 4: _v4_invite_chains,
                                    5: _v5_set_aside_changes, 6: _v6_fork_evidence,
                                    7: _v7_relay_notes_out}


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
            # On `db` itself, not through each model's SchemaManager: Peewee keeps that
            # manager's database per model for every thread (set by each bind, even with
            # ThreadSafeDatabaseMetadata), so a file created in a worker while another thread
            # bound the models elsewhere had its tables made on that other database (the app's
            # /join through the relay at start-up: "database connection not opened").
            for model in models:  # in the order given (the models have no foreign keys)
                peewee.SchemaManager(model, db).create_all(safe=True)
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
    """Refuse triggers, views and indexes we did not create: they could rewrite or fake what
    we read, or refuse what we write."""
    rows = db.execute_sql(FOREIGN_OBJECTS).fetchall()
    for kind, name in rows:
        if allowed is None or not allowed(kind, name):
            raise DamagedDatabase(f"{Path(db.database).name} contains a foreign {kind} {name!r}")


__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "check_schema_objects", "migrate",
           "prepare_schema"]
