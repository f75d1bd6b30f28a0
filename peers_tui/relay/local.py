"""This host's side: which group files changed, and their new genuine records to publish.

A stat token per file (the DB and its WAL; file_tokens.py) says whether anything was written
since the last scan. A file whose token moved is scanned only if another connection committed
to it since (`PRAGMA data_version` on the kept connection; kept_stores.py; at a start, the
file's print: quick_look.py). Positions (the last invite id and message rowid published)
advance only once the records were stored upstream."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import peewee

from peers_tui.core.errors import PeersError
from peers_tui.core import own_place
from peers_tui.core.group_store import GroupStore
from peers_tui.core.relay_notes import author_of
from peers_tui.relay import deleted_tops, origins, position_pins, quick_look, replaced_files, rows
from peers_tui.relay.census import SCANNED
from peers_tui.relay.damaged_files import founding_problem
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.kept_stores import (
    KeptStores, closed_clean, count_after, same_file, unchanged)
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.file_tokens import (  # noqa: F401 (their old names)
    LOCKLESS_NS, SETTLE_NS, Token, data_version as _data_version, quiet_token as _quiet_token,
    settled as _settled, token as _token)

GROUP_FILE = re.compile(r"^[a-z2-7]{26}$")


def _high_rows(store: GroupStore) -> bool:
    """Rows at HIGH or above out of place (own_place.high_rows)? Unreadable counts as yes."""
    try:
        return own_place.high_rows(store.db)
    except (sqlite3.Error, peewee.DatabaseError, PeersError):
        return True


class LocalScanner:
    """Finds this host's new records, group by group."""

    def __init__(self, hub: Path, name: str, ledger: Ledger) -> None:
        self.hub, self.name, self.ledger = hub, name, ledger
        self.tokens: dict[str, Token | None] = {}
        # Per file: data_version when its last scan was stored upstream (None: scan again).
        self.versions: dict[str, int | None] = {}
        # Per file: the membership mark of the last scan stored upstream (its log went along).
        self.membership: dict[str, tuple[object, ...] | None] = {}
        self.stores = KeptStores(self._evicted, lambda group_id: group_id in self.lent)
        self.closed_at: dict[str, Token] = {}  # per file closed clean: the token it was left with
        self.files: list[tuple[str, Path]] = []
        self.listed, self.listing_due = 0.0, lambda listed: True
        self.pending = 0  # records found but not yet stored upstream
        self.more = False  # a scan stopped at its limit: the rest goes at once, not after a wait
        self.seen: set[str] | None = None
        # Told, under a file's write lock, that its writes so far are handled (Waker.seen).
        self.handled: Callable[[Path], None] | None = None
        self.lent: set[str] = set()  # kept connections lent to a backfill's apply thread (background_apply.py): not read meanwhile
        self.hub_clock = False  # the hub's: refuses a message signed a day past its clock (rows.scan_local)
        self.damaged: dict[str, str] = {}  # group -> why its file is damaged here (status)
        self.identities = replaced_files.FileIdentities()  # a file taken away, or another one
        # Told of a group file another process committed to (counted soon: refetch.py).
        self.foreign_commit: Callable[[str], None] | None = None

    def store(self, group_id: str, path: Path) -> GroupStore:
        """The group's store, kept open (kept_stores.py). One closed clean and opened again with
        nothing written since takes up where it was: its new data_version is the handled one."""
        store = self.stores.get(group_id)
        if store is None:
            store = self.stores.store(group_id, path)
            # The version before the token: a commit between the two then moves the one
            # (scanned) or the other (not taken up), never neither.
            version = _data_version(store)
            if same_file(self.closed_at.pop(group_id, None), _token(path)):
                self.versions[group_id] = version
        return store

    def _evicted(self, group_id: str, close: Callable[[], object]) -> None:
        """Closed to make room: the token a clean close leaves kept (kept_stores.closed_clean)."""
        closed_clean(self, group_id, close)

    def close(self) -> None:
        for group_id in list(self.stores):
            self.forget(group_id)

    def forget(self, group_id: str) -> None:
        self.versions.pop(group_id, None)
        self.membership.pop(group_id, None)
        self.closed_at.pop(group_id, None)
        self.stores.pop(group_id)

    @property
    def busy(self) -> bool:
        """A file was written so recently that it must be looked at again soon."""
        return any(token is None for token in self.tokens.values())

    def group_files(self, fresh: bool = False) -> list[tuple[str, Path]]:
        """The hub's group files, listed again at most once a second if `listing_due` says."""
        if fresh or (time.monotonic() - self.listed > 1.0 and self.listing_due(self.listed)):
            self.files = [(path.stem, path) for path in sorted(self.hub.glob("*.db"))
                          if GROUP_FILE.match(path.stem) and path.is_file() and not path.is_symlink()]
            self.listed = time.monotonic()
            for gone in set(self.damaged) - {group_id for group_id, _ in self.files}:
                del self.damaged[gone]
            for group_id in self.identities.changed(self.files, self.lent):
                self._start_over(group_id)
        return self.files

    def _start_over(self, group_id: str) -> None:
        """The group's file went away or is another file now (replaced_files.py)."""
        self.forget(group_id)
        self.tokens.pop(group_id, None)
        self.damaged.pop(group_id, None)
        if self.seen is not None:
            self.seen.discard(group_id)
        replaced_files.start_over(self.ledger, group_id)

    def fetchable(self, group_id: str) -> bool:
        return replaced_files.fetchable(self, group_id)  # empty or damaged: not yet

    def changes(self, seen_only: bool = False) -> Iterator[tuple[str, list[Envelope],
                                                                Callable[[], None]]]:
        """(group, records to publish, call once they are stored upstream) per changed file
        (`seen_only`: of the files `mark_seen` was told of: runner.py)."""
        for group_id, path in self.group_files():
            if seen_only and self.seen is not None and group_id not in self.seen:
                continue
            token = _token(path)
            if token is None or token[1] == token[3] == 0 or unchanged(
                    self.tokens.get(group_id), self.closed_at.get(group_id), token):
                continue  # (empty: being founded)
            if quick_look.first_look(self, group_id, path, token):
                continue  # as its last scan left it: no store opened (quick_look.py)
            seen = token if _settled(token, LOCKLESS_NS) else None  # old before any read
            try:
                store = self.store(group_id, path)
                version = _data_version(store)  # before the scan: a commit after it moves it
                # Rows only another process can have deleted or written again (the positions'
                # pins and tops: position_pins.py) when one committed since the last scan.
                foreign = version is None or self.versions.get(group_id) != version
                self._lower_to_deleted_tops(group_id, path, store.db if foreign else None)
                if foreign and self.foreign_commit is not None:
                    self.foreign_commit(group_id)
                if version is not None and self.versions.get(group_id) == version:
                    # Nobody else committed since the last scan was sent: nothing new.
                    self.tokens[group_id] = self._looked_at(store, path, seen, version)
                    continue
                problem = founding_problem(store)  # edited in place since it was opened
                if problem is not None:  # named by `relay status`, not sent; as any look
                    self.damaged[group_id] = problem  # keeps a token (a mend may not show yet)
                    self.tokens[group_id] = self._looked_at(store, path, seen, version)
                    continue
                look = quick_look.file_print(store.db.connection())
                scan = rows.scan_local(store, self.name,
                                       self.ledger.position(f"invite:{group_id}"),
                                       self.ledger.position(f"msg:{group_id}"), self.ledger.is_known,
                                       self.membership.get(group_id),
                                       self.ledger.refused_from(self.name, group_id),
                                       self.ledger.position(f"evidence:{group_id}"), self.hub_clock)
            except PeersError as exc:
                self.tokens[group_id] = seen  # damaged here: readers report it; retry on change
                self.damaged[group_id] = str(exc)
                self.forget(group_id)
                continue
            self.damaged.pop(group_id, None)
            fresh = [e for e in scan.genuine if not self.ledger.is_known(e.hash)]
            self.pending = len(fresh)
            for envelope, reason in scan.refused:
                self.ledger.quarantine(envelope, f"{SCANNED}: {reason}")  # (census.py)
            for hashes, how in ((scan.counted, rows.IN_THE_CHAIN), (scan.regained, rows.REGAINED)):
                self.ledger.restore(group_id, hashes, how)  # refusals taken back (rows.Scan)
            for envelope, reason in scan.voided:  # as the hosts applying the change keep them
                self.ledger.quarantine_taken_out(envelope, reason)

            def commit(group_id: str = group_id, scan: rows.Scan = scan,
                       fresh: list[Envelope] = fresh, token: Token | None = seen,
                       version: int | None = version, store: GroupStore = store,
                       path: Path = path, look: int = look) -> None:
                with self.ledger.batch():  # the print once they are sent: 0 if the file moved
                    self.ledger.set_position(f"{quick_look.KEY}:{group_id}", quick_look.same_after(
                        store, look, version, scan.more))  # (since `version`, or its print)
                    self.ledger.add_known(e.hash for e in fresh)
                    # Sent from here: their authors' newest records came from this host, as a
                    # cut taking them out must say (origins.py; thirtieth pass, Left)
                    origins.note(self.hub, group_id, {author_of(e.text): self.name for e in fresh
                                                      if e.table in ("msg", "invite")})
                    self.ledger.keep_origins()
                    self.ledger.set_position(f"invite:{group_id}", scan.invite_position)
                    self.ledger.set_position(f"msg:{group_id}", scan.message_position)
                    self.ledger.set_position(f"evidence:{group_id}", scan.evidence_position)
                    for kind, at, found in (("msg", scan.message_position, scan.prints[0]),
                                            ("invite", scan.invite_position, scan.prints[1])):
                        if found is not None:
                            self.ledger.pin(f"{kind}:{group_id}", at, found)
                self.versions[group_id] = None if scan.more else version
                self.membership[group_id] = scan.membership_mark
                self.tokens[group_id] = None if scan.more else self._looked_at(
                    store, path, token, version)
                self.more = self.more or scan.more
                self.pending = 0

            yield group_id, fresh, commit

    def _looked_at(self, store: GroupStore, path: Path, token: Token | None,
                   version: int | None) -> Token | None:
        """The token to remember for a file whose commits up to `version` (read before the look
        read the file) were all handled, None: look again soon. The one taken under the write
        lock if no other connection committed since (_quiet_token); without the lock (another
        writer's, a read-only file), `token`: the look's first, given only if it was old
        (LOCKLESS_NS) before the look read anything. A recent token is not trusted alone at
        the next look (`changes`): it only says the file need not be looked at again until
        something is written."""
        quiet = _quiet_token(store, path, version, self.handled) if version is not None else None
        if quiet is None:
            return token
        return quiet[0] if quiet[1] == version else None

    def unseen(self) -> list[str]:
        """Group files this relay has not looked at yet (joined here through another way, or
        made before the relay was set up): what passed through the hub before they existed
        here is fetched once."""
        if self.seen is None:
            self.seen = {group_id for group_id, _ in self.group_files()
                         if self.ledger.position(f"seen:{group_id}")}
        return [group_id for group_id, _ in self.group_files() if group_id not in self.seen]

    def mark_seen(self, group_id: str) -> None:
        self.ledger.set_position(f"seen:{group_id}", 1)
        if self.seen is not None:
            self.seen.add(group_id)

    def note_applied(self, group_id: str) -> bool:
        """The relay wrote to this file itself (through the kept connection, so data_version
        stays). If nobody else committed since the last scan was stored upstream, every row
        after the positions is one the relay applied (a known record): the positions move
        past them here, which is all a scan would find and do (`unsent` counts from there),
        without one after every delivery. Otherwise the file is scanned once more.
        True when the positions are now past every message and invite of the file: no scan
        will meet the rows just applied (so they need not be remembered as known)."""
        store = self.stores.get(group_id)
        version = self.versions.get(group_id)
        if store is None or version is None:
            self.versions.pop(group_id, None)
            return False
        self._lower_to_deleted_tops(group_id, store.path)
        try:  # on the kept connection, as data_version; the print below is of this read
            found: Any = quick_look.state(store.db.connection())  # (its tops first)
            message, invite = found[0], found[1]
        except sqlite3.Error:
            found, message, invite, version = (), None, None, None
        # Asked after the rows were read: a commit of another process before the read moved it.
        # Rows at HIGH or above (own_place.py) count only where they belong, the run SQLite
        # stores after junk at HIGH - 1 (read_again keeps a position there): one a scan
        # would move first leaves the positions to that scan.
        if version is None or _data_version(store) != version or (max(
                message or 0, invite or 0) >= own_place.HIGH and _high_rows(store)):
            self.versions.pop(group_id, None)
            return False
        with self.ledger.batch():  # the file as this apply left it: all handled (quick_look)
            self.ledger.set_position(f"{quick_look.KEY}:{group_id}", quick_look.print_of(found))
            for kind, last in (("msg", message), ("invite", invite)):
                if last is not None and last > self.ledger.position(f"{kind}:{group_id}"):
                    self.ledger.set_position(f"{kind}:{group_id}", int(last))
                    position_pins.pin_top(self.ledger, store.db.connection(), group_id, kind,
                                          int(last))
        # The relay's own commit wakes its publisher (inotify): with the file's token taken
        # now, that look is one under the write lock, not the start of a series of looks.
        if group_id in self.tokens:
            self.tokens[group_id] = self._looked_at(store, store.path, None, version)
        return True

    def _lower_to_deleted_tops(self, group_id: str, path: Path, store: Any = None) -> None:
        """Positions past rows the relay (or anyone else, `store` given: the pins and
        reused_below) deleted come down to what is left (relay.deleted_tops, position_pins):
        SQLite numbers the next rows from there."""
        connection = store.connection() if store is not None else None
        if connection is not None and position_pins.check(self.ledger, connection, group_id):
            self.versions.pop(group_id, None)
        tops = deleted_tops.lowest(path, store, (self.ledger.position(f"msg:{group_id}"),
                                                 self.ledger.position(f"invite:{group_id}")))
        for kind, top in zip(position_pins.TABLES, tops):
            if top < self.ledger.position(f"{kind}:{group_id}"):
                self.ledger.set_position(f"{kind}:{group_id}", top)
                self.versions.pop(group_id, None)
                stores = self.stores.get(group_id)  # the row at the top now, as it is
                if stores is not None:
                    position_pins.pin_top(self.ledger, stores.db.connection(), group_id, kind, top)

    def catch_up(self) -> None:
        """The link went down: move the positions past what is all known here (records that
        came from the hub, ours already published), so that `unsent` counts only what waits.
        Listed afresh: a group joined a moment before is counted from the hub's records too."""
        self.group_files(fresh=True)
        for _, fresh, commit in self.changes():
            if not fresh:
                commit()

    def unsent(self) -> int:
        """Records stored here after what was last published (a cheap count, not verified)."""
        return sum(self.count_after(group_id, path, self.ledger.position(f"msg:{group_id}"),
                                    self.ledger.position(f"invite:{group_id}")) or 0
                   for group_id, path in self.group_files())

    def count_after(self, group_id: str, path: Path, message: int, invite: int) -> int | None:
        """Messages and invites stored after these positions (None: the file cannot be read, or
        is lent to another thread, in its transaction: counted once back). kept_stores.py"""
        if group_id in self.lent:
            return None
        try:
            return count_after(self.stores.get(group_id), path, message, invite)
        except (PeersError, sqlite3.Error):
            return None
