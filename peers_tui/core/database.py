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
from urllib.parse import quote

import peewee

from peers_tui.core import search
from peers_tui.core.errors import DamagedDatabase, DiskFull, PeersError, ReadOnly

if TYPE_CHECKING:
    from playhouse.migrate import SqliteMigrator

APPLICATION_ID = 0x50454552  # "PEER": marks a file as a peers database
SCHEMA_VERSION = 4

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "journal_size_limit": 64 * 1024 * 1024,
    "trusted_schema": 0,
}

# SQLite's primary result codes that say something about the file rather than its contents.
SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 8, 10, 13, 14
# Below this much free space an I/O failure is taken to be the disk filling up.
LOW_SPACE = 1 << 20

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


MIGRATIONS: dict[int, Migration] = {2: _v2_history, 3: _v3_late_records, 4: _v4_invite_chains}


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
        raise DamagedDatabase(f"{path}: permission denied (you may not look into "
                              f"{path.parent})") from exc
    if stat.S_ISLNK(info.st_mode):
        raise DamagedDatabase(f"{path} is a symlink; peers opens regular files only")
    if not stat.S_ISREG(info.st_mode):
        raise DamagedDatabase(f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise DamagedDatabase(f"{path}: permission denied (you may not read it)")


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code behind `exc` (Peewee wraps sqlite3's exceptions)."""
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
        pending += [current.__cause__, current.__context__,
                    *(arg for arg in current.args if isinstance(arg, BaseException))]
    return None


def unwritable_reason(path: Path) -> str | None:
    """Why this process cannot write the existing file `path`, or None when it can (or when
    there is no such file: that is a missing file, not a read-only one)."""
    if not os.path.lexists(path):
        return None
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:  # the file's own mount: it may be bound alone
            return "its filesystem is mounted read-only"
    except OSError:
        pass
    if not os.access(path, os.W_OK):  # mode bits, ownership, or chattr +i (even for root)
        return "the file is not writable by you"
    return None


def disk_full(path: Path) -> bool:
    """True when the filesystem holding `path` has (next to) no space left for this user."""
    try:
        info = os.statvfs(path.parent)
    except OSError:
        return False
    root = hasattr(os, "geteuid") and os.geteuid() == 0  # root may use the reserved blocks
    return (info.f_bfree if root else info.f_bavail) * info.f_frsize < LOW_SPACE


def wal_in_use(path: Path) -> bool:
    """Another connection has the database open: its -wal and -shm files exist."""
    return os.path.exists(f"{path}-wal") and os.path.exists(f"{path}-shm")


def _wal_has_content(path: Path) -> bool:
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except OSError:
        return False


class Database(peewee.SqliteDatabase):
    """Peewee's SQLite database, opened so that a file this process cannot write still reads.

    In WAL mode every connection needs the -wal and -shm files beside the database. A reader
    who may not write the database would create them as its own, with the database's mode,
    and so lock its owner out of writing (seen here: a 0640 group file read by another
    member of the hub's group); on a read-only mount or a full disk it cannot create them at
    all and fails. When nobody else has such a file open, it is therefore opened `immutable`:
    that creates nothing and reads the file as it stands, which is complete, because the last
    connection to close checkpointed its WAL into it. `read_only` says why this process cannot
    write the file (None when it can, as far as the last connection found).
    """

    read_only: str | None = None

    def _connect(self):  # type: ignore[no-untyped-def]
        path = Path(self.database)
        reason = unwritable_reason(path)
        if reason is not None and not wal_in_use(path):
            return self._connect_immutable(path, reason)
        try:
            conn = super()._connect()
        except sqlite3.Error as exc:
            # Opening runs the pragmas, which read the WAL index: a missing -shm that cannot
            # be created (read-only mount, full disk) shows up here.
            code = sqlite_code(exc)
            if (code not in (SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_READONLY, SQLITE_FULL)
                    or _wal_has_content(path)):
                raise
            reason = reason or ("the disk is full" if disk_full(path) else None)
            if reason is None:
                raise
            return self._connect_immutable(path, reason)
        self.read_only = reason
        return conn

    def _connect_immutable(self, path: Path, reason: str) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{quote(str(path))}?immutable=1", uri=True,
                               timeout=self._timeout, isolation_level=None, **self.connect_params)
        try:
            self._add_conn_hooks(conn)
            conn.execute("PRAGMA query_only = ON")
        except Exception:
            conn.close()
            raise
        self.read_only = reason
        return conn


def connect(path: Path) -> Database:
    """A Peewee database for `path` whose every transaction is BEGIN IMMEDIATE.

    Deferred transactions lost writes to SQLITE_BUSY under concurrent writers here; IMMEDIATE
    takes the write lock up front so the busy timeout can do its job.
    """
    return Database(str(path), pragmas=PRAGMAS, timeout=5, lock_type="IMMEDIATE",
                    autoconnect=False)


def describe_sqlite_error(path: Path, exc: Exception) -> str:
    """One line for the user about a failed database operation."""
    text = str(exc) or exc.__class__.__name__
    return f"{path.name}: {text}"


def storage_error(path: Path, exc: BaseException, label: str) -> PeersError:
    """The user's error for a failed operation on `path`: read-only, disk full, or damaged.

    `label` names the database for the user ("group team", "your personal database").
    """
    code = sqlite_code(exc)
    reason = unwritable_reason(path) if code in (SQLITE_READONLY, SQLITE_CANTOPEN) else None
    if reason is not None:
        return ReadOnly(f"{label} is read-only ({reason}): it can be read, "
                        "but nothing can be written to it")
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY)
                               and disk_full(path)):
        return DiskFull(f"{label}: the disk is full ({path.parent}); nothing was written, "
                        "free some space and try again")
    if code == SQLITE_READONLY:
        return ReadOnly(f"{label} is read-only ({exc}): nothing was written to it")
    return DamagedDatabase(describe_sqlite_error(path, exc))  # type: ignore[arg-type]


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
