"""The files under a peers database: regular files only, created with the hub's mode, how to
open one (read-write, or `immutable` when this process may not write it and nobody has it
open), and what a failed SQLite call says about the file (read-only, disk full, damaged).

Group DBs are untrusted input: anyone with write access to the hub may have replaced one with
a symlink or another file; we open regular files only.
"""

from __future__ import annotations

import os
import stat

from peers_tui.core.errors import Busy, DamagedDatabase, DiskFull, PeersError, ReadOnly

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from pathlib import PurePath
    from typing import Any

    # A path as a str (`peers send` runs without pathlib and urllib: ~3 ms) or a Path.
    StrPath = str | os.PathLike[str]

# SQLite's primary result codes that say something about the file rather than its contents.
SQLITE_BUSY, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 5, 8, 10, 13, 14
# A statement the authorizer refused (refuse_planted_sql), and the authorizer's answers.
SQLITE_AUTH, _ALLOW, _DENY = 23, 0, 1
# Below this much free space an I/O failure is taken to be the disk filling up.
LOW_SPACE = 1 << 20

# Seconds a connection waits for another's write lock before SQLITE_BUSY (every connection's
# busy timeout; what storage_error's words say was waited).
BUSY_SECONDS = 5
# Every connection to a peers database (core.database.connection; core.lean_post opens its
# own with plain sqlite3 and the same pragmas).
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_SECONDS * 1000,
    "journal_size_limit": 64 * 1024 * 1024,
    "trusted_schema": 0,
}
APPLICATION_ID = 0x50454552  # "PEER": marks a file as a peers database
SCHEMA_VERSION = 7

# The indexes peers makes (core.models, the migrations in core.database.schema). Another
# one, planted in the file, may refuse the rows peers writes (a UNIQUE index on
# message.author, partial to one member: their next record never stored on this host, from
# them or from the relay) or make each write costly (an index on an expression), while reads
# and `peers verify` saw nothing.
OWN_INDEXES = ("fork_evidence_author_author_seq", "group_members_member",
               "invite_author_author_seq", "invite_key", "message_author_author_seq",
               "message_author_orig_id", "message_target", "message_topics")
# What schema.check_schema_objects refuses (and core.lean_reads hands to the full path).
FOREIGN_OBJECTS = ("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') OR"
                   f" (type = 'index' AND sql IS NOT NULL AND name NOT IN"
                   f" ({', '.join(repr(name) for name in OWN_INDEXES)}))")


def _own_sql_only(action: int, first: str | None, second: str | None, database: str | None,
                  source: str | None) -> int:
    """sqlite3 authorizer: `source` names the trigger or view an access comes from (None:
    the statement as peers wrote it). peers makes neither, so any is planted. (SQLite names
    a CTE there too: peers' own SQL uses a subquery in FROM instead, which has no name.)"""
    return _ALLOW if source is None else _DENY


def refuse_planted_sql(conn: Any) -> None:
    """Make `conn` (a sqlite3.Connection) refuse every statement that would run a trigger or
    read a view. schema.check_schema_objects refuses such a file when it is first opened, but
    a connection kept open (the app's stores, the relay's, the notifier's readers) would run
    one planted later: SQLite asks the authorizer again whenever the schema changed, before
    the statement does anything, so nothing of it runs ("not authorized": SQLITE_AUTH)."""
    conn.set_authorizer(_own_sql_only)


def create_file(path: StrPath, mode: int) -> None:
    """Create an empty file with exactly `mode` before SQLite opens it.

    SQLite gives the -wal and -shm files the mode of the main file, so this is what makes a
    group DB usable by the other members of a shared hub's Unix group.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def check_regular_file(path: StrPath, *, readable: bool = True) -> None:
    """Refuse anything but a regular file: a symlink could point a group at another file.

    `readable=False` skips the permission check (a file already opened was readable).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError as exc:
        raise DamagedDatabase(f"{path} is missing") from exc
    except PermissionError as exc:
        raise DamagedDatabase(f"{path} cannot be read (permission denied: you may not look "
                              f"into {_pure(path).parent})") from exc
    except ValueError as exc:  # a NUL in a path read back from a damaged Groups table
        raise DamagedDatabase(f"{str(path)!r} is not a valid file name") from exc
    if stat.S_ISLNK(info.st_mode):
        raise DamagedDatabase(f"{path} is a symlink; peers opens regular files only")
    if not stat.S_ISREG(info.st_mode):
        raise DamagedDatabase(f"{path} is not a regular file")
    if readable and not os.access(path, os.R_OK):
        raise DamagedDatabase(f"{path} cannot be read (permission denied)")


def unwritable_reason(path: StrPath) -> str | None:
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


def disk_full(path: StrPath) -> bool:
    """True when the filesystem holding `path` has (next to) no space left for this user."""
    try:
        info = os.statvfs(_pure(path).parent)
    except OSError:
        return False
    root = hasattr(os, "geteuid") and os.geteuid() == 0  # root may use the reserved blocks
    return (info.f_bfree if root else info.f_bavail) * info.f_frsize < LOW_SPACE


