"""The host each author's records came from, as this host's relay applied them.

A record a cut makes void after it was applied here (relay.voided) is set aside under the
host it came from, on every host alike (`relay rejected`). The group file keeps no origin of
a row, so that was the host its author lives on as presence said (core.whereabouts.home_of),
else this host's own name. Presence is a courtesy that travels apart from the records: a
member who joined on a leaf shortly before (their profile's entry a heartbeat away, under
load more than a second), or who publishes no profile, was placed nowhere, and the records
a removal voided were kept under the name of each host that took them out (issue 15: B on B).

So the relay notes, for every record it applies from another host, the host it came from
(its envelope's `Peers-Origin`; on the hub, the leaf that sent it): one entry per group and
author, the host of the last record of theirs applied, since a cut voids an author's newest
records. Noting costs a dict entry a record in the apply (its author is at hand there); the
ledger (`origins` in `.relay/relay.db`) is written only when an entry changes: once per
author and group, not once per record of a 100,000-record backfill. It lives in `.relay/`,
which only the relay's owner writes: a user of the hub can no more name where a record came
from than plant a hosts file (core.host_presence.read_public_json).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path

from peers_tui.relay.config import relay_dir

LEDGER = "relay.db"  # in relay_dir (relay/ledger.py)
SCHEMA = """
CREATE TABLE IF NOT EXISTS origins (group_id TEXT NOT NULL, author TEXT NOT NULL,
    host TEXT NOT NULL, PRIMARY KEY (group_id, author));
"""

_lock = threading.Lock()  # a backfill's page is applied in a thread of its own
# (hub, group, author) -> host: what this process applied, and what its ledger kept
_heard: dict[tuple[str, str, str], str] = {}
_unsaved: dict[tuple[str, str, str], str] = {}


@functools.lru_cache(maxsize=16)
def _key(hub: str) -> str:
    return os.path.realpath(hub)


def note(hub: Path | str, group_id: str, origins: Mapping[str, str]) -> None:
    """The authors of records just applied in `hub`'s file of `group_id`, each with the host
    their record came from ("" where none is known: left as it was)."""
    where = _key(str(hub))
    with _lock:
        for author, host in origins.items():
            key = (where, group_id, author)
            if host and author and _heard.get(key) != host:
                _heard[key] = _unsaved[key] = host


def recorded(hub: Path | str, group_id: str, author: str) -> str | None:
    """The host the last record of `author` applied here came from, None if none was. Not
    noted by this process, it is looked up in the ledger (a `peers join` applied the newest
    page and kept where it came from there): only for a record a cut voids, so rarely."""
    key = (_key(str(hub)), group_id, author)
    host = _heard.get(key)
    if host is not None:
        return host
    try:
        with contextlib.closing(sqlite3.connect(
                f"{(relay_dir(Path(key[0])) / LEDGER).as_uri()}?mode=ro", uri=True,
                timeout=1)) as db:
            row = db.execute("SELECT host FROM origins WHERE group_id = ? AND author = ?",
                             (group_id, author)).fetchone()
    except sqlite3.Error:  # no ledger, or one of before this table
        return None
    if row is None:
        return None
    with _lock:
        _heard.setdefault(key, str(row[0]))
    return str(row[0])


def prepare(db: sqlite3.Connection, hub: Path) -> None:
    """The ledger's table, and what it kept read into this process (a relay restarted)."""
    db.executescript(SCHEMA)
    where = _key(str(hub))
    rows = db.execute("SELECT group_id, author, host FROM origins").fetchall()
    with _lock:
        for group_id, author, host in rows:
            _heard.setdefault((where, group_id, author), host)


def save(db: sqlite3.Connection, hub: Path) -> None:
    """The entries changed since the last save, into the ledger (the relay's own thread)."""
    where = _key(str(hub))
    with _lock:
        mine = [(key, host) for key, host in _unsaved.items() if key[0] == where]
        for key, _ in mine:
            del _unsaved[key]
    if mine:
        db.executemany("INSERT OR REPLACE INTO origins (group_id, author, host) VALUES (?, ?, ?)",
                       [(group_id, author, host) for (_, group_id, author), host in mine])
