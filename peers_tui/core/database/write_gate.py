"""The transactions open in this process, so that an end forced from outside the event loop
(the hang-up's grace timer, peers_tui.background) waits for them instead of cutting one short.

The app's workers write in threads: a /leave, /role or /topic, an invitation answered, a read
marker, a handle change. A hung-up app whose orderly exit stalls is ended by `os._exit` after
2 s; a worker's transaction open at that moment (or still waiting for another process's write
lock, up to the busy timeout) was rolled back whole, and the command was never done, though
the user had pressed Enter (docs/relay.md "Relay notes out of the group file (h-relaynotes)").
Every peers connection (core.database.connection) marks here each transaction it begins and
unmarks it at its commit or rollback; `close` waits until none is open and lets no new one
begin, so that what follows it (the process's end) cuts nothing.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_open: set[int] = set()  # id() of the sqlite3 connections inside a transaction
_closing = False
_drained = threading.Event()  # set once closing and none open
_never = threading.Event()  # what a transaction begun after `close` waits on: the end


def began(conn: object) -> None:
    """`conn` begins a transaction (call before BEGIN: a wait for the lock counts). Once
    `close` was called, this blocks: the process is about to end."""
    with _lock:
        if not _closing:
            _open.add(id(conn))
            return
    _never.wait()


def ended(conn: object) -> None:
    """`conn`'s transaction committed or rolled back (or never began)."""
    with _lock:
        _open.discard(id(conn))
        if _closing and not _open:
            _drained.set()


def close(timeout: float) -> bool:
    """Let no transaction begin from now on and wait up to `timeout` seconds for the open
    ones to end; whether none is open."""
    global _closing
    with _lock:
        _closing = True
        if not _open:
            _drained.set()
    return _drained.wait(timeout)


def open_count() -> int:
    with _lock:
        return len(_open)


__all__ = ["began", "close", "ended", "open_count"]
