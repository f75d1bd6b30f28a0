"""The account `peers` and `peers open GROUP` start the app on: what the first frame asks of
an Account, answered on plain sqlite3 (issue 16: Peewee, the models and the core built on
them are ~30 ms of CPU of a start measured against a bare Textual app).

The first frame asks for little: the group to open (by name, or the one opened last), the
names of the listed groups (for its label), a few settings (the draft, the input history,
whether the group list is shown) and the group's newest window (core.lean_window). Those
are read here as `peers send` reads them (core.lean_reads: the same rows, the same rules).
Everything else, and anything this path does not read (a first run, a file of another
schema, a group to report as missing or ambiguous), goes to a real Account, built on first
use: `StartAccount` answers for it, attribute by attribute.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from peers_tui.core.errors import PeersError
from peers_tui.core.genesis import GROUP_ID_LENGTH, checked_genesis
from peers_tui.core.group_entry import GROUP_COLUMNS, GroupName, entry_of, find_group
from peers_tui.core.identity import KEY_FILE
from peers_tui.core.lean_reads import connect, settings
from peers_tui.core.names import look_alike_key
from peers_tui.core.raw_values import UNEXPECTED_CONTENT, as_text, text_of
from peers_tui.core.ui_state import UiState
from peers_tui.core.verified_keep import kept_keypair
from peers_tui.core.states import NotifyLevel
from peers_tui.core.views import GroupSummary, group_label, listed_summary

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from peers_tui.core.account import Account
    from peers_tui.core.group_entry import GroupEntry
    from peers_tui.core.identity import Keypair

PERSONAL_FILE = "personal.db"  # core.personal_store's
_ORDER = " ORDER BY personal DESC, sort_order, joined_at"  # PersonalStore.groups' order
_ROW = f"SELECT {', '.join(GROUP_COLUMNS)} FROM groups"
_LISTED = "SELECT id, name, personal, notify, archived, db_path FROM groups WHERE archived = 0"
# The rows find_group can answer GROUP with: an id starting with it (the full id too), the
# name itself (in any case: one in another case is refused, not passed for a prefix), and
# any row whose id or name is not text (read as find_group reads it, in Python). Of 200
# groups that is one or two rows, not 200 (~0.4 ms of a start).
_CANDIDATES = ("SELECT id, name, archived FROM groups WHERE substr(id, 1, length(?1)) = ?1"
               " OR lower(name) = lower(?2) OR typeof(id) != 'text' OR typeof(name) != 'text'")
# What reading a file this path was not meant for can raise: the real Account reads it.
_HAND_OVER = (OSError, sqlite3.Error, PeersError, *UNEXPECTED_CONTENT)


class StartPaths:
    """core.user_context.Paths' attributes (that module loads the stores)."""

    __slots__ = ("home", "hub")

    def __init__(self, home: Path, hub: Path) -> None:
        self.home, self.hub = home, hub


class _Settings:
    """personal.db's settings as UiState reads them: read here, written by the Account."""

    def __init__(self, account: StartAccount) -> None:
        self._account = account

    def setting(self, key: str, default: str | None = None) -> str | None:
        value = self._account.read_settings([key]).get(key)
        return as_text(value) if value is not None else default

    def set_setting(self, key: str, value: str) -> None:
        self._account.full().personal.set_setting(key, value)


class LaterStore:
    """A group's store, opened on first use (after the first frame, which reads the file on
    plain sqlite3): every attribute is the real GroupStore's."""

    def __init__(self, account: StartAccount, entry: GroupEntry,
                 checked: sqlite3.Connection | None = None) -> None:
        self._account, self._entry = account, entry
        self.group_id = entry.id
        self._checked = checked

    def take_connection(self) -> sqlite3.Connection | None:
        """The connection the genesis check opened (once; the taker closes it), for the first
        read: opening the file again cost its six PRAGMAs and schema checks, and closing the
        last connection removes the -wal and -shm files that the next open makes again."""
        checked, self._checked = self._checked, None
        return checked

    @property
    def opened(self) -> bool:
        return self._account.loaded

    def __getattr__(self, name: str) -> Any:
        if name == "session" and not self._account.loaded:
            # Asked by the log's frontier line (widgets.message_log.fetching.frontier_note) at the first
            # window: a file lean_reads.connect() opened has no backfill going on.
            raise AttributeError(name)
        checked = self.take_connection()
        if checked is not None:  # not taken by a first read: the real store reads from here on
            checked.close()
        return getattr(self._account.full().store(self._entry), name)


