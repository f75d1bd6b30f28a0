"""Account: what one user does, through their identity, personal DB and hub of group DBs.

This is the API the CLI and the TUI share. GROUP arguments resolve within the user's Groups
table; MEMBER arguments within the group's verified roster. The work is done by parts with
one job each, which Account puts together and delegates to: the open stores
(core.store_registry), pins (core.pins), UI state (core.ui_state), membership actions
(core.member_actions) and message actions (core.message_actions).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core.errors import Ambiguous, Forbidden, PeersError
from peers_tui.core.group_store import GROUP_ID_LENGTH, GroupStore
from peers_tui.core.identity import Keypair, load_or_create_keypair
from peers_tui.core.member_actions import DEFAULT_EXPIRES, DEFAULT_USES, MIN_PREFIX, MemberActions
from peers_tui.core.membership import ACTIVE, MAX_HANDLE
from peers_tui.core.missing_file import MissingFile
from peers_tui.core.message_actions import MessageActions
from peers_tui.core.names import TILDE_LIKE, check_name, look_alike_key, shown_name
from peers_tui.core.group_entry import find_group
from peers_tui.core.personal_store import GroupEntry, PersonalStore
from peers_tui.core.states import NOTIFY_LEVELS, GroupState, NotifyLevel
from peers_tui.core.pins import Pins, membership_problems
from peers_tui.core.store_registry import StoreRegistry
from peers_tui.core.text import check_text, inert
from peers_tui.core.ui_state import UiState
from peers_tui.core.user_context import Paths
from peers_tui.core.views import GroupSummary, Problem, group_label, listed_summary, mark_twins

if TYPE_CHECKING:
    from peers_tui.core.bulk_verify import Progress


def bad_handle_line(stored: str | None, exc: PeersError) -> str:
    """The one line a damaged handle in personal.db is refused with."""
    shown = "no handle" if stored is None else repr(inert(stored[:40], allow_newlines=False)
                                                    + ("…" if len(stored) > 40 else ""))
    return (f"your handle in personal.db is not valid ({shown}: {exc}); nothing was written: "
            f"set a new one with `peers id --handle NAME` (or /nick NAME in the app)")


def default_handle() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    return name.strip()[:MAX_HANDLE] or "user"


class Account:
    """One user's view of peers: their identity, their Groups table and the groups' DBs."""

    def __init__(self, home: Path, hub: Path) -> None:
        self.paths = Paths(home, hub)
        self.keypair: Keypair = load_or_create_keypair(home)
        self.personal = PersonalStore.open(home, self.keypair, default_handle())
        self.pins = Pins(self.personal, self.keypair.public_id)
        self.stores = StoreRegistry(self.pins.own_pin, self.pins.kept)  # writes build on our own pins
        self.ui_state = ui = UiState(self.personal)
        self._names: list[str] | None = None
        # UI state
        self.input_history, self.save_input_history = ui.input_history, ui.save_input_history
        self.draft, self.save_draft, self.set_last_group = ui.draft, ui.save_draft, ui.set_last_group
        # Pins
        self.pin_after_write, self.pin_read = self.pins.after_write, self.pins.after_read
        # Membership
        self.membership = members = MemberActions(self)
        self.invite, self.invites, self.revoke, self.join = (
            members.invite, members.invites, members.revoke, members.join)
        self.members, self.members_checked = members.members, members.members_checked
        self.find_member, self.set_role = members.find_member, members.set_role
        self.remove, self.leave = members.remove, members.leave
        self.member_label = members.member_label
        # Messages
        self.messages = messages = MessageActions(self)
        self.send, self.edit, self.delete = messages.send, messages.edit, messages.delete
        self.set_topic, self.topic, self.search = messages.set_topic, messages.topic, messages.search
        self.import_history, self.export_history = messages.import_history, messages.export_history
        self.export_views, self.follow, self.log = (
            messages.export_views, messages.follow, messages.log)

    def close(self) -> None:
        """Close every group store this account opened (at exit)."""
        self.stores.close()

    # ----------------------------------------------------------------- identity
    @property
    def user_id(self) -> str:
        return self.keypair.public_id

    @property
    def handle(self) -> str:
        """Our handle as it is signed into groups. One damaged in personal.db is refused in
        one line, never replaced: the Unix user name signed in its place told every member
        "alice is now known as root" on the next send (nineteenth attack pass)."""
        stored = self.personal.setting("handle")
        try:
            return check_text(stored, "handle", max_chars=MAX_HANDLE, multiline=False)
        except PeersError as exc:
            raise PeersError(bad_handle_line(stored, exc)) from None

    @property
    def read_handle(self) -> str:
        """Our handle where it is only read (mentions counted), never signed: a damaged one
        must not make every group's summary fail."""
        try:
            return self.handle
        except PeersError:
            return default_handle()

    def set_handle(self, handle: str) -> None:
        """Change the handle here; each group learns it (signed) the next time you post there."""
        check_name(handle, "handle", max_chars=MAX_HANDLE, spaces=False)
        if not TILDE_LIKE.isdisjoint(handle):
            raise PeersError("a handle cannot contain '~' or a character like it: peers puts "
                             "one between a handle and its owner's fingerprint")
        self.personal.set_setting("handle", handle)
        # The profile in the hub too, unless turned off: `/nick` in the app left it under the
        # old handle, so others went on finding and being invited by that (a CLI command
        # refreshes it afterwards anyway). Never fails the change: a read-only hub keeps it.
        from peers_tui.core import profiles

        if self.personal.setting(profiles.PUBLISH_SETTING) != "off":
            try:
                profiles.publish(self.paths.hub, self.keypair, handle)
            except (OSError, ValueError, PeersError):
                pass

    def spread_handle(self) -> tuple[list[str], list[str]]:
        """Sign the current handle into every group where we are an active member under
        another one, so rosters and logs agree at once (not only after our next post there).

        Returns the names of the groups updated and one line for each that could not be
        (read-only, damaged, a full disk): those learn it on our next post there.
        """
        updated, failed = [], []
        for entry in self.entries():
            try:
                store = self.store(entry)
                member = store.current_roster().active(self.user_id)
                if member is not None and member.handle != self.handle:
                    store.set_handle(self.keypair, self.handle)
                    self.pins.after_write(entry, store)
                    updated.append(entry.name)
            except PeersError as exc:
                failed.append(f"{shown_name(entry.name)}: {exc}")
        return updated, failed

    def last_group(self) -> GroupEntry:
        """The group the user had open last, else the personal group."""
        wanted = self.ui_state.last_group_id()
        entry = self.personal.group(wanted) if wanted else None  # one row, not all 200
        return entry if entry is not None else self.entries()[0]

    def mark_read(self, group_id: str, message_id: str) -> None:
        entry = self.resolve(group_id)
        self.messages.read_up_to(entry, self.store(entry), message_id)

    # ----------------------------------------------------------------- groups
    def entries(self) -> list[GroupEntry]:
        entries = self.personal.groups()
        self._names = [entry.name for entry in entries]  # for label(), without another read
        return entries

    def listed(self) -> list[GroupSummary]:
        """The listed groups by name, before any count (StartAccount.listed's, from here)."""
        return [listed_summary(e.id, e.name, e.personal, e.notify, e.archived, e.db_file)
                for e in self.entries()]

    def archive(self, query: str, archived: bool = True) -> GroupEntry:
        """Hide a group from the list and Alt+N (or show it again); nothing in it changes."""
        entry = self.resolve(query)
        if entry.personal:
            raise PeersError("the personal group cannot be archived")
        self.personal.set_archived(entry.id, archived)
        return entry

    def resolve(self, query: str) -> GroupEntry:
        """A group by full id, then an exact name, then a unique id prefix (4+ chars)."""
        text = query.strip()
        if len(text) == GROUP_ID_LENGTH:
            entry = self.personal.group(text.lower())
            if entry is not None:
                return entry
        named = self.personal.groups_named(query)  # the rows that can match
        try:
            return find_group(query, named)
        except Ambiguous:  # two conversations with one person: the one `peers dm` uses
            from peers_tui.core.dm_settled import settled_conversation

            same = [entry for entry in named if entry.name == text]
            by_id = any(entry.id.startswith(text.lower()) for entry in named)
            settled = (settled_conversation(self.user_id, same, self.store)
                       if len(same) > 1 and not by_id else None)
            if settled is None:
                raise
            return settled

    def store(self, entry: GroupEntry) -> GroupStore:
        """The open store of a listed group (checked against the id the Groups table pins)."""
        return self.stores.store(entry)

    def pin_problems(self, entry: GroupEntry, store: GroupStore | None = None) -> list[Problem]:
        """What the file no longer holds of what this user verified before (core.pins)."""
        return self.pins.problems(entry, store or self.store(entry))

    def group_store(self, query: str, *, shared: bool = False) -> tuple[GroupEntry, GroupStore]:
        entry = self.resolve(query)
        if shared and entry.personal:
            raise Forbidden("the personal group is yours alone: it has no invites, roles or members to change")
        return entry, self.store(entry)

    def create_group(self, name: str) -> GroupEntry:
        check_name(name, "group name", max_chars=100)
        store = GroupStore.create(self.paths.hub, self.keypair, name, self.handle)
        self.stores.add(store)
        return self.personal.add_group(store.group_id, name, store.path)

    def set_notify(self, query: str, level: str) -> GroupEntry:
        if level not in NOTIFY_LEVELS:
            raise PeersError(f"unknown notify level {level!r}: use {', '.join(NOTIFY_LEVELS)}")
        entry = self.resolve(query)
        self.personal.set_notify(entry.id, NotifyLevel(level))
        return self.resolve(entry.id)

    def move(self, query: str, offset: int) -> None:
        """Move a group up (negative) or down in the user's order."""
        entries = [e for e in self.entries() if not e.personal]
        entry = self.resolve(query)
        if entry.personal:
            raise PeersError("the personal group always comes first")
        index = next(i for i, e in enumerate(entries) if e.id == entry.id)
        target = max(0, min(len(entries) - 1, index + offset))
        entries.insert(target, entries.pop(index))
        self.personal.set_order([e.id for e in entries])

    def summaries(self, include_archived: bool = False) -> list[GroupSummary]:
        """Every listed group with this user's standing in it and the unread counts; groups
        sharing a name are marked so that every list can tell them apart."""
        return list(mark_twins(tuple(self.summary(entry)
                                     for entry in self.personal.groups(include_archived))))

    def label(self, entry: GroupEntry) -> str:
        """How a group is named on screen (one inert line): with its id's start if another's
        name is the same or looks the same (core.names)."""
        key = look_alike_key(entry.name)
        # The names the last listing saw (a switch between groups must not read personal.db
        # again for this); a group listed since then is named plainly until the next listing.
        names = self._names if self._names is not None else self.personal.group_names()
        twin = sum(1 for name in names if look_alike_key(name) == key) > 1
        return group_label(entry.name, entry.id, twin)

    def summary(self, entry: GroupEntry, handle: str | None = None) -> GroupSummary:
        """`handle`: this user's, when the caller read it once for many groups."""
        try:
            store = self.store(entry)
            roster = store.current_roster()  # replayed only if its membership changed
            member = roster.members.get(self.user_id)
            state = GroupState(member.state) if member else GroupState.NOT_A_MEMBER
            role = member.role.label if member and member.state == ACTIVE else None
            unread, mentions = store.unread_counts(entry.read_marker, self.user_id,
                                                   self.read_handle if handle is None else handle)
            warnings = self.pin_problems(entry, store) + membership_problems(roster)
            return GroupSummary(entry.id, entry.name, entry.personal, role, state, unread,
                                mentions, entry.notify, read_only=store.read_only,
                                warning=str(warnings[0]) if warnings else None,
                                archived=entry.archived, path=str(entry.db_path))
        except PeersError as exc:
            state = GroupState.MISSING if isinstance(exc, MissingFile) else GroupState.DAMAGED
            return GroupSummary(entry.id, entry.name, entry.personal, None, state, 0, 0,
                                entry.notify, problem=str(exc), archived=entry.archived,
                                path=str(entry.db_path))

    def verify(self, query: str | None = None,
               progress: Callable[[str], Progress] | None = None) -> dict[str, list[Problem]]:
        """Check every record of one group (or all) against signatures, chains, rules and pins.

        `progress(group name)`, when given, returns the callback that hears how far the check
        of that group's messages has got.
        """
        entries = [self.resolve(query)] if query else self.entries()
        report: dict[str, list[Problem]] = {}
        for entry in entries:
            try:
                store = self.store(entry)
                problems = self.pins.problems(entry, store)
                problems += store.verify(progress(entry.name) if progress else None)
                if not problems:
                    self.pins.after_verify(entry, store)
            except PeersError as exc:
                problems = [Problem("database", str(exc))]
            report[entry.id] = problems
        return report



__all__ = ["DEFAULT_EXPIRES", "DEFAULT_USES", "MIN_PREFIX", "Account", "default_handle",
           "membership_problems"]
