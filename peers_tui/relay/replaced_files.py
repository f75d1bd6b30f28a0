"""Group files taken away from the hub directory, or put there anew, while the relay runs
(docs/relay.md, "Ninth acceptance pass").

The scanner (relay.local) keeps a connection to each group file, and the ledger keeps, per
group, whether the relay fetched what passed before the file existed here (`seen:`) and how
far it read the file (positions and their pins). All of it belongs to the file the relay
opened. A file removed and joined again (a damaged one mended so) is another file: the kept
connection went on reading and writing the deleted one (nothing of the new file was sent,
nothing arrived in it), and the group, seen already, was never walked (the join's history
stopped at its newest page). So a group whose file is gone from the listing, or is another
file than the one listed before (its device and inode), starts over: connection closed,
positions and pins dropped, fetched again once its file is there.

Only what changes while the relay runs is seen: a file replaced while it was stopped keeps
the positions of the one before (the pins find rows that changed below them:
position_pins.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.file_tokens import LOCKLESS_NS, Token, settled, token
from peers_tui.relay.ledger import Ledger

Identity = tuple[int, int]
KEYS = ("seen", "msg", "invite", "evidence", "look")  # the ledger's positions of one group file


def identity(path: Path) -> Identity | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class FileIdentities:
    """The file each listed group was at when it was first listed."""

    def __init__(self) -> None:
        self.known: dict[str, Identity | None] = {}

    def changed(self, files: list[tuple[str, Path]], busy: set[str]) -> list[str]:
        """Groups whose file is gone from `files` or is another file than before; those in
        `busy` (lent to an apply) are found at a later listing. One stat a file a listing
        (at most once a second)."""
        listed = dict(files)
        found: list[str] = []
        for group_id, before in list(self.known.items()):
            now = identity(listed[group_id]) if group_id in listed else None
            if now != before and group_id not in busy:
                found.append(group_id)
                del self.known[group_id]
        for group_id, path in files:
            self.known.setdefault(group_id, identity(path))
        return found


def start_over(ledger: Ledger, group_id: str) -> None:
    """Forget how far this relay read the group's file, and that it fetched the group."""
    with ledger.batch():
        for kind in KEYS:
            ledger.set_position(f"{kind}:{group_id}", 0)
            ledger.unpin_above(f"{kind}:{group_id}", -1)


class Scanner(Protocol):  # relay.local.LocalScanner
    files: list[tuple[str, Path]]
    damaged: dict[str, str]
    tokens: dict[str, Token | None]

    def store(self, group_id: str, path: Path) -> GroupStore: ...

    def forget(self, group_id: str) -> None: ...


def fetchable(scanner: Scanner, group_id: str) -> bool:
    """Whether a group file new to this relay can take what the hub has of it. An empty one
    (being made, or by another program) is looked at again once written; one that does not
    open as a group file is damaged here (named by `relay status`) and looked at again when
    it changes. Reading a group's history into the waiting records for such a file (one
    count of them a record) kept a leaf's relay busy for minutes, and refused what did not
    fit (docs/relay.md, "Ninth acceptance pass")."""
    path = dict(scanner.files).get(group_id)
    now = token(path) if path is not None else None
    if path is None or now is None or now[1] == now[3] == 0:
        return False
    if group_id in scanner.damaged and scanner.tokens.get(group_id) == now:
        return False
    seen = now if settled(now, LOCKLESS_NS) else None  # as the scanner's looks keep one
    try:
        scanner.store(group_id, path).genesis()  # the schema and the founding record checked
    except PeersError as exc:
        scanner.damaged[group_id] = str(exc)
        scanner.tokens[group_id] = seen
        scanner.forget(group_id)
        return False
    return True


__all__ = ["FileIdentities", "fetchable", "identity", "start_over"]