def wal_in_use(path: StrPath) -> bool:
    """Another connection has the database open: its -wal and -shm files exist."""
    return os.path.exists(f"{path}-wal") and os.path.exists(f"{path}-shm")


def wal_has_content(path: StrPath) -> bool:
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except OSError:
        return False

def immutable_reason(path: StrPath) -> str | None:
    """Why `path` is to be opened `immutable`, or None to open it read-write.

    In WAL mode every connection needs the -wal and -shm files beside the database. A reader
    who may not write the database would create them as its own, with the database's mode,
    and so lock its owner out of writing (seen here: a 0640 group file read by another
    member of the hub's group); on a read-only mount it cannot create them at all and fails.
    When nobody else has such a file open, it is therefore opened `immutable`: that creates
    nothing and reads the file as it stands, which is complete, because the last connection
    to close checkpointed its WAL into it.
    """
    reason = unwritable_reason(path)
    return reason if reason is not None and not wal_in_use(path) else None


def sqlite_uri(path: StrPath, *, immutable: bool) -> str:
    """The URI that opens `path` read-write (never creating it: SQLite would otherwise make an
    empty database where a file was deleted or moved away) or `immutable`."""
    return f"file:{_quoted(os.fspath(path))}?{'mode=ro&immutable=1' if immutable else 'mode=rw'}"


# What urllib.parse.quote leaves as it is (its default `safe` is "/").
_URI_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


def _quoted(text: str) -> str:
    """urllib.parse.quote(text) (a test checks they agree), without importing urllib."""
    return "".join(chr(byte) if byte in _URI_SAFE else f"%{byte:02X}"
                   for byte in text.encode("utf-8"))


def _pure(path: StrPath) -> PurePath:
    """`path` as a PurePath, for its parent and name in what a failure says (pathlib is
    imported only then)."""
    from pathlib import PurePath

    return PurePath(path)


# The codes that say what happened to the file, most telling first. A failed write is often
# followed by a failed rollback ("cannot rollback - no transaction is active": SQLite had
# rolled back by itself); that later, plainer error must not hide the full disk behind it.
TELLING_CODES = (SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN)


def sqlite_failures(exc: BaseException) -> list[tuple[int, BaseException]]:
    """(primary SQLite result code, exception) of every SQLite error chained behind `exc`
    (Peewee wraps sqlite3's exceptions; a rollback's error chains the original one)."""
    found = []
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlite_errorcode", None)
        if isinstance(code, int):
            found.append((code & 0xFF, current))
        pending += [current.__cause__, current.__context__,
                    *(arg for arg in current.args if isinstance(arg, BaseException))]
    return found


def telling_failure(exc: BaseException) -> tuple[int | None, BaseException]:
    """The SQLite error behind `exc` that best says what happened, with its primary code."""
    failures = sqlite_failures(exc)
    for wanted in TELLING_CODES:
        for code, cause in failures:
            if code == wanted:
                return code, cause
    return failures[0] if failures else (None, exc)


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code behind `exc` (the most telling one, see above)."""
    return telling_failure(exc)[0]


def describe_sqlite_error(path: StrPath, exc: BaseException) -> str:
    """One line for the user about a failed database operation."""
    text = str(exc) or exc.__class__.__name__
    return f"{_pure(path).name}: {text}"


def storage_error(path: StrPath, exc: BaseException, label: str) -> PeersError:
    """The user's error for a failed operation on `path`: read-only, disk full, or damaged.

    `label` names the database for the user ("group team", "your personal database").
    """
    if not os.path.lexists(path):  # deleted or moved while in use: it is never re-created
        return DamagedDatabase(f"{label}: {path} is missing (deleted or moved away)")
    if not os.access(path, os.R_OK):
        return DamagedDatabase(f"{label} cannot be read (permission denied): {path}")
    code, cause = telling_failure(exc)
    if code == SQLITE_AUTH:
        return DamagedDatabase(f"{label}: {_pure(path).name} holds a trigger or view that peers "
                               "did not make (planted in the file): nothing was done through it")
    reason = unwritable_reason(path) if code in (SQLITE_READONLY, SQLITE_CANTOPEN) else None
    if reason is not None:
        return ReadOnly(f"{label} is read-only ({reason}): it can be read, "
                        "but nothing can be written to it")
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY)
                               and disk_full(path)):
        return DiskFull(f"{label}: the disk is full ({_pure(path).parent}); nothing was written, "
                        "free some space and try again")
    if code == SQLITE_READONLY:
        return ReadOnly(f"{label} is read-only ({cause}): nothing was written to it")
    if code == SQLITE_BUSY:
        # SQLite's own words ("<file>.db: database is locked") named neither the group nor
        # who holds it (the ninth acceptance pass: a relay stopped inside a write transaction).
        return Busy(f"{label} is locked by another peers process (the relay, or another peers "
                    f"command or app) that holds its write lock; waited {BUSY_SECONDS} s, "
                    "nothing was written: try again (`peers relay status` says whether the "
                    "relay runs)")
    return DamagedDatabase(describe_sqlite_error(path, cause))