class StartAccount:
    """An Account for the app's start: the first frame's reads on plain sqlite3, the rest
    delegated to a real Account made when first needed (`full()`)."""

    def __init__(self, home: Path, hub: Path) -> None:
        self.paths = StartPaths(home, hub)
        self.keypair: Keypair = kept_keypair(home)  # no libsodium to derive its public key
        self.ui_state = UiState(_Settings(self))
        self._account: Account | None = None
        self._personal: sqlite3.Connection | None = None
        self._names: list[str] | None = None
        self._loading = threading.Lock()

    @classmethod
    def open(cls, home: Path, hub: Path) -> StartAccount | None:
        """None for a first run (no identity or personal.db yet: the Account creates them)."""
        if not (os.path.isfile(os.path.join(home, KEY_FILE))
                and os.path.isfile(os.path.join(home, PERSONAL_FILE))):
            return None
        try:
            return cls(home, hub)
        except _HAND_OVER:
            return None

    @property
    def user_id(self) -> str:
        return self.keypair.public_id

    @property
    def loaded(self) -> bool:
        return self._account is not None

    def full(self) -> Account:
        """The real Account (Peewee and the stores: loaded here, once)."""
        with self._loading:  # the app's thread and a worker may both ask first
            if self._account is None:
                from peers_tui.core.account import Account

                self._account = Account(self.paths.home, self.paths.hub)
            return self._account

    def __getattr__(self, name: str) -> Any:
        return getattr(self.full(), name)

    def close(self) -> None:
        self._close_personal()
        if self._account is not None:
            self._account.close()

    # ----------------------------------------------------------------- plain reads
    def _conn(self) -> sqlite3.Connection | None:
        if self._personal is None and self._account is None:
            self._personal = connect(os.path.join(self.paths.home, PERSONAL_FILE))
        return self._personal

    def _close_personal(self) -> None:
        if self._personal is not None:
            self._personal.close()
            self._personal = None

    def read_settings(self, keys: list[str]) -> dict[str, Any]:
        conn = self._conn() if self._account is None else None
        if conn is None:
            personal = self.full().personal
            return {key: personal.setting(key) for key in keys}
        try:
            return settings(conn, keys)
        except _HAND_OVER:
            personal = self.full().personal
            return {key: personal.setting(key) for key in keys}

    def _row(self, sql: str, params: tuple[Any, ...]) -> GroupEntry | None:
        conn = self._conn() if self._account is None else None
        if conn is None:
            return None
        try:
            row = conn.execute(sql, params).fetchone()
        except _HAND_OVER:
            return None
        return entry_of(row) if row is not None else None

    def listed(self) -> list[GroupSummary]:
        """Account.listed, for the first frame's group list: six columns, not 201 entries
        with their JSON parsed (~2 ms more)."""
        conn = self._conn() if self._account is None else None
        try:
            return [listed_summary(text_of(id_), text_of(name), personal == 1, NotifyLevel.read(
                text_of(notify)), archived == 1, text_of(path)) for id_, name, personal, notify,
                archived, path in conn.execute(_LISTED + _ORDER)] if conn else self.full().listed()
        except _HAND_OVER:
            return self.full().listed()

    def resolve(self, query: str) -> GroupEntry:
        """Account.resolve: a group by full id, then an exact name, then a unique id prefix;
        a query that names none or several is the Account's to report."""
        text = query.strip()
        if len(text) == GROUP_ID_LENGTH:
            entry = self._row(f"{_ROW} WHERE id = ?", (text.lower(),))
            if entry is not None:
                return entry
        conn = self._conn() if self._account is None else None
        if conn is not None:
            try:
                names = [GroupName.of(*row) for row in conn.execute(_CANDIDATES + _ORDER,
                                                                    (text.lower(), text))]
                found = find_group(query, names)
            except _HAND_OVER:
                found = None
            entry = self._row(f"{_ROW} WHERE id = ?", (found.id,)) if found else None
            if entry is not None:
                return entry
        return self.full().resolve(query)

    def last_group(self) -> GroupEntry:
        """Account.last_group: the group opened last, else the personal group."""
        wanted = self.ui_state.last_group_id()
        entry = self._row(f"{_ROW} WHERE id = ?", (wanted,)) if wanted else None
        if entry is None:  # Account.entries()[0]: the first listed group, the personal one
            entry = self._row(f"{_ROW} WHERE archived = 0{_ORDER} LIMIT 1", ())
        return entry if entry is not None else self.full().last_group()

    def label(self, entry: GroupEntry) -> str:
        """Account.label, the listed names read here."""
        if self._account is not None:
            return self._account.label(entry)
        if self._names is None:
            conn = self._conn()
            try:
                self._names = [name for (name,) in conn.execute(
                    "SELECT name FROM groups WHERE archived = 0") if isinstance(name, str)] \
                    if conn is not None else None
            except _HAND_OVER:
                self._names = None
            if self._names is None:
                return self.full().label(entry)
        key = look_alike_key(entry.name)
        twin = sum(1 for name in self._names if look_alike_key(name) == key) > 1
        return group_label(entry.name, entry.id, twin)

    def mark_read(self, group_id: str, message_id: str) -> None:
        """Account.mark_read; before the Account has loaded, on plain sqlite3 as `peers send`
        moves the marker: an app hung up right after its first frame writes its marker as it
        ends, and loading Peewee and the stores then kept it alive past its pane."""
        if self._account is None:
            entry = self._row(f"{_ROW} WHERE id = ?", (group_id,))
            if entry is not None and self._read_up_to(entry, message_id):
                return
        self.full().mark_read(group_id, message_id)

    def _read_up_to(self, entry: GroupEntry, message_id: str) -> bool:
        from peers_tui.core.lean_post import move_read_marker  # at the end: not for the frame

        personal = self._conn()
        try:
            group = connect(entry.db_file)
        except _HAND_OVER:
            return False
        if personal is None or group is None:
            return False
        try:
            personal.execute("BEGIN IMMEDIATE")
            try:
                move_read_marker(personal, group, entry.id, message_id)
                personal.execute("COMMIT")
            except BaseException:
                if personal.in_transaction:
                    personal.execute("ROLLBACK")
                raise
            return True
        except _HAND_OVER:
            return False
        finally:
            group.close()

    def input_history(self) -> list[str]:
        return self.ui_state.input_history()

    def draft(self, group_id: str) -> str:
        return self.ui_state.draft(group_id)

    def store(self, entry: GroupEntry) -> Any:
        """The group's store: opened later if its file is one the first frame reads on plain
        sqlite3 (its genesis checked here, as opening it checks it), else now."""
        if self._account is None:
            checked = self._genesis_checked(entry)
            if checked is not None:
                return LaterStore(self, entry, checked)
        return self.full().store(entry)

    def _genesis_checked(self, entry: GroupEntry) -> sqlite3.Connection | None:
        """The file opened, its genesis found to hold (kept open for the first read), or None."""
        try:
            conn = connect(entry.db_file)
        except _HAND_OVER:
            return None
        if conn is None:
            return None
        try:
            checked_genesis(conn.execute("SELECT id, record, sig FROM group_info LIMIT 1")
                            .fetchone(), entry.id, os.path.basename(entry.db_file))
        except _HAND_OVER:
            conn.close()
            return None
        except BaseException:
            conn.close()
            raise
        return conn


__all__ = ["LaterStore", "StartAccount", "StartPaths"]
