"""Reading a group's messages: verify each record, then apply edits, deletions and replies.

Every function here runs inside a GroupStore session (the models are bound to that file).
A record is shown as genuine only if its signature, its columns, its author's chain and its
author's role at the membership state it names all check out; otherwise it is shown with
the reason, never dropped.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any


from peers_tui.core.encoding import record_hash
from peers_tui.core.identity import fingerprint
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.raw import open_stored as open_record, text_of
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.roles import Role
from peers_tui.core.views import MessageView

PRIMARY_KINDS = ("text", "action", "topic", "imported")
EFFECT_KINDS = ("edit", "delete")
EDITABLE_KINDS = ("text", "action")
# The role an author needs (at the membership state the record names) for each kind.
REQUIRED_ROLE = {"text": Role.WRITER, "action": Role.WRITER, "edit": Role.WRITER,
                 "delete": Role.WRITER, "topic": Role.ADMIN, "imported": Role.ADMIN}
REPLY_PREVIEW = 60
MAX_SHOWN_CHARS = 16_000  # the longest message peers itself accepts


@dataclass(frozen=True)
class Checked:
    """A stored row and the outcome of checking it on its own."""

    row: Message
    record: SignedRecord | None
    problem: str | None

    @property
    def data(self) -> dict[str, Any]:
        return self.record.data if self.record else {}


def expected_columns(record: SignedRecord) -> dict[str, Any]:
    """What each indexed column must hold for this record; the record is the truth."""
    data = record.data
    kind = data.get("type")
    fields: dict[str, type | tuple[type, ...]] = {"id": str, "type": str, "mseq": int,
                                                  "aseq": int, "aprev": str}
    if kind in ("text", "action", "topic", "imported", "edit"):
        fields["body"] = str
    if kind in EFFECT_KINDS:
        fields["target"] = str
    if kind == "imported":
        fields.update(orig_id=str, orig_author=str, orig_time=int)
    for name, expected in fields.items():
        if not isinstance(data.get(name), expected) or isinstance(data.get(name), bool):
            raise RecordError(f"malformed {kind or 'message'} record (field {name})")
    if kind not in REQUIRED_ROLE:
        raise RecordError(f"unknown message kind {kind!r}")
    reply = data.get("reply")
    if reply is not None and not isinstance(reply, str):
        raise RecordError("malformed reply")
    return {
        "id": data["id"], "author": record.author, "author_seq": data["aseq"], "kind": kind,
        "body": data.get("body", ""), "target": data.get("target"), "reply_to": reply,
        "orig_id": data.get("orig_id"),
        "created_at": data["orig_time"] if kind == "imported" else record.created_at,
    }


Predecessors = dict[tuple[str, int], str]


def predecessors(rows: list[Message]) -> Predecessors:
    """The record hash of each row's predecessor in its author's chain, in one query.

    Most predecessors are in the same window; the rest are fetched together, so checking a
    window of N rows costs two queries rather than N.
    """
    have = {(row.author, row.author_seq): row.record for row in rows}
    wanted = {(row.author, row.author_seq - 1) for row in rows
              if isinstance(row.author_seq, int) and row.author_seq > 1}
    missing = [key for key in wanted if key not in have]
    for start in range(0, len(missing), 100):
        chunk = missing[start:start + 100]
        # OR of (author, seq) pairs, not a row-value IN: SQLite answers the former with one
        # index search per pair and the latter by scanning the whole index.
        condition = functools.reduce(operator.or_, [
            (Message.author == author) & (Message.author_seq == seq) for author, seq in chunk])
        query = Message.select(Message.author, Message.author_seq, Message.record).where(condition)
        have.update({(r.author, r.author_seq): r.record for r in query})
    return {key: record_hash(text_of(have[key])) for key in wanted if key in have}


def check_row(row: Message, roster: Roster, group_id: str,
              chain: Predecessors | None = None) -> Checked:
    """Check one row on its own: signature, columns, author chain and role."""
    try:
        record = open_record(row.record, row.sig, group_id=group_id, kind="msg")
        for column, value in expected_columns(record).items():
            if getattr(row, column) != value:
                raise RecordError("row does not match its signed record (edited in the file)")
        check_author_chain(record, predecessors([row]) if chain is None else chain)
    except RecordError as exc:
        return Checked(row, None, str(exc))
    return Checked(row, record, role_problem(record, roster))


def check_author_chain(record: SignedRecord, chain: Predecessors) -> None:
    aseq, aprev = record.data["aseq"], record.data["aprev"]
    if aseq < 1:
        raise RecordError("invalid author sequence")
    if aseq == 1:
        if aprev != "":
            raise RecordError("first record of its author claims a predecessor")
        return
    previous = chain.get((record.author, aseq - 1))
    if previous is None:
        raise RecordError("an earlier record by this author is missing (history deleted)")
    if previous != aprev:
        raise RecordError("does not follow its author's previous record (chain broken)")


def role_problem(record: SignedRecord, roster: Roster) -> str | None:
    """Why a correctly signed record is still not genuine, or None when it is."""
    member_seq = record.data.get("mseq")
    if not isinstance(member_seq, int) or member_seq < 0 or member_seq > roster.head_seq:
        return "refers to a membership state that does not exist"
    role = roster.role_at(record.author, member_seq)
    if role is None:
        return "author was not a member when it was written"
    needed = REQUIRED_ROLE[record.data["type"]]
    if role < needed:
        return f"author was {role.with_article} when it was written; it needs {needed.with_article}"
    return None


def effect_problem(effect: Checked, target: Checked, roster: Roster) -> str | None:
    """Why an edit or deletion may not change `target`, or None when it may."""
    if effect.problem:
        return effect.problem
    if target.record is None or target.data.get("type") not in EDITABLE_KINDS + ("imported",):
        return "changes a message that cannot be changed"
    kind = effect.data["type"]
    if effect.record.author == target.record.author:  # type: ignore[union-attr]
        return None
    if kind == "delete":
        role = roster.role_at(effect.record.author, effect.data["mseq"])  # type: ignore[union-attr]
        if role is not None and role >= Role.ADMIN:
            return None
        return "deleted by someone who is neither its author nor an admin"
    return "edited by someone other than its author"


class HistoryReader:
    """Turns stored rows into MessageViews for one group, inside a bound session."""

    def __init__(self, roster: Roster, group_id: str,
                 late_marks: dict[str, int] | None = None) -> None:
        self.roster = roster
        self.group_id = group_id
        self.late_marks = late_marks or {}

    def late_problem(self, item: Checked) -> str | None:
        """A removed member's record that claims an older membership state but was stored
        after this user had already seen the removal: it cannot be told from a forgery in
        time, so it is not shown as genuine."""
        if item.record is None:
            return None
        author = item.record.author
        mark = self.late_marks.get(author)
        member = self.roster.members.get(author)
        rowid = getattr(item.row, "rowid", 0) or 0
        if mark is None or member is None or member.state == "active" or rowid <= mark:
            return None
        if item.data.get("mseq", 0) < member.since_seq:
            return f"late: stored after you saw {member.handle} {member.state}"
        return None

    def handle(self, user_id: str) -> str:
        return self.roster.handle_of(user_id) or fingerprint(user_id)

    def views(self, rows: list[Message]) -> list[MessageView]:
        """Views of primary rows (messages, topics, imports), effects and replies applied."""
        effects = (list(Message.with_rowid().where(Message.target.in_([r.id for r in rows]))
                        .order_by(Message.id)) if rows else [])
        chain = predecessors(rows + effects)
        checked = {}  # by row, not by id: a row copied in the file shares its original's id
        by_id: dict[Any, Checked] = {}  # and the genuine one of them is what changes refer to
        for index, row in enumerate(rows):
            item = check_row(row, self.roster, self.group_id, chain)
            late = None if item.problem else self.late_problem(item)
            checked[index] = item = Checked(item.row, item.record, late) if late else item
            if row.id not in by_id or by_id[row.id].problem:
                by_id[row.id] = item
        edits: dict[str, str] = {}
        deleted: set[str] = set()
        forged: dict[str, str] = {}
        if checked:
            for row in effects:
                effect = check_row(row, self.roster, self.group_id, chain)
                target = by_id.get(row.target)
                if target is None:
                    continue
                problem = effect_problem(effect, target, self.roster)
                if problem:
                    forged[row.target] = f"a change to it is not genuine: {problem}"
                elif effect.data["type"] == "delete":
                    deleted.add(row.target)
                else:
                    edits[row.target] = effect.data["body"]
        replies = self._replies([c.data.get("reply") for c in checked.values()], by_id)
        result = []
        for item in checked.values():
            message_id = item.row.id
            result.append(self._view(item, edits.get(message_id), message_id in deleted,
                                     forged.get(message_id), replies))
        return result

    def _replies(self, ids: list[Any], known: dict[str, Checked]) -> dict[str, tuple[str, str]]:
        wanted = {i for i in ids if isinstance(i, str)}
        rows = {i: c.row for i, c in known.items() if i in wanted}
        missing = [i for i in wanted if i not in rows]
        if missing:
            rows.update({row.id: row for row in Message.select().where(Message.id.in_(missing))})
        previews = {}
        for message_id in wanted:
            row = rows.get(message_id)
            if row is None:
                previews[message_id] = ("?", "(message not found)")
                continue
            item = known.get(message_id) or check_row(row, self.roster, self.group_id)
            if item.record is None or item.problem:
                previews[message_id] = (self.handle(str(row.author)), "(unverified message)")
            else:
                body = str(item.data.get("body", ""))
                short = body if len(body) <= REPLY_PREVIEW else body[:REPLY_PREVIEW - 1] + "…"
                previews[message_id] = (self._author_name(item), short.replace("\n", " "))
        return previews

    def _author_name(self, item: Checked) -> str:
        if item.data.get("type") == "imported":
            return str(item.data.get("orig_author"))
        return self.handle(str(item.row.author))

    def _view(self, item: Checked, edit: str | None, deleted: bool, forged: str | None,
              replies: dict[str, tuple[str, str]]) -> MessageView:
        row, data = item.row, item.data
        author_id = str(row.author)
        problem = item.problem or forged
        kind = str(data.get("type", row.kind))
        body = "" if deleted else (edit if edit is not None else str(data.get("body", row.body)))
        if len(body) > MAX_SHOWN_CHARS:
            # Only a row written straight into the file can be this long; show a bounded part.
            body = body[:MAX_SHOWN_CHARS] + f"… ({len(body) - MAX_SHOWN_CHARS} more characters)"
        reply = data.get("reply") if isinstance(data.get("reply"), str) else None
        reply_author, reply_body = replies.get(reply, (None, None)) if reply else (None, None)
        return MessageView(
            id=str(row.id), author_id=author_id, author=self._author_name(item),
            fingerprint=fingerprint(author_id), body=body,
            created_at=row.created_at if isinstance(row.created_at, int) else 0,
            kind=kind, verified=problem is None, problem=problem, reply_to=reply,
            reply_author=reply_author, reply_body=reply_body, edited=edit is not None and not deleted,
            deleted=deleted, imported=kind == "imported", rowid=getattr(row, "rowid", 0) or 0)
