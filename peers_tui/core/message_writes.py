"""Writing messages to a group: posts, edits, deletions and topics, each one signed record
checked against the writer's role and chained after their own previous record, in one
IMMEDIATE transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peers_tui.core import search
from peers_tui.core.chains import next_link
from peers_tui.core.own_place import insert_message
from peers_tui.core.errors import Forbidden, PeersError
from peers_tui.core.group_file import GroupFile
from peers_tui.core.hub_refused import writer_limits
from peers_tui.core.message_rules import (
    EDITABLE_KINDS, MAX_BODY_CHARS, MAX_TOPIC_CHARS, MESSAGE_TYPES, REQUIRED_ROLE, check_post,
    NEWEST_IDS, followed, signed_message,
)
from peers_tui.core.identity import Keypair
from peers_tui.core.kinds import MessageKind
from peers_tui.core.marks import check_marks
from peers_tui.core.membership import Roster
from peers_tui.core.membership_log import MembershipLog, require_role
from peers_tui.core.models import Message
from peers_tui.core.records import SignedRecord
from peers_tui.core.roles import Role
from peers_tui.core.text import check_text
from peers_tui.core.timeline import Timeline
from peers_tui.core.views import MessageView



class MessageWriter:
    """Signing and storing one group's message records."""

    def __init__(self, file: GroupFile, log: MembershipLog, timeline: Timeline) -> None:
        self.file = file
        self.log = log
        self.timeline = timeline

    def post(self, keypair: Keypair, body: str, kind: str = "text",
             reply_to: str | None = None, *, created_at: int | None = None) -> MessageView:
        """Sign and store a message by `keypair`; only writers and above may post.

        `created_at` is for sample data and tests with a fixed clock; it proves nothing anyway.
        """
        check_post(body, kind)
        fields: dict[str, Any] = {"body": body}
        with self.file.session():
            with self.file.db.atomic():
                if reply_to is not None:
                    fields["reply"] = self.timeline.primary(reply_to).id
                record, rowid = self.append_message(keypair, MessageKind(kind), fields,
                                                    created_at=created_at)
                search.index(self.file.db, rowid, body)
            # Read back after the commit, not before: the other users' screens wait for it.
            return self.timeline.views_of([record.data["id"]])[0]

    def edit(self, keypair: Keypair, message_id: str, body: str, *,
             created_at: int | None = None) -> MessageView:
        """Replace the text of one of your own messages (a new signed record refers to it)."""
        check_text(body, "message", max_chars=MAX_BODY_CHARS)
        with self.file.session(), self.file.db.atomic():
            target = self._changeable(message_id)
            if target.author != keypair.public_id:
                raise Forbidden("you can only edit your own messages")
            if target.kind not in EDITABLE_KINDS:
                raise Forbidden(f"a {target.kind} message cannot be edited")
            self.append_message(keypair, MessageKind.EDIT, {"target": target.id, "body": body},
                                 created_at=created_at)
            search.index(self.file.db, target.rowid, body)
            return self.timeline.views_of([target.id])[0]

    def delete(self, keypair: Keypair, message_id: str, *,
               created_at: int | None = None) -> MessageView:
        """Delete a message: your own, or anyone's if you are an admin or above."""
        with self.file.session(), self.file.db.atomic():
            target = self._changeable(message_id)

            def allowed(roster: Roster) -> None:
                role = roster.role_of(keypair.public_id) or Role.READER
                if target.author != keypair.public_id and role < Role.ADMIN:
                    raise Forbidden("only admins can delete other people's messages")

            self.append_message(keypair, MessageKind.DELETE, {"target": target.id}, check=allowed,
                                 created_at=created_at)
            search.unindex(self.file.db, target.rowid)
            return self.timeline.views_of([target.id])[0]

    def set_topic(self, keypair: Keypair, topic: str, *,
                  created_at: int | None = None) -> MessageView:
        check_marks(check_text(topic, "topic", max_chars=MAX_TOPIC_CHARS, multiline=False),
                    "topic")
        with self.file.session(), self.file.db.atomic():
            record, _ = self.append_message(keypair, MessageKind.TOPIC, {"body": topic},
                                             created_at=created_at)
            return self.timeline.views_of([record.data["id"]])[0]

    def react(self, keypair: Keypair, message_id: str, emoji: str, *,
              created_at: int | None = None) -> MessageView:
        """Toggle `keypair`'s reaction `emoji` on a message (core.reactions): a new signed
        record that puts it there, or takes it back if it is there already."""
        from peers_tui.core.reactions import check_emoji, reacted

        emoji = check_emoji(emoji)
        with self.file.session(), self.file.db.atomic():
            target = self._changeable(message_id)
            view = self.timeline.views_of([target.id])[0]
            if not view.verified:
                raise Forbidden("that message is not verified: it takes no reactions")
            on = not reacted(view.reactions, keypair.public_id, emoji)
            self.append_message(keypair, MessageKind.REACT,
                                 {"target": target.id, "body": emoji, "on": on},
                                 created_at=created_at)
            return self.timeline.views_of([target.id])[0]

    def append_message(self, keypair: Keypair, kind: MessageKind, fields: dict[str, Any], *,
                       created_at: int | None = None,
                       check: Callable[[Roster], None] | None = None) -> tuple[SignedRecord, int]:
        """Sign and store one message record by `keypair`, after the role check for `kind`.

        `check(roster)` may refuse the record with a clear error before anything is written.
        Returns the record and its rowid; all of it happens in one IMMEDIATE transaction.
        """
        self.file.require_writable()
        me = keypair.public_id
        roster = self.log.write_roster()  # checked in this transaction; pins reuse it
        require_role(roster, me, REQUIRED_ROLE[kind])
        if check is not None:
            check(roster)
        link, floor, place = next_link(me, self.file.group_id, roster, self.file.label,
                                       pin=self.file.pin_of(me, roster), kept=self.file.kept_of(me))
        # Nothing signed by a clock a day past the hub's (ClockAhead: hub_refused.check_clock)
        newest = followed(self.file.db.execute_sql(NEWEST_IDS), roster,  # not a far-future
                          *writer_limits(str(self.file.path.parent), self.file.group_id))
        # id, nor one the hub refused, nor one over a day past the hub's clock: see there
        record, columns = signed_message(keypair, self.file.group_id, kind, fields, link, floor,
                                         newest, created_at=created_at)
        # At `place` when junk was set aside there: above every row the table held
        # (core/own_place.py: the relays find new rows by rowid).
        rowid = insert_message({**columns, "record": record.text, "sig": record.sig}, place)
        return record, rowid

    def _changeable(self, message_id: str) -> Message:
        row = self.timeline.primary(message_id)
        if row.kind not in EDITABLE_KINDS + ("imported",):
            raise Forbidden(f"a {row.kind} record cannot be changed")
        if self.timeline.views_of([row.id])[0].deleted:
            raise PeersError("that message was deleted")
        return row


__all__ = ["MAX_BODY_CHARS", "MAX_TOPIC_CHARS", "MESSAGE_TYPES", "MessageWriter"]
