"""One group's SQLite file: opening it safely, binding the models to it for a call, and its
genesis record (which names the group and proves the file holds the group it claims to).

Every caller binds the shared Peewee models to this file for the duration of one call only
(`session()`), so many group files can be used from many threads.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee

from peers_tui.core.database import (
    check_regular_file, connect, create_file, prepare_schema, storage_error, unwritable_reason,
)
from peers_tui.core.encoding import b32
from peers_tui.core.errors import DamagedDatabase, PeersError, ReadOnly
from peers_tui.core.genesis import GROUP_ID_LENGTH, checked_genesis, group_id_of
from peers_tui.core.identity import Keypair
from peers_tui.core.kinds import RecordKind
from peers_tui.core.missing_file import missing_file
from peers_tui.core.membership import Roster, check_handle
from peers_tui.core.models import GROUP_MODELS, GroupInfo
from peers_tui.core.raw import UNEXPECTED_CONTENT, unexpected_content
from peers_tui.core.records import SignedRecord, sign
from peers_tui.core.text import check_text

GROUP_FILE_MODE = 0o660

Models = tuple[type[peewee.Model], ...]


class GroupFile:
    """A group DB file: its connection, per-call sessions, writability and genesis."""

    def __init__(self, path: Path, group_id: str, *, models: Models = GROUP_MODELS,
                 lendable: bool = False) -> None:
        self.path = path
        self.group_id = group_id
        self.models = models
        self.db = connect(path, lendable=lendable)
        self._prepared = False
        self._genesis: SignedRecord | None = None
        # The name the user's Groups table gives it (core.store_registry), for errors raised
        # before its genesis was read (a missing file).
        self.known_as: str | None = None
        # (author, the roster a write is checked against) -> the head of the author's chain
        # their personal.db pins for this group (core.pins.Pins.own_pin), which their next
        # record follows if the file lost it (chain_rules.build_on). Set by the account that
        # opened the store; None (a store without a user: tests, the relay) pins nothing.
        self.own_pin: Callable[[str, Roster], tuple[int, str] | None] | None = None
        # author -> the copy of their pinned record their personal.db keeps (text, signature),
        # put back when the file lost it (core/own_copy.py). Set with `own_pin`.
        self.own_kept: Callable[[str], tuple[str, bytes] | None] | None = None

    @classmethod
    def create(cls, directory: Path, keypair: Keypair, name: str, handle: str, *,
               path: Path | None = None, models: Models = GROUP_MODELS) -> GroupFile:
        """Found a new group: sign its genesis record and write it to a new DB file.

        With `path`, the (already created) file is used, as for the personal group in
        personal.db; otherwise the file is `<directory>/<group_id>.db`, created mode 0660.
        """
        check_text(name, "group name", max_chars=100)
        genesis = sign(keypair, RecordKind.GENESIS, None,
                       {"name": name, "handle": check_handle(handle), "nonce": b32(os.urandom(10))})
        group_id = group_id_of(genesis)
        created = path is None
        if path is None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{group_id}.db"
            create_file(path, GROUP_FILE_MODE)
        file = cls(path, group_id, models=models)
        try:
            with file.session(create=True):
                GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
        except PeersError:
            if created:  # a full disk, say: leave no empty file behind in the hub
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            raise
        file._genesis = genesis
        return file

    @contextmanager
    def session(self, *, create: bool = False) -> Iterator[None]:
        """Bind the models to this file on this thread, with a connection, for one call."""
        if self._prepared and self._bound_here():
            # Inside a session of this file on this thread (the store's helpers nest): the
            # outer one checked the file and bound the models (binding again: ~0.1 ms a call).
            try:
                yield
            except (sqlite3.Error, peewee.DatabaseError, peewee.InterfaceError) as exc:
                raise storage_error(self.path, exc, self.label) from exc
            return
        try:
            # Every time, not only the first: a connection kept open (the live feed's) would
            # go on reading a file deleted since, and never say that it is gone.
            try:
                check_regular_file(self.path, readable=not self._prepared)
            except DamagedDatabase as exc:
                if isinstance(exc.__cause__, FileNotFoundError):  # the whole file gone
                    raise missing_file(self.path, self.label, self.group_id) from exc
                raise
            with self.db.connection_context(), self.db.bind_ctx(self.models, False, False):
                if not self._prepared:
                    prepare_schema(self.db, self.models, create=create)
                    self._prepared = True
                    if not create:
                        self.genesis()
                yield
        except (sqlite3.Error, peewee.DatabaseError, peewee.InterfaceError) as exc:
            raise storage_error(self.path, exc, self.label) from exc
        except PermissionError as exc:
            raise DamagedDatabase(f"{self.path}: permission denied") from exc
        except UNEXPECTED_CONTENT as exc:  # junk no reader foresaw: one line, never a traceback
            raise DamagedDatabase(unexpected_content(self.label, exc)) from exc

    @contextmanager
    def lent_to_this_thread(self, conn: sqlite3.Connection | None) -> Iterator[None]:
        """Use `conn`, this file's open connection of another thread that waits meanwhile,
        on this thread (None: this thread's own, as always). A relay's kept connection
        tells its own commits from other processes' by `data_version`, which only another
        connection's commit moves: work done for it on another thread must commit on it.
        Only a file opened `lendable` accepts this (sqlite3's same-thread check), and only
        once a session of its own prepared it: the first session opens and closes its own
        connection, which would close the lender's."""
        if conn is None:
            yield
            return
        if not self._prepared:
            raise RuntimeError(f"{self.path.name}: lent before a session prepared it")
        state = self.db._state  # Peewee's per-thread connection state (a threading.local)
        state.set_connection(conn)
        try:
            with self.db.bind_ctx(self.models, False, False):
                yield  # sessions nest in this binding: none opens or closes a connection
        finally:
            state.reset()  # forgotten here, not closed: it is the other thread's

    def _bound_here(self) -> bool:
        """Whether every model is bound to this file on this thread, its connection open."""
        return not self.db.is_closed() and all(m._meta.database is self.db for m in self.models)

    @property
    def label(self) -> str:
        """How errors name this group: by name once its genesis was read, else by file."""
        if self._genesis is not None:
            return f"group {self._genesis.data.get('name', '')}"
        if self.known_as is not None:
            return f"group {self.known_as}"
        return f"group file {self.path.name}"

    @property
    def read_only(self) -> str | None:
        """Why this process cannot post here (read-only file or mount), or None."""
        try:
            return unwritable_reason(self.path)
        except OSError:
            return None

    def require_writable(self) -> None:
        """ReadOnly before any write to a file this process may not write: a connection kept
        open elsewhere in the process (the live feed) could otherwise still write its WAL."""
        reason = self.read_only
        if reason is not None:
            raise ReadOnly(f"{self.label} is read-only ({reason}): it can be read, "
                           "but nothing can be written to it")

    def pin_of(self, author: str, roster: Roster) -> tuple[int, str] | None:
        """`own_pin` asked inside a write (None when no account set it)."""
        return self.own_pin(author, roster) if self.own_pin is not None else None

    def kept_of(self, author: str) -> tuple[str, bytes] | None:
        """`own_kept` asked inside a write (None when no account set it)."""
        return self.own_kept(author) if self.own_kept is not None else None

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def check_group(self) -> None:
        """Check the file under this name again as at the first session (schema, genesis):
        another file put there under a kept store (core.file_mark) may hold another group.
        DamagedDatabase naming the swap then, and at every session after it."""
        self._prepared, self._genesis = False, None
        self.genesis()

    def genesis(self) -> SignedRecord:
        """The verified genesis record; DamagedDatabase if it does not produce our group id."""
        if self._genesis is None:
            with self.session():
                row = GroupInfo.get_or_none()
                record = checked_genesis(None if row is None else (row.id, row.record, row.sig),
                                         self.group_id, self.path.name)
                self._genesis = record
        return self._genesis

    @property
    def name(self) -> str:
        return str(self.genesis().data.get("name", ""))

    @property
    def founder(self) -> str:
        return self.genesis().author


__all__ = ["GROUP_FILE_MODE", "GROUP_ID_LENGTH", "GroupFile", "Models", "group_id_of"]
