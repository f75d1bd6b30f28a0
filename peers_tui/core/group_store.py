"""GroupStore: one group's SQLite database, its signed records and the rules around them.

A thin facade over five parts, each with one job:

- `file` (core.group_file): the file, its per-call sessions, writability and genesis;
- `log` (core.membership_log): the membership log and the invites it may use;
- `timeline` (core.timeline) and `writer` (core.message_writes): messages read and written;
- `audit` (core.audit): verification of the whole file and the heads a user pins.

Every public method is synchronous and binds the shared Peewee models to this file for the
duration of the call only (`session()`), so many stores can be used from many threads.
"""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.audit import Audit
from peers_tui.core.group_file import (
    GROUP_FILE_MODE, GROUP_ID_LENGTH, GroupFile, Models, group_id_of,
)
from peers_tui.core.identity import Keypair
from peers_tui.core.membership_log import MembershipLog, require_role
from peers_tui.core.message_writes import (
    MAX_BODY_CHARS, MAX_TOPIC_CHARS, MESSAGE_TYPES, MessageWriter,
)
from peers_tui.core.models import GROUP_MODELS
from peers_tui.core.timeline import MIN_MESSAGE_PREFIX, Timeline


class GroupStore:
    """A group DB: genesis, membership log, invites and messages, verified on every read."""

    def __init__(self, path: Path, group_id: str, *, models: Models = GROUP_MODELS,
                 file: GroupFile | None = None, lendable: bool = False) -> None:
        self.file = file if file is not None else GroupFile(path, group_id, models=models,
                                                            lendable=lendable)
        self.path, self.group_id, self.models, self.db = (
            self.file.path, self.file.group_id, self.file.models, self.file.db)
        self.log = log = MembershipLog(self.file)
        self.timeline = timeline = Timeline(self.file, log)
        self.writer = writer = MessageWriter(self.file, log, timeline)
        self.audit = audit = Audit(self.file, log)
        # The file
        self.session, self.require_writable, self.close, self.genesis = (
            self.file.session, self.file.require_writable, self.file.close, self.file.genesis)
        self.check_group = self.file.check_group
        # The membership log and invites
        self.invites, self.roster, self.current_roster = log.invites, log.roster, log.current_roster
        self.membership_mark, self.members = log.membership_mark, log.members
        self.set_role, self.remove, self.leave = log.set_role, log.remove, log.leave
        self.set_handle, self.join = log.set_handle, log.join
        self.create_invite, self.revoke_invite = log.create_invite, log.revoke_invite
        self.find_invite, self.events = log.find_invite, log.events
        # Messages written
        self.post, self.edit, self.delete = writer.post, writer.edit, writer.delete
        self.set_topic, self._append_message = writer.set_topic, writer.append_message
        self.react = writer.react
        # Messages read
        self.recent, self.before, self.after = timeline.recent, timeline.before, timeline.after
        self.oldest, self.around, self.since = timeline.oldest, timeline.around, timeline.since
        self.last_rowid, self.newest_id = timeline.last_rowid, timeline.newest_id
        self.search, self.unread_counts = timeline.search, timeline.unread_counts
        self.arrival, self.topic = timeline.arrival, timeline.topic
        self.find_message, self.author_positions = timeline.find_message, timeline.author_positions
        # Verification and pins
        self.verify, self.heads, self.check_pins = audit.verify, audit.heads, audit.check_pins
        self.write_pins, self.invite_heads = audit.write_pins, audit.invite_heads

    @classmethod
    def create(cls, directory: Path, keypair: Keypair, name: str, handle: str, *,
               path: Path | None = None, models: Models = GROUP_MODELS) -> GroupStore:
        """Found a new group (see GroupFile.create) and return its store."""
        file = GroupFile.create(directory, keypair, name, handle, path=path, models=models)
        return cls(file.path, file.group_id, models=models, file=file)

    @property
    def label(self) -> str:
        return self.file.label

    @property
    def read_only(self) -> str | None:
        return self.file.read_only

    @property
    def name(self) -> str:
        return self.file.name

    @property
    def founder(self) -> str:
        return self.file.founder

    @property
    def roster_mark(self) -> tuple[object, ...] | None:
        return self.log.roster_mark


__all__ = [
    "GROUP_FILE_MODE", "GROUP_ID_LENGTH", "MAX_BODY_CHARS", "MAX_TOPIC_CHARS", "MESSAGE_TYPES",
    "MIN_MESSAGE_PREFIX", "GroupStore", "group_id_of", "require_role",
]
