"""PersonalStore: personal.db, the user's Groups table and settings (and the personal group).

Only this user writes it; it is created mode 0600. The personal group's records live in the
same file, so `personal_group()` returns a GroupStore on personal.db like any other group.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import peewee

from peers_tui.core.database import (
    check_regular_file, connect, create_file, prepare_schema, storage_error,
)
from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair
from peers_tui.core.group_entry import (
    GROUP_COLUMNS, JSON_DAMAGE, MIN_PREFIX, GroupEntry, entry_of, pinned, pins_move,
)
from peers_tui.core.models import GROUP_MODELS, PERSONAL_MODELS, Group, Setting, tuples
from peers_tui.core.raw import as_text
from peers_tui.core.roster import Cut
from peers_tui.core.states import NOTIFY_LEVELS, NotifyLevel

PERSONAL_FILE = "personal.db"
# What the group list shows, as one row: it changes when a group is added, renamed, archived,
# reordered or muted (by the CLI or another TUI), not when a read marker or a draft is written.
GROUP_LIST_MARK = ("SELECT count(*), group_concat(id || ' ' || archived || ' ' || sort_order"
                   " || ' ' || notify || ' ' || name, char(10))"
                   " FROM (SELECT * FROM groups ORDER BY id)")
PERSONAL_NAME = "personal"
PERSONAL_MODE = 0o600
ALL_MODELS = GROUP_MODELS + PERSONAL_MODELS


def _entry(row: Group) -> GroupEntry:
    """A row as the app uses it; a value damaged in the file reads as its default."""
    return entry_of([getattr(row, column) for column in GROUP_COLUMNS])


class PersonalStore:
    """The user's own database: the Groups registry, settings, and the personal group."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)

    @classmethod
    def open(cls, home: Path, keypair: Keypair, default_handle: str) -> PersonalStore:
        """Open <home>/personal.db, creating it and the personal group on first run."""
        path = home / PERSONAL_FILE
        if not path.exists() and not path.is_symlink():
            home.mkdir(parents=True, exist_ok=True, mode=0o700)
            create_file(path, PERSONAL_MODE)
            try:
                personal = GroupStore.create(home, keypair, PERSONAL_NAME, default_handle,
                                             path=path, models=ALL_MODELS)
                store = cls(path)
                with store.session(), store.db.atomic():
                    Setting.replace(key="handle", value=default_handle).execute()
                    Group.create(id=personal.group_id, name=PERSONAL_NAME, db_path=str(path),
                                 personal=True, joined_at=now_ms(), sort_order=-1)
            except PeersError:
                # A first run that failed (a full disk) must not leave a half-made personal.db
                # that every later run would refuse as "not a peers database".
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
                raise
            return store
        check_regular_file(path)
        store = cls(path)
        with store.session():
            prepare_schema(store.db, ALL_MODELS, create=False)
        return store

    @contextmanager
    def session(self) -> Iterator[None]:
        try:
            with self.db.connection_context(), self.db.bind_ctx(PERSONAL_MODELS, False, False):
                yield
        except (sqlite3.Error, peewee.DatabaseError, peewee.InterfaceError) as exc:
            raise storage_error(self.path, exc, "your personal database") from exc

    # ----------------------------------------------------------------- settings
    def setting(self, key: str, default: str | None = None) -> str | None:
        with self.session():
            row = Setting.get_or_none(Setting.key == key)
            return as_text(row.value) if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.session(), self.db.atomic():
            Setting.replace(key=key, value=value).execute()

    def settings_under(self, prefix: str) -> dict[str, str]:
        """Every setting whose key starts with `prefix` (keys of many, such as `dm:` + id)."""
        with self.session():
            rows = Setting.select(Setting.key, Setting.value).where(Setting.key.startswith(prefix))
            pairs = ((as_text(row.key), as_text(row.value)) for row in rows)
            return {key: value for key, value in pairs if key is not None and value is not None}

    # ----------------------------------------------------------------- the Groups table
    def groups(self, include_archived: bool = False) -> list[GroupEntry]:
        """Every group the user listed: the personal group first, then in the user's order.
        Archived groups (hidden from the list and Alt+N) only when asked for."""
        with self.session():
            rows = Group.select().order_by(Group.personal.desc(), Group.sort_order, Group.joined_at)
            if not include_archived:
                rows = rows.where(Group.archived == False)  # noqa: E712
            return [_entry(row) for row in rows]

    def group_names(self) -> list[str]:
        """The names of the listed groups (not archived), nothing else: cheap to ask often."""
        with self.session():
            rows = tuples(Group.select(Group.name).where(Group.archived == False))  # noqa: E712
            return [name for (name,) in rows if isinstance(name, str)]

    def set_archived(self, group_id: str, archived: bool) -> None:
        with self.session(), self.db.atomic():
            Group.update(archived=archived).where(
                (Group.id == group_id) & (Group.personal == False)).execute()  # noqa: E712

    def groups_named(self, query: str) -> list[GroupEntry]:
        """The listed groups (archived too) that `find_group` could pick for `query`: its id,
        an id starting with it (4+ chars), or its exact name, in the order of `groups`. Asked
        of SQLite, so that opening one group does not build an entry for each of hundreds."""
        text = query.strip()
        # the name in another case too: find_group refuses it rather than take a prefix
        matches = ((Group.id == text.lower())
                   | (peewee.fn.lower(Group.name) == peewee.fn.lower(text)))
        if len(text) >= MIN_PREFIX:
            matches |= peewee.fn.substr(Group.id, 1, len(text)) == text.lower()
        with self.session():
            rows = Group.select().where(matches).order_by(
                Group.personal.desc(), Group.sort_order, Group.joined_at)
            return [_entry(row) for row in rows]

    def group(self, group_id: str) -> GroupEntry | None:
        """One listed group by its full id: one indexed row, not the whole table."""
        with self.session():
            row = Group.get_or_none(Group.id == group_id)
            return _entry(row) if row is not None else None

    def personal_group(self) -> GroupStore:
        entry = next(e for e in self.groups() if e.personal)
        return GroupStore(self.path, entry.id, models=ALL_MODELS)

    def add_group(self, group_id: str, name: str, db_path: Path) -> GroupEntry:
        """List a group (or list it again, keeping the user's settings for it)."""
        with self.session(), self.db.atomic():
            row = Group.get_or_none(Group.id == group_id)
            if row is None:
                top = Group.select(peewee.fn.MAX(Group.sort_order)).scalar() or 0
                row = Group.create(id=group_id, name=name, db_path=str(db_path),
                                   joined_at=now_ms(), sort_order=top + 1)
            else:
                row.name, row.db_path, row.archived = name, str(db_path), False
                row.save()
            return _entry(row)

    def rename_group(self, group_id: str, name: str) -> None:
        """List a group under another name (its settings, archived or not, kept)."""
        with self.session(), self.db.atomic():
            Group.update(name=name).where(Group.id == group_id).execute()

    def set_read_marker(self, group_id: str, message_id: str) -> None:
        with self.session(), self.db.atomic():
            Group.update(read_marker=message_id).where(
                (Group.id == group_id)
                & ((Group.read_marker.is_null()) | (Group.read_marker < message_id))).execute()

    def replace_read_marker(self, group_id: str, expected: str | None, message_id: str) -> None:
        """Set the marker if it is still `expected`: the caller found `message_id` stored after
        it (an order only the group's file knows); another process that moved it in between
        wins."""
        with self.session(), self.db.atomic():
            Group.update(read_marker=message_id).where(
                (Group.id == group_id)
                & (Group.read_marker.is_null() if expected is None
                   else Group.read_marker == expected)).execute()

    def set_notify(self, group_id: str, level: NotifyLevel) -> None:
        with self.session(), self.db.atomic():
            Group.update(notify=level).where(Group.id == group_id).execute()

    def set_order(self, group_ids: list[str]) -> None:
        """Store the user's order of their groups (the personal group always stays first)."""
        with self.session(), self.db.atomic():
            for position, group_id in enumerate(group_ids):
                Group.update(sort_order=position).where(
                    (Group.id == group_id) & (Group.personal == False)).execute()  # noqa: E712

    def pin_heads(self, group_id: str, member_seq: int, member_hash: str | None,
                  authors: dict[str, tuple[int, str]],
                  cuts: Mapping[str, Sequence[Cut]] | None = None) -> None:
        """Remember the newest heads this user verified, never moving a pin backwards (but
        for one a cut in the roster's `cuts` made void: core.group_entry.void_pins).

        Nothing is written when no pin moves: reads pin on every look, and most looks find
        nothing new."""
        current = self.group(group_id)
        if current is None or not pins_move(current, member_seq, member_hash, authors, cuts):
            return
        with self.session(), self.db.atomic():
            row = Group.get_or_none(Group.id == group_id)
            if row is None:
                return
            entry = _entry(row)
            seq, digest, heads = pinned(entry, member_seq, member_hash, authors, cuts)
            if member_seq >= entry.member_head_seq:
                row.member_head_seq, row.member_head_hash = seq, digest
            row.author_heads = heads
            row.save()

    def lower_member_pin(self, group_id: str, seq: int, digest: str, to: str) -> None:
        """The membership pin at change `seq` (`digest`), which the relay took out because
        another change won its place (core.relay_notes), moved to the change there now
        (`to`); nothing when the pin is elsewhere by now (a compare and set)."""
        with self.session(), self.db.atomic():
            Group.update(member_head_hash=to).where(
                (Group.id == group_id) & (Group.member_head_seq == seq)
                & (Group.member_head_hash == digest)).execute()


__all__ = ["ALL_MODELS", "GROUP_LIST_MARK", "JSON_DAMAGE", "NOTIFY_LEVELS", "PERSONAL_FILE",
           "PERSONAL_MODE", "PERSONAL_NAME", "GroupEntry", "NotifyLevel", "PersonalStore"]
