"""GroupStore: one group's SQLite database, its signed records and the rules around them.

Every public method is synchronous and binds the shared Peewee models to this file for the
duration of the call only (`session()`), so many stores can be used from many threads.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import peewee
from peewee import SQL

from peers_tui.core.database import (
    check_regular_file, connect, create_file, prepare_schema, storage_error, unwritable_reason,
)
from peers_tui.core.encoding import b32, now_ms, record_digest_b32, record_hash
from peers_tui.core.errors import (
    BadInvite, DamagedDatabase, Forbidden, NotFound, PeersError, ReadOnly,
)
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.chains import (
    FORKED, chain_fields, chain_heads, check_chain, own_head, predecessors, seen_head,
    wanted_before,
)
from peers_tui.core.membership import (
    ACTIVE, InviteTerms, Member, Roster, apply_change, check_handle, invite_terms,
)
from peers_tui.core import search
from peers_tui.core.ids import new_ulid, ulid_text, ulid_value
from peers_tui.core.history import (
    EDITABLE_KINDS, PRIMARY_KINDS, REQUIRED_ROLE, HistoryReader, expected_columns,
)
from peers_tui.core.models import (
    GROUP_MODELS, GroupInfo, GroupMember, Invite, Message, SetAsideChange,
)
from peers_tui.core.raw import (
    INTEGER_SEQ, UNEXPECTED_CONTENT, open_stored as open_record, text_of, unexpected_content,
)
from peers_tui.core.records import RecordError, SignedRecord, countersign, sign
from peers_tui.core.roles import Role, may_grant
from peers_tui.core.text import check_text
from peers_tui.core.unread import GenuineMemo, current_bodies, unread_rows
from peers_tui.core.mentions import names, replies_to
from peers_tui.core.views import MemberView, MessageView, Problem

if TYPE_CHECKING:
    from peers_tui.core.bulk_verify import Progress
    from peers_tui.core.events import EventView

GROUP_ID_LENGTH = 26
GROUP_FILE_MODE = 0o660
MAX_BODY_CHARS = 16_000
MAX_TOPIC_CHARS = 500
MESSAGE_TYPES = ("text", "action")
MIN_MESSAGE_PREFIX = 6
# Changes that end some of a member's authority record a cut (membership.Cut).
CUT_ACTIONS = ("remove", "role", "leave")
# Count, newest and total size of the membership log and of the invites (see membership_mark).
MEMBERSHIP_MARK = (
    "SELECT (SELECT COUNT(*) FROM group_members), (SELECT MAX(seq) FROM group_members),"
    " (SELECT TOTAL(LENGTH(record) + LENGTH(sig) + IFNULL(LENGTH(cosig), 0)) FROM group_members),"
    " (SELECT COUNT(*) FROM invite), (SELECT MAX(id) FROM invite),"
    " (SELECT TOTAL(LENGTH(record) + LENGTH(sig)) FROM invite)")


def group_id_of(genesis: SignedRecord) -> str:
    """The group id: the genesis record's hash, cut to 26 base32 characters."""
    return record_digest_b32(genesis.text)[:GROUP_ID_LENGTH]


