"""This host's side: which group files changed, and their new genuine records to publish.

A stat token per file (the DB and its WAL) says whether anything was committed since the last
scan, so an idle hub costs a few stat calls per tick. Positions (the last invite id and the
last message rowid published) advance only once the records were stored upstream.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.relay import rows
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger

GROUP_FILE = re.compile(r"^[a-z2-7]{26}$")
Token = tuple[int, int, int, int]


def _token(path: Path) -> Token | None:
    try:
        main = os.stat(path)
    except OSError:
        return None
    try:
        wal = os.stat(f"{path}-wal")
        wal_part = (wal.st_mtime_ns, wal.st_size)
    except OSError:
        wal_part = (0, 0)
    return (main.st_mtime_ns, main.st_size, *wal_part)


class LocalScanner:
    """Finds this host's new records, group by group."""

    def __init__(self, hub: Path, name: str, ledger: Ledger) -> None:
        self.hub = hub
        self.name = name
        self.ledger = ledger
        self.tokens: dict[str, Token | None] = {}

    def group_files(self) -> list[tuple[str, Path]]:
        return [(path.stem, path) for path in sorted(self.hub.glob("*.db"))
                if GROUP_FILE.match(path.stem) and path.is_file() and not path.is_symlink()]

    def changes(self) -> Iterator[tuple[str, list[Envelope], Callable[[], None]]]:
        """(group, records to publish, call once they are stored upstream) per changed file."""
        for group_id, path in self.group_files():
            token = _token(path)
            if token is None or self.tokens.get(group_id) == token:
                continue
            store = GroupStore(path, group_id)
            try:
                scan = rows.scan_local(store, self.name, self.ledger.position(f"invite:{group_id}"),
                                       self.ledger.position(f"msg:{group_id}"))
            except PeersError:
                self.tokens[group_id] = token  # damaged here: readers report it; retry on change
                continue
            finally:
                store.close()
            fresh = [e for e in scan.genuine if not self.ledger.is_known(e.hash)]
            for envelope, reason in scan.refused:
                self.ledger.quarantine(envelope, f"written into this host's file: {reason}")

            def commit(group_id: str = group_id, scan: rows.Scan = scan,
                       fresh: list[Envelope] = fresh, token: Token | None = token) -> None:
                self.ledger.add_known(e.hash for e in fresh)
                self.ledger.set_position(f"invite:{group_id}", scan.invite_position)
                self.ledger.set_position(f"msg:{group_id}", scan.message_position)
                self.tokens[group_id] = None if scan.more else token

            yield group_id, fresh, commit

    def unseen(self) -> list[str]:
        """Group files this relay has not looked at yet (joined here through another way, or
        made before the relay was set up): what passed through the hub before they existed
        here is fetched once."""
        return [group_id for group_id, _ in self.group_files()
                if not self.ledger.position(f"seen:{group_id}")]

    def mark_seen(self, group_id: str) -> None:
        self.ledger.set_position(f"seen:{group_id}", 1)

    def note_applied(self, group_id: str) -> None:
        """The relay wrote to this file itself: its token moved, a rescan finds only known records."""

    def unsent(self) -> int:
        """Records stored here after what was last published (a cheap count, not verified)."""
        total = 0
        for group_id, path in self.group_files():
            store = GroupStore(path, group_id)
            try:
                with store.session():
                    cursor = store.db.execute_sql(
                        "SELECT (SELECT COUNT(*) FROM message WHERE rowid > ?)"
                        " + (SELECT COUNT(*) FROM invite WHERE id > ?)",
                        (self.ledger.position(f"msg:{group_id}"),
                         self.ledger.position(f"invite:{group_id}")))
                    total += int(cursor.fetchone()[0])
            except PeersError:
                continue
            finally:
                store.close()
        return total
