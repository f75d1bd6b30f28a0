"""GroupStore: one group's SQLite database, its signed records and the rules around them.

Every public method is synchronous and binds the shared Peewee models to this file for the
duration of the call only (`session()`), so many stores can be used from many threads.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import peewee
from ulid import ULID

from peers_tui.core.database import (
    check_regular_file, connect, create_file, describe_sqlite_error, prepare_schema,
)
from peers_tui.core.encoding import b32, now_ms, record_hash
from peers_tui.core.errors import BadInvite, DamagedDatabase, Forbidden, NotFound, PeersError
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.membership import (
    ACTIVE, InviteTerms, Member, Roster, apply_change, check_handle, invite_terms,
)
from peers_tui.core.models import GROUP_MODELS, GroupInfo, GroupMember, Invite, Message
from peers_tui.core.records import RecordError, SignedRecord, countersign, open_record, sign
from peers_tui.core.roles import Role, may_grant
from peers_tui.core.text import check_text
from peers_tui.core.views import MemberView, MessageView, Problem

GROUP_ID_LENGTH = 26
GROUP_FILE_MODE = 0o660
MAX_BODY_CHARS = 16_000
MESSAGE_TYPES = ("text", "action")


def group_id_of(genesis: SignedRecord) -> str:
    """The group id: the genesis record's hash, cut to 26 base32 characters."""
    return genesis.hash[:GROUP_ID_LENGTH]


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
        if path is None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{group_id}.db"
            create_file(path, GROUP_FILE_MODE)
        store = cls(path, group_id, models=models)
        with store.session(create=True):
            GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
        store._genesis = genesis
        return store

    @contextmanager
    def session(self, *, create: bool = False) -> Iterator[None]:
        """Bind the models to this file on this thread, with a connection, for one call."""
        try:
            if not self._prepared:
                check_regular_file(self.path)
            with self.db.connection_context(), self.db.bind_ctx(self.models, False, False):
                if not self._prepared:
                    prepare_schema(self.db, self.models, create=create)
                    self._prepared = True
                    if not create:
                        self.genesis()
                yield
        except (sqlite3.Error, peewee.DatabaseError, peewee.InterfaceError) as exc:
            raise DamagedDatabase(describe_sqlite_error(self.path, exc)) from exc
        except PermissionError as exc:
            raise DamagedDatabase(f"{self.path}: permission denied") from exc

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
        """Every verified invite with its revocations, and the invite rows that failed."""
        terms: dict[str, InviteTerms] = {}
        revokes: list[tuple[str, str, int]] = []
        problems: list[Problem] = []
        with self.session():
            for row in Invite.select().order_by(Invite.id):
                try:
                    record = open_record(row.record, row.sig, group_id=self.group_id,
                                         kind=("invite", "revoke"))
                    key = record.data.get("key")
                    if key != row.key or record.kind != row.kind:
                        raise RecordError("row does not match its signed record")
                    if record.kind == "invite":
                        if key in terms:
                            raise RecordError("duplicate invite")
                        terms[key] = invite_terms(record)
                    else:
                        member_seq = record.data.get("member_seq")
                        if not isinstance(member_seq, int):
                            raise RecordError("malformed revoke")
                        revokes.append((key, record.author, member_seq))
                except RecordError as exc:
                    problems.append(Problem(f"invite {str(row.key)[:8]}", str(exc)))
        for key, signer, member_seq in revokes:
            if key in terms:
                found = terms[key]
                terms[key] = replace(found, revocations=found.revocations + ((signer, member_seq),))
        return terms, problems

    def roster(self) -> Roster:
        """Replay the membership log; invalid changes are skipped and listed in `problems`."""
        genesis = self.genesis()
        roster = Roster.from_genesis(self.group_id, genesis.author, str(genesis.data.get("handle")))
        terms, invite_problems = self.invites()
        with self.session():
            for row in GroupMember.select().order_by(GroupMember.seq):
                try:
                    record = open_record(row.record, row.sig, row.cosig,
                                         group_id=self.group_id, kind="member")
                    if record.data.get("member") != row.member:
                        raise RecordError("row does not match its signed record")
                    apply_change(roster, row.seq, record, terms)
                except RecordError as exc:
                    roster.problems.append((row.seq, str(exc)))
        roster.invite_problems = invite_problems
        return roster

    def members(self, include_former: bool = False) -> list[MemberView]:
        roster = self.roster()
        return [_member_view(member) for member in sorted(
            roster.members.values(), key=lambda m: (-m.role, m.handle.lower()))
            if include_former or member.state == ACTIVE]

    def _append_change(self, keypair: Keypair, action: str, member: str, fields: dict[str, Any],
                       *, invite_key: Keypair | None = None,
                       error: type[PeersError] = Forbidden) -> Member:
        """Sign and append one membership change, after checking it against the rules."""
        with self.session(), self.db.atomic():
            roster = self.roster()
            terms, _ = self.invites()
            last = GroupMember.select(peewee.fn.MAX(GroupMember.seq)).scalar() or 0
            seq = last + 1
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
        return self._append_change(
            keypair, "join", keypair.public_id,
            {"role": int(found.role), "handle": check_handle(handle), "invite": found.key},
            invite_key=invite_key, error=BadInvite)

    def create_invite(self, keypair: Keypair, role: Role, expires_at: int | None,
                      max_uses: int | None) -> Keypair:
        """Sign an invite record carrying a fresh invite key; return that key (the code's secret)."""
        invite_key = Keypair.generate()
        with self.session(), self.db.atomic():
            roster = self.roster()
            mine = roster.role_of(keypair.public_id)
            if mine is None or mine < Role.ADMIN:
                raise Forbidden("only admins and owners can invite")
            if not may_grant(mine, role):
                raise Forbidden(f"{mine.with_article} cannot invite {role.with_article}")
            record = sign(keypair, "invite", self.group_id, {
                "key": invite_key.public_id, "role": int(role), "expires": expires_at,
                "uses": max_uses, "member_seq": roster.head_seq})
            Invite.create(key=invite_key.public_id, kind="invite", record=record.text, sig=record.sig)
        return invite_key

    def revoke_invite(self, keypair: Keypair, key: str) -> None:
        with self.session(), self.db.atomic():
            terms, _ = self.invites()
            found = terms.get(key)
            if found is None:
                raise NotFound("no such invite in this group")
            roster = self.roster()
            mine = roster.role_of(keypair.public_id)
            if keypair.public_id != found.signer and (mine is None or mine < Role.ADMIN):
                raise Forbidden("only admins and the invite's maker can revoke it")
            record = sign(keypair, "revoke", self.group_id,
                          {"key": key, "member_seq": roster.head_seq})
            Invite.create(key=key, kind="revoke", record=record.text, sig=record.sig)

    def find_invite(self, prefix: str) -> str:
        """The full key of the invite whose id starts with `prefix`."""
        terms, _ = self.invites()
        matches = [key for key in terms if key.startswith(prefix.lower())]
        if not matches:
            raise NotFound(f"no invite {prefix!r} in this group")
        if len(matches) > 1:
            raise PeersError(f"invite id {prefix!r} is ambiguous; give more characters")
        return matches[0]

    # ----------------------------------------------------------------- messages
    def post(self, keypair: Keypair, body: str, kind: str = "text") -> MessageView:
        """Sign and store a message by `keypair`; only writers and above may post."""
        check_text(body, "message", max_chars=MAX_BODY_CHARS)
        if kind not in MESSAGE_TYPES:
            raise PeersError(f"unknown message kind {kind!r}")
        me = keypair.public_id
        with self.session(), self.db.atomic():
            roster = self.roster()
            require_writer(roster, me)
            last = (Message.select().where(Message.author == me)
                    .order_by(Message.author_seq.desc()).first())
            created_at = now_ms()
            message_id = self._next_id(created_at)
            record = sign(keypair, "msg", self.group_id, {
                "id": message_id, "type": kind, "body": body, "mseq": roster.head_seq,
                "aseq": last.author_seq + 1 if last else 1,
                "aprev": record_hash(last.record) if last else "",
            }, created_at=created_at)
            Message.create(id=message_id, author=me, author_seq=record.data["aseq"], kind=kind,
                           created_at=created_at, body=body, record=record.text, sig=record.sig)
            return self._view_of(record, roster, None)

    @staticmethod
    def _next_id(created_at: int) -> str:
        """A ULID for now, strictly above every id stored, so ids follow commit order."""
        candidate = ULID.from_timestamp(created_at / 1000)
        newest = Message.select(peewee.fn.MAX(Message.id)).scalar()
        if newest and str(candidate) <= newest:
            try:
                candidate = ULID.from_int(int(ULID.from_str(newest)) + 1)
            except ValueError:  # a forged, unparsable id: do not let it block posting
                pass
        return str(candidate)

    def recent(self, limit: int) -> list[MessageView]:
        """The last `limit` messages, oldest first, each verified."""
        with self.session():
            roster = self.roster()
            rows = list(Message.select().order_by(Message.id.desc()).limit(limit))
            rows.reverse()
            return [self._verify_row(row, roster) for row in rows]

    def count_after(self, marker: str | None, exclude_author: str,
                    mention: str | None = None) -> int:
        """Messages newer than the read marker by others (optionally only those naming @mention)."""
        with self.session():
            query = Message.select().where(Message.author != exclude_author)
            if marker:
                query = query.where(Message.id > marker)
            if mention:
                query = query.where(Message.body.contains(f"@{mention}"))
            return query.count()

    def newest_id(self) -> str | None:
        with self.session():
            return Message.select(peewee.fn.MAX(Message.id)).scalar()

    def author_positions(self, message_ids: list[str]) -> list[tuple[int, str, str]]:
        """(author_seq, record hash, author) of each given message: the heads worth pinning."""
        with self.session():
            rows = Message.select(Message.author_seq, Message.record, Message.author).where(
                Message.id.in_(message_ids))
            return [(row.author_seq, record_hash(row.record), row.author) for row in rows]

    def _verify_row(self, row: Message, roster: Roster) -> MessageView:
        try:
            record = open_record(row.record, row.sig, group_id=self.group_id, kind="msg")
            data = record.data
            if (data.get("id") != row.id or record.author != row.author
                    or data.get("aseq") != row.author_seq or data.get("body") != row.body
                    or data.get("type") != row.kind or record.created_at != row.created_at):
                raise RecordError("row does not match its signed record (edited in the file)")
            self._check_author_chain(record)
            problem = message_role_problem(record, roster)
        except RecordError as exc:
            return self._unverified_view(row, roster, str(exc))
        return self._view_of(record, roster, problem)

    def _check_author_chain(self, record: SignedRecord) -> None:
        aseq, aprev = record.data.get("aseq"), record.data.get("aprev")
        if not isinstance(aseq, int) or aseq < 1:
            raise RecordError("invalid author sequence")
        if aseq == 1:
            if aprev != "":
                raise RecordError("first message of its author claims a predecessor")
            return
        previous = Message.get_or_none((Message.author == record.author)
                                       & (Message.author_seq == aseq - 1))
        if previous is None:
            raise RecordError("an earlier message by this author is missing (history deleted)")
        if record_hash(previous.record) != aprev:
            raise RecordError("does not follow its author's previous message (chain broken)")

    def _view_of(self, record: SignedRecord, roster: Roster, problem: str | None) -> MessageView:
        data = record.data
        return MessageView(
            id=str(data.get("id")), author_id=record.author,
            author=roster.handle_of(record.author) or fingerprint(record.author),
            fingerprint=fingerprint(record.author), body=str(data.get("body", "")),
            created_at=record.created_at, kind=str(data.get("type")),
            verified=problem is None, problem=problem)

    def _unverified_view(self, row: Message, roster: Roster, problem: str) -> MessageView:
        author = str(row.author)
        return MessageView(
            id=str(row.id), author_id=author,
            author=roster.handle_of(author) or fingerprint(author),
            fingerprint=fingerprint(author), body=str(row.body),
            created_at=row.created_at if isinstance(row.created_at, int) else 0,
            kind=str(row.kind), verified=False, problem=problem)

    # ----------------------------------------------------------------- verification
    def verify(self) -> list[Problem]:
        """Check every record and chain in the file; an empty list means all is genuine."""
        problems: list[Problem] = []
        roster = self.roster()
        problems.extend(roster.invite_problems)
        problems.extend(Problem(f"membership change {seq}", reason) for seq, reason in roster.problems)
        with self.session():
            for row in Message.select().order_by(Message.id):
                view = self._verify_row(row, roster)
                if not view.verified:
                    problems.append(Problem(f"message {view.id}", f"{view.problem}"))
            problems.extend(self._chain_gaps())
        return problems

    def _chain_gaps(self) -> list[Problem]:
        """Authors whose sequence numbers skip: a message of theirs was deleted."""
        gaps = []
        query = (Message.select(Message.author, peewee.fn.MAX(Message.author_seq).alias("top"),
                                peewee.fn.COUNT(Message.id).alias("n"))
                 .group_by(Message.author))
        for row in query:
            if row.top != row.n:
                gaps.append(Problem(f"author {fingerprint(row.author)}",
                                    f"{row.top - row.n} of their messages are missing (history deleted)"))
        return gaps

    def heads(self) -> tuple[int, str, dict[str, tuple[int, str]]]:
        """The verified membership head and each author's newest message: what we pin."""
        roster = self.roster()
        authors: dict[str, tuple[int, str]] = {}
        with self.session():
            for row in (Message.select(Message.author, peewee.fn.MAX(Message.author_seq).alias("top"))
                        .group_by(Message.author)):
                latest = Message.get((Message.author == row.author) & (Message.author_seq == row.top))
                authors[row.author] = (row.top, record_hash(latest.record))
        return roster.head_seq, roster.head_hash, authors

    def check_pins(self, member_seq: int, member_hash: str | None,
                   authors: dict[str, tuple[int, str]]) -> list[Problem]:
        """Compare the file with the heads this user verified before: a cut shows here."""
        problems = []
        with self.session():
            if member_seq and member_hash:
                row = GroupMember.get_or_none(GroupMember.seq == member_seq)
                if row is None or record_hash(row.record) != member_hash:
                    problems.append(Problem("membership log", f"change {member_seq}, verified "
                                            "earlier, is gone or altered (history deleted)"))
            for author, (seq, digest) in authors.items():
                row = Message.get_or_none((Message.author == author) & (Message.author_seq == seq))
                if row is None or record_hash(row.record) != digest:
                    problems.append(Problem(f"author {fingerprint(author)}",
                                            f"message {seq} of theirs, verified earlier, is gone "
                                            "or altered (history deleted)"))
        return problems


def require_writer(roster: Roster, user_id: str) -> Role:
    """The user's role if they may post; Forbidden with the reason otherwise."""
    member = roster.members.get(user_id)
    if member is None:
        raise Forbidden("you are not a member of this group")
    if member.state != ACTIVE:
        raise Forbidden(f"you cannot post: you {'left' if member.state == 'left' else 'were removed from'} this group")
    if member.role < Role.WRITER:
        raise Forbidden("readers cannot post in this group")
    return member.role


def message_role_problem(record: SignedRecord, roster: Roster) -> str | None:
    """Why a correctly signed message is still not genuine, or None when it is."""
    member_seq = record.data.get("mseq")
    if not isinstance(member_seq, int) or member_seq < 0 or member_seq > roster.head_seq:
        return "refers to a membership state that does not exist"
    role = roster.role_at(record.author, member_seq)
    if role is None:
        return "author was not a member when it was written"
    if role < Role.WRITER:
        return "author was a reader when it was written"
    return None


def _member_view(member: Member) -> MemberView:
    return MemberView(member.user_id, member.handle, fingerprint(member.user_id),
                      member.role.label, member.state)
