"""What waits unsent while this host's relay is stopped (docs/relay.md "Restored files, second
round (h-restore2)").

A running relay counts its host's unsent records and writes the count into `<hub>/.link.json`
(core.link_state). Stopped, it counts nothing, and the app said `⇅ relay not running`,
`peers groups` `relay not running` and `relay status --json` `"unsent": null`, while the `⋯`
marks showed which of the reader's messages wait. The count is taken here the way the marks
are: from each group file and the positions the relay last wrote into the link file (`sent`,
the message rowid stored upstream up to; `invites`, the invite id), by the relay's own
query (relay.kept_stores.COUNT). A group file the link file does not list (founded or joined
while the relay was stopped) counts from the start, as the relay will; without a link file
(a relay never run, or a file the relay did not write) nothing is counted. A file a join
made counts from above the rows the join fetched (core.joined_top): none of them is unsent.

Cheap: the counts are kept with each file's stat (the file and its WAL) and positions, so a
tick of the app with nothing written is a listing of the hub and a stat per group file; a
file is counted again (a read-only connection, one indexed range count) only when it moved.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core import joined_top
from peers_tui.core.database.side_files import read_only
from peers_tui.core.stat_token import settled, token

if TYPE_CHECKING:
    from peers_tui.core.link_state import LinkState

GROUP_FILE = re.compile(r"^[a-z2-7]{26}$")  # as relay.local: the files the relay replicates
COUNT = ("SELECT (SELECT COUNT(*) FROM message WHERE rowid > ?)"
         " + (SELECT COUNT(*) FROM invite WHERE id > ?)")

Token = tuple[int, int, int, int, int]  # the inode, then core.stat_token's


def group_files(hub: Path) -> list[tuple[str, Path]]:
    """The hub's group files, as the relay lists them (relay.local.LocalScanner.group_files):
    plain files (not links) named after a group id."""
    found = []
    try:
        with os.scandir(hub) as entries:
            for entry in entries:
                stem, dot, suffix = entry.name.partition(".")
                if (dot and suffix == "db" and GROUP_FILE.match(stem)
                        and entry.is_file(follow_symlinks=False)):
                    found.append((stem, Path(entry.path)))
    except OSError:
        return []
    return sorted(found)


def _token(path: Path) -> Token | None:
    """The file's stat token with its inode (another file moved onto the name); None when
    it is gone, or was written too recently for a count to be sure to see the write."""
    found = token(path)
    if found is None or not settled(found):
        return None
    try:
        return (os.stat(path).st_ino, *found)
    except OSError:
        return None


def count_file(path: Path, sent: int, invites: int) -> int | None:
    """Messages and invites stored in the file after these positions; None if it cannot be read."""
    try:
        connection = read_only(f"{path.resolve().as_uri()}?mode=ro", path, timeout=1.0)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        joined = joined_top.read(connection)  # what a join fetched was never this host's
        return int(connection.execute(COUNT, (max(sent, joined[0]),
                                              max(invites, joined[1]))).fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()


def positions(state: LinkState | None, group_id: str) -> tuple[int, int]:
    sync = state.group(group_id) if state is not None else None
    return (sync.sent, sync.invites) if sync is not None else (0, 0)


class StoppedUnsent:
    """Counts kept between calls (the app's tick): a file counted again only when it moved."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[Token, int, int, int]] = {}

    def group(self, group_id: str, path: Path, state: LinkState | None) -> int:
        """One group's unsent records (0 when its file cannot be read, or no link file says
        what was sent: nothing to say)."""
        if state is None:
            return 0
        sent, invites = positions(state, group_id)
        token = _token(path)
        kept = self.kept.get(group_id)
        if token is not None and kept is not None and kept[:3] == (token, sent, invites):
            return kept[3]
        counted = count_file(path, sent, invites)
        if token is None or counted is None:  # written a moment ago: counted again next time
            self.kept.pop(group_id, None)
            return counted or 0
        self.kept[group_id] = (token, sent, invites, counted)
        return counted

    def host(self, hub: Path, state: LinkState | None) -> int:
        """Every group file of the hub: what the relay's count would say (LinkState.unsent).
        No link file (or not one the relay wrote): nothing known of what was sent, 0."""
        if state is None:
            self.kept.clear()
            return 0
        files = group_files(hub)
        for gone in set(self.kept) - {group_id for group_id, _ in files}:
            del self.kept[gone]
        return sum(self.group(group_id, path, state) for group_id, path in files)


def host_unsent(hub: Path, state: LinkState | None) -> int:
    """The count once (`peers relay status`)."""
    return StoppedUnsent().host(hub, state)
