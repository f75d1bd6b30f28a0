"""What a join that fetched its group leaves behind, and how it goes (join_fetch.py): the
group file and its SQLite companions, the mark of a fetch (`.join-<group>.fetched`, the
membership log's last seq then), and whether a join was written since. Used by a user's own
join (join_fetch.py) and by the relay's desk for a join it fetched for another Unix user
(desk.py), which may not remove a file of the relay's in a sticky hub.

A mark the relay writes for a join it fetched through its desk names the uid it fetched for
(`{"seq", "uid"}`): that user's next join trusts it as its own fetch's (a join of theirs
killed in between), and the desk removes the file or the mark only at that uid's word."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

FILE_PARTS = ("", "-wal", "-shm", "-journal")


def remove_group_file(hub: Path, group_id: str) -> None:
    """The group's file and its SQLite companions. This host's relay, if it opened the file,
    lets it go at its next listing (replaced_files: a file gone starts over)."""
    for part in FILE_PARTS:
        try:
            (hub / f"{group_id}.db{part}").unlink()
        except OSError:  # gone already; or not this user's to remove: the join's error stands
            pass
    unmark(hub, group_id)


def mark_path(hub: Path, group_id: str) -> Path:
    return hub / f".join-{group_id}.fetched"


# A join's lock and marks are files in a hub other users can write: no symlink followed, no
# FIFO waited on (each is then checked to be a regular file).
PLAIN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def write_mark(hub: Path, group_id: str, made: Path, uid: int | None = None) -> None:
    """Say, beside the join's lock, that a join's fetch made the group's file (`made`, about
    to be linked into place) at this seq of its log, for `uid` (the relay's desk: another
    user's join) or this user: a join killed before its end leaves this mark for the next
    join to find. Only into a regular file of this user's (not through a symlink or into a
    FIFO another user of a shared hub put there); else no mark, and the file stays after a
    kill."""
    seq = last_seq(made)
    if seq is None:
        return
    try:
        fd = os.open(mark_path(hub, group_id), os.O_WRONLY | os.O_CREAT | PLAIN, 0o644)
    except OSError:  # a hub this user may not write a mark in
        return
    try:
        if _mine(fd):
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"seq": seq} | ({"uid": uid} if uid is not None else {}))
                     .encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def read_mark(hub: Path, group_id: str) -> tuple[int, object, object] | None:
    """(the mark's owner, its seq, the uid it was made for: its owner's unless it names one),
    or None where there is no regular file to read."""
    try:
        fd = os.open(mark_path(hub, group_id), os.O_RDONLY | PLAIN)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        data = json.loads(os.read(fd, 200))
        return info.st_uid, data["seq"], data.get("uid", info.st_uid)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    finally:
        os.close(fd)


def _mine(fd: int) -> bool:
    info = os.fstat(fd)
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


def unmark(hub: Path, group_id: str) -> None:
    try:
        mark_path(hub, group_id).unlink()
    except OSError:  # none; or another user's (a sticky hub): the joins since keep the file
        pass


def last_seq(path: Path) -> int | None:
    rows = membership_rows(path, "SELECT MAX(seq) FROM group_members")
    last = None if rows is None else rows[0][0]
    if rows is not None and last is None:
        return 0  # no change yet: the founder alone
    return last if isinstance(last, int) else None


def joined_since(hub: Path, group_id: str, seq: int) -> bool:
    """Whether the file's membership log holds a row above `seq` that claims to be a join
    (not verified: a row of junk keeps the file too; so does a file that cannot be read)."""
    rows = membership_rows(hub / f"{group_id}.db",
                            "SELECT record FROM group_members WHERE seq > ?", (seq,))
    if rows is None:
        return True
    for (text,) in rows:
        try:
            data = json.loads(str(text))
        except ValueError:
            return True
        if not isinstance(data, dict) or data.get("action") in ("join", None):
            return True
    return False


def membership_rows(path: Path, query: str,
                     params: tuple[object, ...] = ()) -> list[tuple[object, ...]] | None:
    """Rows of a group file's membership log, read-only; None where it cannot be read."""
    import sqlite3

    from peers_tui.core.database.side_files import read_only

    try:
        db = read_only(f"file:{path}?mode=ro", path, timeout=5)
    except sqlite3.Error:
        return None
    try:
        db.execute("PRAGMA trusted_schema=OFF")
        return db.execute(query, params).fetchall()
    except sqlite3.Error:
        return None
    finally:
        db.close()


__all__ = ["FILE_PARTS", "PLAIN", "joined_since", "last_seq", "mark_path", "membership_rows",
           "read_mark", "remove_group_file", "unmark", "write_mark"]
