"""The timeline of a group: its messages read back in windows, since a point, by search, and
counted as unread; each message verified against the membership log as it is read.
"""

from __future__ import annotations

import json
from typing import Any

import peewee
from peewee import SQL

from peers_tui.core import search
from peers_tui.core.encoding import record_hash
from peers_tui.core.errors import NotFound, PeersError
from peers_tui.core.group_file import GroupFile
from peers_tui.core.kinds import MessageKind
from peers_tui.core.history import PRIMARY_KINDS, HistoryReader
from peers_tui.core.membership_log import MembershipLog
from peers_tui.core.mentions import names, replies_to
from peers_tui.core.models import Message, prepared
from peers_tui.core.raw import INTEGER_SEQ, text_of
from peers_tui.core.unread import GenuineMemo, current_bodies, unread_rows
from peers_tui.core.views import MessageView

MIN_MESSAGE_PREFIX = 6


class Timeline:
    """Reading one group's messages: windows, changes since a rowid, search and unread counts."""

    def __init__(self, file: GroupFile, log: MembershipLog) -> None:
        self.file = file
        self.log = log
        self._unread_memo = GenuineMemo()  # which unread rows were found genuine

    def recent(self, limit: int) -> list[MessageView]:
        """The last `limit` messages, oldest first, each verified, with edits applied."""
        return self._window(None, Message.id.desc(), limit)

    def _window(self, condition: Any, order: Any, limit: int) -> list[MessageView]:
        with self.file.session():
            query = Message.with_rowid().where(Message.target.is_null())
            if condition is not None:
                query = query.where(condition)
            rows = list(query.order_by(order).limit(limit))
            rows.sort(key=lambda row: text_of(row.id))  # NULL in a recreated table
            return HistoryReader(self.log.current_roster(), self.file.group_id).views(rows)

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

    def since(self, rowid: int, limit: int = 1000,
              older_than: str | None = None) -> tuple[list[MessageView], int]:
        """What was stored after `rowid`: new messages, and messages a new record changed.

        Returns the views (in storage order) and the rowid to continue from. With
        `older_than`, messages with a lower id (and changes to them) are passed over unread:
        a backfill's older page, which a reader not showing the top of the log has no use for.
        """
        with self.file.session():
            # Its text written once (models.prepared): Peewee writing it anew at every commit
            # cost more than SQLite reading the few new rows.
            rows = list(prepared(Message, ("since",), [rowid, limit], lambda: Message.with_rowid()
                                 .where(SQL("rowid") > rowid).order_by(SQL("rowid")).limit(limit)))
            if not rows:
                return [], rowid
            wanted = []
            for row in rows:
                message_id = row.target if row.target else row.id
                if older_than is not None and message_id < older_than:
                    continue
                if message_id not in wanted:
                    wanted.append(message_id)
            views = {v.id: v for v in self.views_of(wanted)}
            return [views[i] for i in wanted if i in views], rows[-1].rowid

    def last_rowid(self) -> int:
        with self.file.session():
            return Message.select(peewee.fn.MAX(SQL("rowid"))).scalar() or 0

    def search(self, query: str, limit: int, offset: int = 0) -> list[MessageView]:
        """Messages whose current text matches `query`, newest first (from the `offset`th),
        each verified."""
        with self.file.session():
            rowids = search.search_rowids(self.file.db, query, limit, offset)
            rows = list(Message.with_rowid().where(SQL("rowid").in_(rowids)))
            by_rowid = {row.rowid: view for row, view in zip(
                rows, HistoryReader(self.log.current_roster(), self.file.group_id).views(rows))}
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
        with self.file.session():
            since = self.arrival(marker) if marker else None
            rows = unread_rows(self.file.db, me, since, None if since else marker, cap)
            reader = HistoryReader(self.log.current_roster(), self.file.group_id)
            # Only what verifies counts (a forged row never rings the bell), with its current
            # text: a mention edited away no longer counts, a deleted message not at all.
            bodies = current_bodies(self._unread_memo.genuine(rows, reader, self.log.roster_mark), reader)
            replying = replies_to([row for row, _ in bodies], me, self.file.group_id)
        # core.mentions: the handle as a word, or a reply to a genuine message of ours.
        mentions = sum(1 for row, body in bodies if row.id in replying or names(body, handle))
        return len(bodies), mentions

    def arrival(self, message_id: str) -> int:
        """Where a message stands in the order rows were stored here (its rowid); 0 if absent."""
        with self.file.session():
            return (Message.select(SQL("rowid")).where(Message.id == message_id).scalar()) or 0

    def newest_id(self) -> str | None:
        with self.file.session():
            return Message.select(peewee.fn.MAX(Message.id)).scalar()

    def topic(self) -> str | None:
        """The newest genuine topic, or None."""
        with self.file.session():
            reader = HistoryReader(self.log.current_roster(), self.file.group_id)
            below: str | None = None
            while True:  # page down past forged topics, however many sit on top
                query = Message.with_rowid().where(Message.kind == MessageKind.TOPIC)
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
        with self.file.session():
            rows = list(Message.select(Message.id).where(
                (Message.id >= text) & (Message.id < text + "\uffff")
                & Message.target.is_null()).limit(2))
        if not rows:
            raise NotFound(f"no message {prefix!r} in this group")
        if len(rows) > 1 and rows[0].id != text:
            raise PeersError(f"message id {prefix!r} is ambiguous; give more characters")
        return rows[0].id

    def primary(self, message_id: str) -> Message:
        row = Message.with_rowid().where(Message.id == self.find_message(message_id)).first()
        if row is None or row.kind not in PRIMARY_KINDS:
            raise NotFound(f"no message {message_id!r} in this group")
        return row

    def views_of(self, ids: list[str]) -> list[MessageView]:
        # The ids as one JSON parameter, the text written once: an IN list costs Peewee a node
        # per id, and the live log asks at every commit.
        param = json.dumps(ids)
        rows = list(prepared(Message, ("views_of",), [param], lambda: Message.with_rowid().where(
            Message.id.in_(SQL("(SELECT value FROM json_each(?))", [param]))).order_by(Message.id)))
        return HistoryReader(self.log.current_roster(), self.file.group_id).views(rows)

    def author_positions(self, message_ids: list[str]) -> list[tuple[int, str, str]]:
        """(author_seq, record hash, author) of each given message: the heads worth pinning."""
        with self.file.session():
            rows = Message.select(Message.author_seq, Message.record, Message.author).where(
                Message.id.in_(message_ids) & INTEGER_SEQ)
            return [(row.author_seq, record_hash(text_of(row.record)), row.author) for row in rows]