class GroupStore:
    """A group DB: genesis, membership log, invites and messages, verified on every read."""

    def __init__(self, path: Path, group_id: str, *,
                 models: tuple[type[peewee.Model], ...] = GROUP_MODELS) -> None:
        self.path = path
        self.group_id = group_id
        self.models = models
        self.db = connect(path)
        self._prepared = False
        self._genesis: SignedRecord | None = None
        self._roster_memo: tuple[tuple[object, ...], Roster] | None = None
        self._invite_positions: frozenset[tuple[str, int]] = frozenset()
        self._unread_memo = GenuineMemo()  # which unread rows were found genuine

    # ----------------------------------------------------------------- opening and creating
    @classmethod
    def create(cls, directory: Path, keypair: Keypair, name: str, handle: str, *,
               path: Path | None = None,
               models: tuple[type[peewee.Model], ...] = GROUP_MODELS) -> GroupStore:
        """Found a new group: sign its genesis record and write it to a new DB file.

        With `path`, the (already created) file is used, as for the personal group in
        personal.db; otherwise the file is `<directory>/<group_id>.db`, created mode 0660.
        """
        check_text(name, "group name", max_chars=100)
        genesis = sign(keypair, "genesis", None,
                       {"name": name, "handle": check_handle(handle), "nonce": b32(os.urandom(10))})
        group_id = group_id_of(genesis)
        created = path is None
        if path is None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{group_id}.db"
            create_file(path, GROUP_FILE_MODE)
        store = cls(path, group_id, models=models)
        try:
            with store.session(create=True):
                GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
        except PeersError:
            if created:  # a full disk, say: leave no empty file behind in the hub
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            raise
        store._genesis = genesis
        return store

    @contextmanager
    def session(self, *, create: bool = False) -> Iterator[None]:
        """Bind the models to this file on this thread, with a connection, for one call."""
        try:
            # Every time, not only the first: a connection kept open (the live feed's) would
            # go on reading a file deleted since, and never say that it is gone.
            check_regular_file(self.path, readable=not self._prepared)
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

    @property
    def label(self) -> str:
        """How errors name this group: by name once its genesis was read, else by file."""
        if self._genesis is not None:
            return f"group {self._genesis.data.get('name', '')}"
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

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def genesis(self) -> SignedRecord:
        """The verified genesis record; DamagedDatabase if it does not produce our group id."""
        if self._genesis is None:
            with self.session():
                row = GroupInfo.get_or_none()
                if row is None:
                    raise DamagedDatabase(f"{self.path.name} has no genesis record")
                try:
                    record = open_record(row.record, row.sig, group_id=None, kind="genesis")
                except RecordError as exc:
                    raise DamagedDatabase(f"{self.path.name}: genesis record: {exc}") from exc
                if group_id_of(record) != self.group_id or row.id != self.group_id:
                    raise DamagedDatabase(
                        f"{self.path.name} holds a different group than {self.group_id} "
                        "(file swapped or forged)")
                self._genesis = record
        return self._genesis

    @property
    def name(self) -> str:
        return str(self.genesis().data.get("name", ""))

    @property
    def founder(self) -> str:
        return self.genesis().author

    # ----------------------------------------------------------------- membership
    def invites(self) -> tuple[dict[str, InviteTerms], list[Problem]]:
        """Every invite whose record, row and author chain check out, and the invite rows that
        failed. Whether an invite may still be used is decided at each join
        (membership._check_join), in the state that join extends; revocations are changes in
        the membership log."""
        terms: dict[str, InviteTerms] = {}
        problems: list[Problem] = []
        with self.session():
            rows = list(Invite.select().order_by(Invite.id))
            opened: list[tuple[Invite, SignedRecord | None, str | None]] = []
            for row in rows:
                try:
                    record = open_record(row.record, row.sig, group_id=self.group_id,
                                         kind=("invite", "revoke"))
                    aseq, _, _ = chain_fields(record)
                    if (record.data.get("key") != row.key or record.kind != row.kind
                            or record.author != row.author or aseq != row.author_seq):
                        raise RecordError("row does not match its signed record")
                    opened.append((row, record, None))
                except RecordError as exc:
                    opened.append((row, None, str(exc)))
            signed = [r for _, r, _ in opened if r is not None]
            chain = predecessors(wanted_before(signed))
            # Places of these chains that a message holds too: a chain its author forked.
            forked = set(predecessors({(r.author, r.data["aseq"]) for r in signed}, None,
                                      tables=(Message,)))
        self._invite_positions = frozenset((r.author, r.data["aseq"]) for r in signed)
        for row, record, problem in opened:
            try:
                if record is None:
                    raise RecordError(str(problem))
                check_chain(record, chain, None)
                if (record.author, record.data["aseq"]) in forked:
                    raise RecordError(FORKED)
                key = str(record.data.get("key"))
                if record.kind == "invite":
                    found = invite_terms(record)
                    if key in terms:
                        # Anyone can sign an invite naming someone else's invite key: keep
                        # every claimant; the join decides which one (if any) it may use.
                        first = terms[key]
                        if found.digest in {c.digest for c in (first, *first.alternatives)}:
                            raise RecordError("a copy of another invite row")
                        found = replace(first, alternatives=first.alternatives + (found,))
                    terms[key] = found
                else:  # a link of its author's chain, but it revokes nothing from here
                    raise RecordError("a revocation outside the membership log does not count")
            except RecordError as exc:
                problems.append(Problem(f"invite {str(row.key)[:8]}", str(exc)))
        return terms, problems

    def roster(self) -> Roster:
        """Replay the membership log; invalid changes are skipped and listed in `problems`."""
        genesis = self.genesis()
        roster = Roster.from_genesis(self.group_id, genesis.author, str(genesis.data.get("handle")))
        terms, invite_problems = self.invites()
        roster.invite_positions = self._invite_positions
        with self.session():
            # Two rows at one seq exist only in a table rebuilt without its key: the record
            # text breaks the tie, so the verdict never depends on the order rows were filed in.
            for row in GroupMember.select().order_by(GroupMember.seq, GroupMember.record):
                try:
                    record = open_record(row.record, row.sig, row.cosig,
                                         group_id=self.group_id, kind="member")
                    if record.data.get("member") != row.member:
                        raise RecordError("row does not match its signed record")
                    apply_change(roster, row.seq, record, terms)
                except RecordError as exc:
                    roster.problems.append((row.seq, str(exc)))
            for seq, reason in SetAsideChange.select(SetAsideChange.seq, SetAsideChange.reason).tuples():
                roster.problems.append((seq if isinstance(seq, int) else 0,
                                        f"set aside: {str(reason)[:200]}"))
        roster.invite_problems = invite_problems
        return roster

    def membership_mark(self) -> tuple[object, ...]:
        """A cheap fingerprint of the membership log and the invites: it changes whenever a row
        of either is added, removed or rewritten (to another length), without verifying any."""
        with self.session():
            return tuple(self.db.execute_sql(MEMBERSHIP_MARK).fetchone())

    def current_roster(self) -> Roster:
        """The roster for reading history: replayed again only when `membership_mark` moves.

        A replay verifies every membership and invite signature; a live log asks at every
        commit. Writes still replay afresh inside their transaction (`roster()`), so a cached
        roster can only ever be the last one verified, never a forged one.
        """
        mark = self.membership_mark()
        memo = self._roster_memo
        if memo is not None and memo[0] == mark:
            return memo[1]
        roster = self.roster()
        self._roster_memo = (mark, roster)
        return roster

    @property
    def roster_mark(self) -> tuple[object, ...] | None:
        """The `membership_mark` that the roster last read (`current_roster`) was checked at."""
        memo = self._roster_memo
        return memo[0] if memo is not None else None

    def members(self, include_former: bool = False) -> list[MemberView]:
        roster = self.current_roster()
        return [_member_view(member) for member in sorted(
            roster.members.values(), key=lambda m: (-m.role, m.handle.lower()))
            if include_former or member.state == ACTIVE]

    def _append_change(self, keypair: Keypair, action: str, member: str, fields: dict[str, Any],
                       *, invite_key: Keypair | None = None,
                       error: type[PeersError] = Forbidden) -> Member:
        """Sign and append one membership change, after checking it against the rules."""
        self.require_writable()
        with self.session(), self.db.atomic():
            roster = self.roster()
            terms, _ = self.invites()
            seq = roster.head_seq + 1
            self._set_aside(roster, seq)
            if action in CUT_ACTIONS:
                # The last record of theirs we have seen: what they sign beyond it under an
                # older membership state is void (membership.Cut).
                head = seen_head(member, self.group_id)
                fields = {**fields, "cut": [head[0], head[1]] if head else [0, ""]}
            record = sign(keypair, "member", self.group_id,
                          {"seq": seq, "prev": roster.head_hash, "action": action,
                           "member": member, **fields})
            if invite_key is not None:
                record = countersign(record, invite_key)
            try:
                apply_change(roster, seq, record, terms)
            except RecordError as exc:
                raise error(str(exc)) from exc
            GroupMember.create(seq=seq, member=member, record=record.text, sig=record.sig,
                               cosig=record.cosig)
            return roster.members[member]

    def _set_aside(self, roster: Roster, seq: int) -> None:
        """Move the rows at `seq` and above out of the log: none of them counted (the replay
        just said so, and the log has no gaps), and the next genuine change goes at `seq`.
        They are kept with their reason, so the attempt is still reported."""
        reasons = dict(roster.problems)
        for row in GroupMember.select().where(GroupMember.seq >= seq):
            SetAsideChange.create(seq=row.seq, member=row.member, record=row.record, sig=row.sig,
                                  cosig=row.cosig, reason=reasons.get(row.seq, "did not count"))
        GroupMember.delete().where(GroupMember.seq >= seq).execute()

    def set_role(self, keypair: Keypair, member: str, role: Role) -> Member:
        return self._append_change(keypair, "role", member, {"role": int(role)})

    def remove(self, keypair: Keypair, member: str) -> Member:
        return self._append_change(keypair, "remove", member, {})

    def leave(self, keypair: Keypair) -> Member:
        return self._append_change(keypair, "leave", keypair.public_id, {})

    def set_handle(self, keypair: Keypair, handle: str) -> Member:
        return self._append_change(keypair, "handle", keypair.public_id, {"handle": handle})

    def join(self, keypair: Keypair, handle: str, invite_key: Keypair) -> Member:
        """Append the joiner's own signed change, countersigned by the invite's key."""
        terms, _ = self.invites()
        found = terms.get(invite_key.public_id)
        if found is None:
            raise BadInvite("this invite code is not known to the group (wrong or forged code)")
        first_error: BadInvite | None = None
        for candidate in (found, *found.alternatives):  # several records may claim the key
            try:
                return self._append_change(
                    keypair, "join", keypair.public_id,
                    {"role": int(candidate.role), "handle": check_handle(handle),
                     "invite": candidate.key}, invite_key=invite_key, error=BadInvite)
            except BadInvite as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def create_invite(self, keypair: Keypair, role: Role, expires_at: int | None,
                      max_uses: int | None) -> Keypair:
        """Sign an invite record carrying a fresh invite key; return that key (the code's secret)."""
        invite_key = Keypair.generate()
        self.require_writable()
        with self.session(), self.db.atomic():
            roster = self.roster()
            mine = roster.role_of(keypair.public_id)
            if mine is None or mine < Role.ADMIN:
                raise Forbidden("only admins and owners can invite")
            if not may_grant(mine, role):
                raise Forbidden(f"{mine.with_article} cannot invite {role.with_article}")
            link, floor = self._chain_link(keypair.public_id, roster)
            record = sign(keypair, "invite", self.group_id, {
                "key": invite_key.public_id, "role": int(role), "expires": expires_at,
                "uses": max_uses, **link}, created_at=max(now_ms(), floor))
            Invite.create(key=invite_key.public_id, kind="invite", record=record.text,
                          sig=record.sig, author=record.author, author_seq=record.data["aseq"])
        return invite_key

    def revoke_invite(self, keypair: Keypair, key: str) -> None:
        """Revoke an invite: a change in the membership log, so it counts for every join
        after it and none before."""
        terms, _ = self.invites()
        if key not in terms:
            raise NotFound("no such invite in this group")
        self._append_change(keypair, "revoke", keypair.public_id, {"invite": key})

    def find_invite(self, prefix: str) -> str:
        """The full key of the invite whose id starts with `prefix`."""
        terms, _ = self.invites()
        matches = [key for key in terms if key.startswith(prefix.lower())]
        if not matches:
            raise NotFound(f"no invite {prefix!r} in this group")
        if len(matches) > 1:
            raise PeersError(f"invite id {prefix!r} is ambiguous; give more characters")
        return matches[0]

    def _chain_link(self, author: str, roster: Roster) -> tuple[dict[str, Any], int]:
        """The chain fields of `author`'s next record (after their newest one of any kind,
        under the membership state this write sees), and the earliest time it may be signed
        at: an honest client never signs backwards, whatever its clock did (see "backdated")."""
        head = own_head(author, self.group_id)
        floor = max(head[2] if head else 0, roster.time_floor(author, roster.head_seq))
        following = head[0] + 1 if head else 1
        if Message.select().where((Message.author == author)
                                  & (Message.author_seq == following)).exists():
            raise DamagedDatabase(
                f"{self.label}: a record you did not sign holds your next place in your chain "
                "(the file was tampered with; see 'peers verify'); nothing was written")
        return ({"aseq": following, "aprev": head[1] if head else "",
                 "mseq": roster.head_seq}, floor)

    # ----------------------------------------------------------------- messages
    def _append_message(self, keypair: Keypair, kind: str, fields: dict[str, Any], *,
                        created_at: int | None = None, check=None) -> tuple[SignedRecord, int]:
        """Sign and store one message record by `keypair`, after the role check for `kind`.

        `check(roster)` may refuse the record with a clear error before anything is written.
        Returns the record and its rowid; all of it happens in one IMMEDIATE transaction.
        """
        self.require_writable()
        me = keypair.public_id
        roster = self.roster()
        require_role(roster, me, REQUIRED_ROLE[kind])
        if check is not None:
            check(roster)
        link, floor = self._chain_link(me, roster)
        created = max(now_ms() if created_at is None else created_at, floor)
        message_id = self._next_id(created)
        record = sign(keypair, "msg", self.group_id, {
            "id": message_id, "type": kind, **link, **fields}, created_at=created)
        columns = expected_columns(record)
        rowid = Message.insert(**columns, record=record.text, sig=record.sig).execute()
        return record, rowid

    def post(self, keypair: Keypair, body: str, kind: str = "text",
             reply_to: str | None = None, *, created_at: int | None = None) -> MessageView:
        """Sign and store a message by `keypair`; only writers and above may post.

        `created_at` is for sample data and tests with a fixed clock; it proves nothing anyway.
        """
        check_text(body, "message", max_chars=MAX_BODY_CHARS)
        if kind not in MESSAGE_TYPES:
            raise PeersError(f"unknown message kind {kind!r}")
        fields: dict[str, Any] = {"body": body}
        with self.session(), self.db.atomic():
            if reply_to is not None:
                fields["reply"] = self._primary(reply_to).id
            record, rowid = self._append_message(keypair, kind, fields, created_at=created_at)
            search.index(self.db, rowid, body)
            return self._views_of([record.data["id"]])[0]

    def edit(self, keypair: Keypair, message_id: str, body: str, *,
             created_at: int | None = None) -> MessageView:
        """Replace the text of one of your own messages (a new signed record refers to it)."""
        check_text(body, "message", max_chars=MAX_BODY_CHARS)
        with self.session(), self.db.atomic():
            target = self._changeable(message_id)
            if target.author != keypair.public_id:
                raise Forbidden("you can only edit your own messages")
            if target.kind not in EDITABLE_KINDS:
                raise Forbidden(f"a {target.kind} message cannot be edited")
            self._append_message(keypair, "edit", {"target": target.id, "body": body},
                                 created_at=created_at)
            search.index(self.db, target.rowid, body)
            return self._views_of([target.id])[0]

    def delete(self, keypair: Keypair, message_id: str, *,
               created_at: int | None = None) -> MessageView:
        """Delete a message: your own, or anyone's if you are an admin or above."""
        with self.session(), self.db.atomic():
            target = self._changeable(message_id)

            def allowed(roster: Roster) -> None:
                role = roster.role_of(keypair.public_id) or Role.READER
                if target.author != keypair.public_id and role < Role.ADMIN:
                    raise Forbidden("only admins can delete other people's messages")

            self._append_message(keypair, "delete", {"target": target.id}, check=allowed,
                                 created_at=created_at)
            search.unindex(self.db, target.rowid)
            return self._views_of([target.id])[0]

    def set_topic(self, keypair: Keypair, topic: str, *,
                  created_at: int | None = None) -> MessageView:
        check_text(topic, "topic", max_chars=MAX_TOPIC_CHARS, multiline=False)
        with self.session(), self.db.atomic():
            record, _ = self._append_message(keypair, "topic", {"body": topic},
                                             created_at=created_at)
            return self._views_of([record.data["id"]])[0]

    def topic(self) -> str | None:
        """The newest genuine topic, or None."""
        with self.session():
            reader = HistoryReader(self.current_roster(), self.group_id)
            below: str | None = None
            while True:  # page down past forged topics, however many sit on top
                query = Message.with_rowid().where(Message.kind == "topic")
                if below is not None:
                    query = query.where(Message.id < below)
                rows = list(query.order_by(Message.id.desc()).limit(20))
                if not rows:
                    return None
                for view in reader.views(rows):  # newest first, as the rows
                    if view.verified:
                        return view.body
                below = str(rows[-1].id)

    def find_message(self, prefix: str) -> str:
        """The full id of the message whose id is (or starts with) `prefix`."""
        text = prefix.strip().upper()
        if len(text) < MIN_MESSAGE_PREFIX:
            raise PeersError(f"give at least {MIN_MESSAGE_PREFIX} characters of the message id")
        with self.session():
            rows = list(Message.select(Message.id).where(
                (Message.id >= text) & (Message.id < text + "\uffff")
                & Message.target.is_null()).limit(2))
        if not rows:
            raise NotFound(f"no message {prefix!r} in this group")
        if len(rows) > 1 and rows[0].id != text:
            raise PeersError(f"message id {prefix!r} is ambiguous; give more characters")
        return rows[0].id

    def _primary(self, message_id: str) -> Message:
        row = Message.with_rowid().where(Message.id == self.find_message(message_id)).first()
        if row is None or row.kind not in PRIMARY_KINDS:
            raise NotFound(f"no message {message_id!r} in this group")
        return row

    def _changeable(self, message_id: str) -> Message:
        row = self._primary(message_id)
        if row.kind not in EDITABLE_KINDS + ("imported",):
            raise Forbidden(f"a {row.kind} record cannot be changed")
        if self._views_of([row.id])[0].deleted:
            raise PeersError("that message was deleted")
        return row

    @staticmethod
    def _next_id(created_at: int) -> str:
        """A ULID for now, strictly above every id stored, so ids follow commit order."""
        candidate = ulid_text(new_ulid(created_at))
        newest = Message.select(peewee.fn.MAX(Message.id)).scalar()
        if newest and candidate <= newest:
            try:
                following = ulid_value(newest) + 1
            except ValueError:  # a forged, unparsable id: do not let it block posting
                return candidate
            if following < 1 << 128:  # past the highest id there is no valid one to take
                candidate = ulid_text(following)
        return candidate

    def _views_of(self, ids: list[str]) -> list[MessageView]:
        rows = list(Message.with_rowid().where(Message.id.in_(ids)).order_by(Message.id))
        return HistoryReader(self.current_roster(), self.group_id).views(rows)

    def recent(self, limit: int) -> list[MessageView]:
        """The last `limit` messages, oldest first, each verified, with edits applied."""
        return self._window(None, Message.id.desc(), limit)

    def _window(self, condition, order, limit: int) -> list[MessageView]:
        with self.session():
            query = Message.with_rowid().where(Message.target.is_null())
            if condition is not None:
                query = query.where(condition)
            rows = list(query.order_by(order).limit(limit))
            rows.sort(key=lambda row: text_of(row.id))  # NULL in a recreated table
            return HistoryReader(self.current_roster(), self.group_id).views(rows)

    def before(self, message_id: str, limit: int) -> list[MessageView]:
        """Up to `limit` messages older than `message_id`, oldest first."""
        return self._window(Message.id < message_id, Message.id.desc(), limit)

    def after(self, message_id: str, limit: int) -> list[MessageView]:
        """Up to `limit` messages newer than `message_id`, oldest first."""
        return self._window(Message.id > message_id, Message.id, limit)

    def oldest(self, limit: int) -> list[MessageView]:
        """The first `limit` messages of the whole history."""
        return self._window(None, Message.id, limit)

    def around(self, message_id: str, limit: int) -> list[MessageView]:
        """A window of about `limit` messages centred on `message_id` (which it includes)."""
        half = max(1, limit // 2)
        return (self._window(Message.id < message_id, Message.id.desc(), half)
                + self._window(Message.id >= message_id, Message.id, half))

    def since(self, rowid: int, limit: int = 1000) -> tuple[list[MessageView], int]:
        """What was stored after `rowid`: new messages, and messages a new record changed.

        Returns the views (in storage order) and the rowid to continue from.
        """
        with self.session():
            rows = list(Message.with_rowid().where(SQL("rowid") > rowid)
                        .order_by(SQL("rowid")).limit(limit))
            if not rows:
                return [], rowid
            wanted = []
            for row in rows:
                message_id = row.target if row.target else row.id
                if message_id not in wanted:
                    wanted.append(message_id)
            views = {v.id: v for v in self._views_of(wanted)}
            return [views[i] for i in wanted if i in views], rows[-1].rowid

    def last_rowid(self) -> int:
        with self.session():
            return Message.select(peewee.fn.MAX(SQL("rowid"))).scalar() or 0

    def search(self, query: str, limit: int, offset: int = 0) -> list[MessageView]:
        """Messages whose current text matches `query`, newest first (from the `offset`th),
        each verified."""
        with self.session():
            rowids = search.search_rowids(self.db, query, limit, offset)
            rows = list(Message.with_rowid().where(SQL("rowid").in_(rowids)))
            by_rowid = {row.rowid: view for row, view in zip(
                rows, HistoryReader(self.current_roster(), self.group_id).views(rows))}
            return [by_rowid[r] for r in rowids if r in by_rowid and not by_rowid[r].deleted]

    def unread_counts(self, marker: str | None, me: str, handle: str | None,
                      cap: int = 1000) -> tuple[int, int]:
        """(unread, mentions of handle: core.mentions) among messages by others stored after the read marker.

        Unread is by arrival (the order rows were stored in), not by id: a message stored late
        with an older id (imported, backdated, from another host) is new to the reader too.
        Both are bounded: only the newest `cap` unread messages are looked at, found by walking
        the rows backwards, so a never-read group of a million messages costs what one of a
        thousand does (the UI shows "999+" either way). Only genuine records count: each
        row's signature, columns, author chain, time order and authority are checked as the
        log checks them (a forged @mention must not ring the bell); verdicts are remembered
        (core.unread), so a recount checks only rows it has not seen.
        """
        with self.session():
            since = self.arrival(marker) if marker else None
            rows = unread_rows(self.db, me, since, None if since else marker, cap)
            reader = HistoryReader(self.current_roster(), self.group_id)
            # Only what verifies counts (a forged row never rings the bell), with its current
            # text: a mention edited away no longer counts, a deleted message not at all.
            bodies = current_bodies(self._unread_memo.genuine(rows, reader, self.roster_mark), reader)
            replying = replies_to([row for row, _ in bodies], me, self.group_id)
        # core.mentions: the handle as a word, or a reply to a genuine message of ours.
        mentions = sum(1 for row, body in bodies if row.id in replying or names(body, handle))
        return len(bodies), mentions

    def arrival(self, message_id: str) -> int:
        """Where a message stands in the order rows were stored here (its rowid); 0 if absent."""
        with self.session():
            return (Message.select(SQL("rowid")).where(Message.id == message_id).scalar()) or 0

    def newest_id(self) -> str | None:
        with self.session():
            return Message.select(peewee.fn.MAX(Message.id)).scalar()

    def author_positions(self, message_ids: list[str]) -> list[tuple[int, str, str]]:
        """(author_seq, record hash, author) of each given message: the heads worth pinning."""
        with self.session():
            rows = Message.select(Message.author_seq, Message.record, Message.author).where(
                Message.id.in_(message_ids) & INTEGER_SEQ)
            return [(row.author_seq, record_hash(text_of(row.record)), row.author) for row in rows]

    def change_ids(self, message_ids: list[str]) -> list[str]:
        """The ids of the edits and deletions aimed at the given messages."""
        with self.session():
            return [row.id for row in Message.select(Message.id).where(
                Message.target.in_(message_ids))]

    def invite_heads(self) -> dict[str, tuple[int, str]]:
        """Each author's newest invite that checked out: pinned like messages."""
        heads: dict[str, tuple[int, str]] = {}
        terms, _ = self.invites()
        for found in terms.values():
            for invite in (found, *found.alternatives):
                author, aseq = invite.signer, invite.aseq
                if aseq and (author not in heads or heads[author][0] < aseq):
                    heads[author] = (aseq, invite.digest)
        return heads

    def write_pins(self, author: str) -> tuple[int, str, dict[str, tuple[int, str]]]:
        """What a write pins: the membership head and the writer's own chain head."""
        roster = self.current_roster()
        with self.session():
            head = own_head(author, self.group_id)
        return roster.head_seq, roster.head_hash, ({author: (head[0], head[1])} if head else {})

    # ----------------------------------------------------------------- verification
    def verify(self, progress: Progress | None = None) -> list[Problem]:
        """Check every record and chain in the file; an empty list means all is genuine.

        `progress(done, total)` hears how far the messages' check has got (see bulk_verify).
        """
        problems: list[Problem] = []
        roster = self.roster()
        problems.extend(roster.invite_problems)
        problems.extend(Problem(f"membership change {seq}", reason) for seq, reason in roster.problems)
        problems.extend(self._void_invites(roster))
        from peers_tui.core.bulk_verify import check_messages  # multiprocessing: verify only

        problems.extend(check_messages(self, roster, progress))
        with self.session():
            orphans = Message.select(Message.id).where(
                Message.target.is_null(False)
                & Message.target.not_in(Message.select(Message.id).where(Message.target.is_null())))
            problems.extend(Problem(f"record {row.id}", "changes a message that is not in the file")
                            for row in orphans)
            problems.extend(self._chain_gaps())
            extra = GroupInfo.select().count() - 1
            if extra:  # only the row whose record hashes to the group id was ever read
                problems.append(Problem("genesis", f"{extra} more genesis rows in the file "
                                        "(written into it; ignored)"))
        return problems

    def _void_invites(self, roster: Roster) -> list[Problem]:
        """Invites signed under authority their author did not have."""
        problems = []
        terms, _ = self.invites()
        for found in terms.values():
            for invite in (found, *found.alternatives):
                role = roster.role_at(invite.signer, invite.member_seq)
                reason = roster.cut_problem(invite.signer, invite.aseq, invite.digest,
                                            invite.member_seq, invite.created_at)
                if reason is None and (role is None or role < Role.ADMIN
                                       or not may_grant(role, invite.role)):
                    reason = "made by someone not allowed to grant its role"
                if reason:
                    problems.append(Problem(f"invite {invite.key[:8]}", reason))
        return problems

    def _chain_gaps(self) -> list[Problem]:
        """Authors whose chains skip a place (a record was deleted) or hold two records in one
        place (a forked chain), counted over messages and invites together."""
        positions: dict[str, list[int]] = {}
        for table in (Message, Invite):
            for author, aseq in table.select(table.author, table.author_seq).tuples():
                if isinstance(author, str) and isinstance(aseq, int) and not isinstance(aseq, bool):
                    positions.setdefault(author, []).append(aseq)
        gaps = []
        for author, seqs in positions.items():
            distinct = set(seqs)
            missing = max(distinct) - len(distinct)
            if missing > 0:
                gaps.append(Problem(f"author {fingerprint(author)}",
                                    f"{missing} of their records are missing (history deleted)"))
            if len(seqs) > len(distinct):
                doubled = {seq for seq, count in Counter(seqs).items() if count > 1}
                held = predecessors({(author, seq) for seq in doubled})
                # The same record filed twice is a copy, not a fork its author made.
                forks = sum(1 for seq in doubled if len(held.get((author, seq), {})) > 1)
                if forks:
                    gaps.append(Problem(f"author {fingerprint(author)}",
                                        f"{forks} places of their chain hold two records "
                                        "(forked chain)"))
        return gaps

    def heads(self) -> tuple[int, str, dict[str, tuple[int, str]]]:
        """The verified membership head and each author's newest record: what we pin."""
        roster = self.roster()
        with self.session():
            return roster.head_seq, roster.head_hash, chain_heads()

    def check_pins(self, member_seq: int, member_hash: str | None,
                   authors: dict[str, tuple[int, str]]) -> list[Problem]:
        """Compare the file with the heads this user verified before: a cut shows here, and
        so does the whole file put back to an older copy of itself."""
        problems = []
        # The pinned change must still be one that counts (a row merely still being there is
        # not enough: a change filed below it could have broken the chain above).
        chain = self.current_roster().chain if member_seq and member_hash else {}
        with self.session():
            if member_seq and member_hash and chain.get(member_seq) != member_hash:
                problems.append(Problem("membership log", f"change {member_seq}, verified "
                                        "earlier, is gone or altered (history deleted)"))
            found = predecessors({(author, seq) for author, (seq, _) in authors.items()})
            for author, (seq, digest) in authors.items():
                if digest not in found.get((author, seq), {}):
                    problems.append(Problem(f"author {fingerprint(author)}",
                                            f"record {seq} of theirs, verified earlier, is gone "
                                            "or altered (history deleted)"))
        return problems

    def react(self, keypair: Keypair, message_id: str, emoji: str, *,
              created_at: int | None = None) -> MessageView:
        """Toggle `keypair`'s reaction `emoji` on a message (core.reactions): a new signed
        record that puts it there, or takes it back if it is there already."""
        from peers_tui.core.reactions import check_emoji, reacted

        emoji = check_emoji(emoji)
        with self.session(), self.db.atomic():
            target = self._changeable(message_id)
            if target.kind not in EDITABLE_KINDS + ("imported",):
                raise Forbidden(f"a {target.kind} record takes no reactions")
            view = self._views_of([target.id])[0]
            if not view.verified:
                raise Forbidden("that message is not verified: it takes no reactions")
            on = not reacted(view.reactions, keypair.public_id, emoji)
            self._append_message(keypair, "react", {"target": target.id, "body": emoji,
                                                    "on": on}, created_at=created_at)
            return self._views_of([target.id])[0]

    def events(self) -> list[EventView]:
        """The membership log as events of the history (core.events), in log order."""
        from peers_tui.core.events import membership_events

        roster = self.current_roster()
        terms, _ = self.invites()
        with self.session():
            return membership_events(roster, terms, str(self.genesis().data.get("handle")))


def require_role(roster: Roster, user_id: str, needed: Role) -> Role:
    """The user's role if it is at least `needed`; Forbidden with the reason otherwise."""
    member = roster.members.get(user_id)
    if member is None:
        raise Forbidden("you are not a member of this group")
    if member.state != ACTIVE:
        how = "left" if member.state == "left" else "were removed from"
        raise Forbidden(f"you cannot post: you {how} this group")
    if member.role < needed:
        if needed is Role.WRITER:
            raise Forbidden("readers cannot post in this group")
        raise Forbidden(f"only {needed.label}s and above can do that")
    return member.role


def _member_view(member: Member) -> MemberView:
    return MemberView(member.user_id, member.handle, fingerprint(member.user_id),
                      member.role.label, member.state)
