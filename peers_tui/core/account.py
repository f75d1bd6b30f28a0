"""Account: what one user does, through their identity, personal DB and hub of group DBs.

This is the API the CLI and the TUI share. GROUP arguments resolve within the user's Groups
table; MEMBER arguments within the group's verified roster.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import (
    AlreadyMember, Ambiguous, DiskFull, Forbidden, NotFound, PeersError, ReadOnly,
)
from peers_tui.core.group_store import GROUP_ID_LENGTH, GroupStore
from peers_tui.core.identity import Keypair, fingerprint, load_or_create_keypair
from peers_tui.core.invites import InviteCode, check_code_of_member, parse_code
from peers_tui.core.membership import ACTIVE, MAX_HANDLE, Member, Roster
from peers_tui.core.names import check_name, look_alike_key, shown_name
from peers_tui.core.personal_store import ALL_MODELS, NOTIFY_LEVELS, GroupEntry, PersonalStore
from peers_tui.core.roles import Role
from peers_tui.core.text import check_text, without_blank_edges
from peers_tui.core.views import (
    GroupSummary, MemberView, MessageView, Problem, group_label, mark_twins,
)

if TYPE_CHECKING:
    from peers_tui.core.bulk_verify import Progress
    from peers_tui.core.invite_list import InviteView
    from peers_tui.core.transfer import ImportResult

MIN_PREFIX = 4
# An invite made without saying otherwise: one person, within a week.
DEFAULT_USES = 1
DEFAULT_EXPIRES = 7 * 24 * 3600


def default_handle() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    return name.strip()[:MAX_HANDLE] or "user"


@dataclass(frozen=True)
class Paths:
    home: Path
    hub: Path


class Account:
    """One user's view of peers: their identity, their Groups table and the groups' DBs."""

    def __init__(self, home: Path, hub: Path) -> None:
        self.paths = Paths(home, hub)
        self.keypair: Keypair = load_or_create_keypair(home)
        self.personal = PersonalStore.open(home, self.keypair, default_handle())
        self._stores: dict[str, GroupStore] = {}
        self._names: list[str] | None = None

    # ----------------------------------------------------------------- identity
    @property
    def user_id(self) -> str:
        return self.keypair.public_id

    @property
    def handle(self) -> str:
        try:  # a handle damaged in personal.db is never signed into a group
            return check_text(self.personal.setting("handle"), "handle", max_chars=MAX_HANDLE,
                              multiline=False)
        except PeersError:
            return default_handle()

    def set_handle(self, handle: str) -> None:
        """Change the handle here; each group learns it (signed) the next time you post there."""
        check_name(handle, "handle", max_chars=MAX_HANDLE, spaces=False)
        self.personal.set_setting("handle", handle)

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
                    self.pin_after_write(entry, store)
                    updated.append(entry.name)
            except PeersError as exc:
                failed.append(f"{shown_name(entry.name)}: {exc}")
        return updated, failed

    # ----------------------------------------------------------------- UI state
    def input_history(self) -> list[str]:
        try:
            value = json.loads(self.personal.setting("input_history") or "[]")
        except (ValueError, RecursionError):  # damaged in personal.db: start afresh
            return []
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    def save_input_history(self, history: list[str]) -> None:
        self.personal.set_setting("input_history", json.dumps(history[-200:]))

    def draft(self, group_id: str) -> str:
        return self.personal.setting(f"draft:{group_id}") or ""

    def save_draft(self, group_id: str, text: str) -> None:
        self.personal.set_setting(f"draft:{group_id}", text)

    def last_group(self) -> GroupEntry:
        """The group the user had open last, else the personal group."""
        wanted = self.personal.setting("last_group")
        entry = self.personal.group(wanted) if wanted else None  # one row, not all 200
        return entry if entry is not None else self.entries()[0]

    def set_last_group(self, group_id: str) -> None:
        self.personal.set_setting("last_group", group_id)

    def mark_read(self, group_id: str, message_id: str) -> None:
        entry = self.resolve(group_id)
        store = self.store(entry)
        self._read_up_to(entry, store, message_id)

    def _read_up_to(self, entry: GroupEntry, store: GroupStore, message_id: str) -> None:
        """Move the read marker to `message_id` if it was stored after the marker: unread is
        by arrival, so a message stored late with an older id still counts as new."""
        def write() -> None:
            current = self.personal.group(entry.id)
            marker = current.read_marker if current is not None else None
            if marker is None or store.arrival(message_id) > store.arrival(marker):
                self.personal.replace_read_marker(entry.id, marker, message_id)
        self._remember(write)

    @staticmethod
    def _remember(write: Callable[[], object]) -> None:
        """Bookkeeping in personal.db (read markers, pinned heads, seen removals) that must
        not fail what it follows: on a full disk or a read-only home, a message that was
        sent was sent, and a log that was read was read."""
        try:
            write()
        except (DiskFull, ReadOnly):
            pass

    # ----------------------------------------------------------------- groups
    def entries(self) -> list[GroupEntry]:
        entries = self.personal.groups()
        self._names = [entry.name for entry in entries]  # for label(), without another read
        return entries

    def archive(self, query: str, archived: bool = True) -> GroupEntry:
        """Hide a group from the list and Alt+N (or show it again); nothing in it changes."""
        entry = self.resolve(query)
        if entry.personal:
            raise PeersError("the personal group cannot be archived")
        self.personal.set_archived(entry.id, archived)
        return entry

    def resolve(self, query: str) -> GroupEntry:
        """A group by full id, then a unique id prefix (4+ chars), then an exact name."""
        text = query.strip()
        if len(text) == GROUP_ID_LENGTH:
            entry = self.personal.group(text.lower())
            if entry is not None:
                return entry
        entries = self.personal.groups(include_archived=True)
        for entry in entries:
            if entry.id == text.lower():
                return entry
        if len(text) >= MIN_PREFIX:
            by_prefix = [e for e in entries if e.id.startswith(text.lower())]
            if len(by_prefix) == 1:
                return by_prefix[0]
            if len(by_prefix) > 1:
                raise Ambiguous(f"group id prefix {query!r} is ambiguous: "
                                + ", ".join(f"{shown_name(e.name)} ({e.id})" for e in by_prefix))
        by_name = ([e for e in entries if e.name == text and not e.archived]
                   or [e for e in entries if e.name == text])
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise Ambiguous(f"group name {query!r} is ambiguous; use an id: "
                            + ", ".join(f"{e.id[:10]}" for e in by_name))
        raise NotFound(f"no group {query!r} in your groups (see 'peers groups')")

    def store(self, entry: GroupEntry) -> GroupStore:
        """The open store of a listed group (checked against the id the Groups table pins)."""
        store = self._stores.get(entry.id)
        if store is None:
            store = (GroupStore(entry.db_path, entry.id, models=ALL_MODELS) if entry.personal
                     else GroupStore(entry.db_path, entry.id))
            store.genesis()
            self._stores[entry.id] = store
        return store

    # ----------------------------------------------------------------- pins
    def pin_problems(self, entry: GroupEntry, store: GroupStore | None = None) -> list[Problem]:
        """What the file no longer holds of what this user verified before: records deleted,
        or the whole file put back to an older copy ("history deleted")."""
        store = store or self.store(entry)
        fresh = self.personal.group(entry.id) or entry  # pins may have moved since `entry`
        return store.check_pins(fresh.member_head_seq, fresh.member_head_hash, fresh.author_heads)

    def pin_after_write(self, entry: GroupEntry, store: GroupStore) -> None:
        """After our own write: pin the membership head and our own chain head, so a file
        rolled back to before our last action is always caught."""
        heads = store.write_pins(self.user_id)
        self._remember(lambda: self.personal.pin_heads(entry.id, *heads))

    def pin_read(self, entry: GroupEntry, store: GroupStore, messages: list[MessageView]) -> None:
        """After a read that found nothing wrong: pin the membership head, the chain heads
        of the authors whose messages verified, and those of verified invites."""
        roster = store.current_roster()
        heads = store.invite_heads()
        verified = [m.id for m in messages if m.verified]
        # The edits and deletions applied to them were verified too: deleting one later must
        # show, not silently bring back the old text.
        forged = {change.id for m in messages for change in m.forged_changes}
        verified += [i for i in store.change_ids(verified) if i not in forged]
        for seq, digest, author in store.author_positions(verified):
            if isinstance(seq, int) and (author not in heads or heads[author][0] < seq):
                heads[author] = (seq, digest)
        self._remember(lambda: self.personal.pin_heads(entry.id, roster.head_seq,
                                                       roster.head_hash, heads))

    def create_group(self, name: str) -> GroupEntry:
        check_name(name, "group name", max_chars=100)
        store = GroupStore.create(self.paths.hub, self.keypair, name, self.handle)
        self._stores[store.group_id] = store
        return self.personal.add_group(store.group_id, name, store.path)

    def set_notify(self, query: str, level: str) -> GroupEntry:
        if level not in NOTIFY_LEVELS:
            raise PeersError(f"unknown notify level {level!r}: use {', '.join(NOTIFY_LEVELS)}")
        entry = self.resolve(query)
        self.personal.set_notify(entry.id, level)
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

    def summary(self, entry: GroupEntry) -> GroupSummary:
        try:
            store = self.store(entry)
            roster = store.current_roster()  # replayed only if its membership changed
            member = roster.members.get(self.user_id)
            state = member.state if member else "not a member"
            role = member.role.label if member and member.state == ACTIVE else None
            unread, mentions = store.unread_counts(entry.read_marker, self.user_id, self.handle)
            warnings = self.pin_problems(entry, store) + membership_problems(roster)
            return GroupSummary(entry.id, entry.name, entry.personal, role, state, unread,
                                mentions, entry.notify, read_only=store.read_only,
                                warning=str(warnings[0]) if warnings else None,
                                archived=entry.archived, path=str(entry.db_path))
        except PeersError as exc:
            return GroupSummary(entry.id, entry.name, entry.personal, None, "damaged", 0, 0,
                                entry.notify, problem=str(exc), archived=entry.archived,
                                path=str(entry.db_path))

    # ----------------------------------------------------------------- membership
    def _group_store(self, query: str, *, shared: bool = False) -> tuple[GroupEntry, GroupStore]:
        entry = self.resolve(query)
        if shared and entry.personal:
            raise Forbidden("the personal group is yours alone: it has no invites, roles or members to change")
        return entry, self.store(entry)

    def invite(self, query: str, role: Role = Role.WRITER, uses: int | None = DEFAULT_USES,
               expires_in: int | None = DEFAULT_EXPIRES) -> InviteCode:
        """An invite code for `query`: by default good for one join within seven days;
        `uses` None = any number of joins, `expires_in` (seconds) None = never expires."""
        if uses is not None and uses < 1:
            raise PeersError("an invite must allow at least 1 use")
        entry, store = self._group_store(query, shared=True)
        expires_at = now_ms() + expires_in * 1000 if expires_in else None
        key = store.create_invite(self.keypair, role, expires_at, uses)
        self.pin_after_write(entry, store)
        return InviteCode(store.group_id, key)

    def invites(self, query: str) -> list[InviteView]:
        """The group's invites that could still admit someone (admins and owners only)."""
        from peers_tui.core.invite_list import outstanding_invites

        _, store = self._group_store(query, shared=True)
        role = store.current_roster().role_of(self.user_id)
        if role is None or role < Role.ADMIN:
            raise Forbidden("only admins and owners can list a group's invites")
        return outstanding_invites(store)

    def revoke(self, query: str, code_or_id: str) -> str:
        entry, store = self._group_store(query, shared=True)
        text = code_or_id.strip()
        if ":" in text:
            code = parse_code(text)
            if code.group_id != store.group_id:
                raise PeersError("that invite code belongs to another group")
            key = code.key.public_id
        else:
            if len(text) < MIN_PREFIX:
                raise PeersError(f"give at least {MIN_PREFIX} characters of the invite id")
            key = store.find_invite(text)
        store.revoke_invite(self.keypair, key)
        self.pin_after_write(entry, store)
        return key

    def join(self, code_text: str) -> GroupEntry:
        """Join with an invite code: sign our membership change, then list the group."""
        code = parse_code(code_text)
        path = self.paths.hub / f"{code.group_id}.db"
        try:
            found = path.exists() or path.is_symlink()
        except PermissionError as exc:
            raise Forbidden(f"you may not look into the hub {self.paths.hub} (permission "
                            "denied: is your user in the hub's Unix group?)") from exc
        if not found:
            raise NotFound(f"group {code.group_id} is not in your hub ({self.paths.hub})")
        store = GroupStore(path, code.group_id)
        store.genesis()
        roster = store.roster()
        already = roster.active(self.user_id) is not None
        if not already:
            store.join(self.keypair, self.handle, code.key)
        else:  # any code "worked" here once: a forged or expired one must still be refused
            check_code_of_member(store.invites()[0].get(code.key.public_id), roster, now_ms())
        self._stores[store.group_id] = store
        entry = self.personal.add_group(store.group_id, store.name, path)
        self.pin_after_write(entry, store)
        if already:
            raise AlreadyMember(f"already a member of {shown_name(entry.name)}", entry)
        return entry

    def members(self, query: str, include_former: bool = False) -> list[MemberView]:
        return self.members_checked(query, include_former)[0]

    def members_checked(self, query: str, include_former: bool = False
                        ) -> tuple[list[MemberView], list[Problem]]:
        """The verified roster, and what shows that the membership log was cut or forged."""
        entry, store = self._group_store(query)
        members = store.members(include_former)
        return members, self.pin_problems(entry, store) + membership_problems(store.current_roster())

    def find_member(self, store: GroupStore, query: str) -> Member:
        """A member by exact handle, then by id prefix (4+ characters)."""
        roster = store.roster()
        text = query.strip().lstrip("@")
        by_handle = [m for m in roster.members.values() if m.handle == text]
        active = [m for m in by_handle if m.state == ACTIVE]
        if len(active) == 1 or (len(by_handle) == 1 and not active):
            return (active or by_handle)[0]
        if len(active) > 1:
            raise Ambiguous(f"handle {text!r} is ambiguous; use an id prefix: "
                            + ", ".join(fingerprint(m.user_id) for m in active))
        if len(text) >= MIN_PREFIX:
            by_id = [m for m in roster.members.values() if m.user_id.startswith(text.lower())]
            if len(by_id) == 1:
                return by_id[0]
            if len(by_id) > 1:
                raise Ambiguous(f"member id prefix {text!r} is ambiguous")
        raise NotFound(f"no member {query!r} in this group")

    def set_role(self, query: str, member: str, role: Role) -> Member:
        entry, store = self._group_store(query, shared=True)
        target = self.find_member(store, member)
        changed = store.set_role(self.keypair, target.user_id, role)
        self.pin_after_write(entry, store)
        return changed

    def remove(self, query: str, member: str) -> Member:
        entry, store = self._group_store(query, shared=True)
        target = self.find_member(store, member)
        if target.user_id == self.user_id:
            raise PeersError("to leave a group use 'peers leave'")
        removed = store.remove(self.keypair, target.user_id)
        self.pin_after_write(entry, store)
        return removed

    def leave(self, query: str) -> GroupEntry:
        """Sign our leave in the group; the Groups table keeps it, shown as left."""
        entry, store = self._group_store(query, shared=True)
        store.leave(self.keypair)
        self.pin_after_write(entry, store)
        return entry

    # ----------------------------------------------------------------- messages
    def send(self, query: str, text: str, kind: str = "text",
             reply_to: str | None = None) -> MessageView:
        entry, store = self._group_store(query)
        self._sync_handle(store)
        view = store.post(self.keypair, without_blank_edges(text), kind, reply_to)
        self._read_up_to(entry, store, view.id)
        self.pin_after_write(entry, store)
        return view

    def _sync_handle(self, store: GroupStore) -> None:
        """Sign a handle change into the group when ours changed since we last wrote there."""
        member = store.roster().active(self.user_id)
        if member is not None and member.handle != self.handle:
            store.set_handle(self.keypair, self.handle)

    def edit(self, query: str, message: str, text: str) -> MessageView:
        entry, store = self._group_store(query)
        view = store.edit(self.keypair, message, without_blank_edges(text))
        self.pin_after_write(entry, store)
        return view

    def delete(self, query: str, message: str) -> MessageView:
        entry, store = self._group_store(query)
        view = store.delete(self.keypair, message)
        self.pin_after_write(entry, store)
        return view

    def set_topic(self, query: str, topic: str) -> MessageView:
        entry, store = self._group_store(query, shared=True)
        view = store.set_topic(self.keypair, topic)
        self.pin_after_write(entry, store)
        return view

    def topic(self, query: str) -> str | None:
        _, store = self._group_store(query)
        return store.topic()

    def search(self, query: str, text: str, limit: int = 50, offset: int = 0) -> list[MessageView]:
        if limit < 1:
            raise PeersError("--limit must be at least 1")
        _, store = self._group_store(query)
        return store.search(text, limit, offset)

    # Import and export pull in multiprocessing and friends: loaded only when used, so that
    # `peers send` and the TUI start without them.
    def import_history(self, query: str, lines: Iterable[str]) -> ImportResult:
        from peers_tui.core.transfer import Importer

        _, store = self._group_store(query, shared=True)
        return Importer(store, self.keypair).run(lines)

    def export_history(self, query: str, out: TextIO) -> int:
        from peers_tui.core.transfer import write_jsonl

        _, store = self._group_store(query)
        return write_jsonl(store, out)

    def export_views(self, query: str) -> Iterator[MessageView]:
        from peers_tui.core.transfer import export_views

        _, store = self._group_store(query)
        return export_views(store)

    def follow(self, query: str, timeout: float | None = None) -> Iterator[list[MessageView]]:
        """Yield batches of messages as other processes commit them (until `timeout` idles)."""
        from peers_tui.core.notifier import ChangeNotifier

        entry, store = self._group_store(query)
        notifier = ChangeNotifier()
        notifier.watch(entry.id, store.path)
        position = store.last_rowid()
        try:
            while True:
                if not notifier.wait(timeout):
                    if timeout is not None:
                        return
                    continue
                views, position = store.since(position)
                if views:
                    self._read_up_to(entry, store, max(views, key=lambda v: v.rowid).id)
                    yield views
        finally:
            notifier.close()

    def log(self, query: str, limit: int = 50, mark_read: bool = True) -> tuple[list[MessageView], list[Problem]]:
        """The last `limit` messages, verified, plus anything that shows history was cut."""
        if limit < 1:
            raise PeersError("--limit must be at least 1")
        entry, store = self._group_store(query)
        problems = self.pin_problems(entry, store)
        messages = store.recent(limit)
        if not problems:  # forged records elsewhere do not matter: only verified heads are pinned
            self.pin_read(entry, store, messages)
        problems += membership_problems(store.current_roster())
        if mark_read and messages:
            self._read_up_to(entry, store, max(messages, key=lambda v: v.rowid).id)
        return messages, problems

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
                problems = self.pin_problems(entry, store)
                problems += store.verify(progress(entry.name) if progress else None)
                if not problems:
                    heads = store.heads()
                    self._remember(lambda: self.personal.pin_heads(entry.id, *heads))
            except PeersError as exc:
                problems = [Problem("database", str(exc))]
            report[entry.id] = problems
        return report


def membership_problems(roster: Roster) -> list[Problem]:
    """Membership changes that did not count: a forged change, or a chain broken by deletion."""
    if not roster.problems:
        return []
    seq, reason = roster.problems[0]
    more = f" (and {len(roster.problems) - 1} more)" if len(roster.problems) > 1 else ""
    return [Problem("membership log", f"change {seq} does not count: {reason}{more}")]
