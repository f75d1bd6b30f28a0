"""Peewee models. They name no database: stores bind them per call to the right file.

GROUP_MODELS are the same schema in every group DB and in personal.db (the personal group);
PERSONAL_MODELS exist only in personal.db. No foreign key crosses the two lists, so binding
one list never drags the other along.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Self, cast

from peewee import SQL, Model, ModelSelect, Query
from playhouse.shortcuts import ThreadSafeDatabaseMetadata

from peers_tui.core.prepared_rows import PreparedRows

# Fields whose conversions never raise: the files are untrusted, any column may hold junk.
from peers_tui.core.raw import RawBlobField as BlobField
from peers_tui.core.raw import RawBooleanField as BooleanField
from peers_tui.core.raw import RawIntegerField as IntegerField
from peers_tui.core.raw import RawTextField as TextField


def tuples(query: Query) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as plain tuples, read once without caching them in the query.

    Peewee's typing sees model rows there; this says what they are."""
    return cast("Iterator[tuple[Any, ...]]", query.tuples().iterator())


_QUERY_TEXTS: dict[tuple[object, ...], str] = {}


def prepared(model: type[Model], shape: tuple[object, ...], params: list[Any],
             build: Callable[[], Query]) -> Query:
    """The query `build()` makes, run as raw SQL with `params`, its text written once per
    `shape`: Peewee writes a query's text anew at every run (~0.2 ms, more than SQLite takes
    to answer a small one), and the relay and the live log ask the same few at every commit.

    `shape` must name everything the text depends on besides the parameter values (the
    table, the number of ids...). The first run checks that the query's own parameters are
    exactly `params`, else the query is run as Peewee builds it and nothing is kept."""
    text = _QUERY_TEXTS.get(shape)
    if text is None:
        query = build()
        text, built = query.sql()
        if list(built) != list(params):
            return query
        _QUERY_TEXTS[shape] = text
    # Read without model objects (core.prepared_rows): the same attributes and conversions.
    return cast(Query, PreparedRows(model, text, params))


class BaseModel(Model):
    class Meta:
        # Thread workers bind models to different group DBs at once; without this metadata
        # class a worker could see another thread's binding and write to the wrong group.
        model_metadata_class = ThreadSafeDatabaseMetadata
        legacy_table_names = False


class GroupInfo(BaseModel):
    """The genesis record: the founder's signed GroupInfo, whose hash is the group id."""

    id = TextField(primary_key=True)
    record = TextField()
    sig = BlobField()


class GroupMember(BaseModel):
    """GroupMembers: the append-only, hash-chained log of signed membership changes."""

    seq = IntegerField(primary_key=True)
    member = TextField(index=True)
    record = TextField()
    sig = BlobField()
    cosig = BlobField(null=True)

    class Meta:
        table_name = "group_members"


class SetAsideChange(BaseModel):
    """A membership row that did not count, moved out of the way of the next genuine change
    (the log has no gaps) and kept, with the reason, so `peers verify` still reports it."""

    id = IntegerField(primary_key=True)
    seq = IntegerField(null=True)
    member = TextField(null=True)
    record = TextField(null=True)
    sig = BlobField(null=True)
    cosig = BlobField(null=True)
    reason = TextField(null=True)

    class Meta:
        table_name = "set_aside_changes"


class Invite(BaseModel):
    """Signed invite and revoke records; `key` is the invite's public key (its id).

    Both are links of their author's chain (with messages): `author` and `author_seq` mirror
    the record so chains can be followed by index. Nullable, so rows written against an older
    schema still insert (and then fail their checks instead of the insert).
    """

    id = IntegerField(primary_key=True)
    key = TextField(index=True)
    kind = TextField()
    record = TextField()
    sig = BlobField()
    author = TextField(null=True)
    author_seq = IntegerField(null=True)

    class Meta:
        indexes = ((("author", "author_seq"), False),)


class Message(BaseModel):
    """Messages and the records that refer to them. Nothing is updated in place.

    `target` is set on edits and deletions (the message they change); `reply_to` on replies;
    `orig_id` on imported records, unique per importer so importing twice adds nothing.
    The columns mirror the signed record for indexing; readers check they still agree.
    """

    id = TextField(primary_key=True)  # ULID: unique and time-sortable
    author = TextField()
    author_seq = IntegerField()
    kind = TextField()
    created_at = IntegerField()
    body = TextField()
    record = TextField()
    sig = BlobField()
    target = TextField(null=True)
    reply_to = TextField(null=True)
    orig_id = TextField(null=True)

    # Not a column: the SQLite rowid that `with_rowid()` selects alongside.
    rowid: int

    @classmethod
    def with_rowid(cls) -> ModelSelect[Self]:
        """Rows with their SQLite rowid (the order they were stored in) as `row.rowid`."""
        return cls.select(cls, SQL("rowid").alias("rowid"))

    class Meta:
        indexes = (
            (("author", "author_seq"), True),
            (("author", "orig_id"), True),
        )


class ForkEvidence(BaseModel):
    """A second record its author signed at a place of their chain that another record holds
    (the author equivocated), kept as evidence where its own table has no room for it: it
    arrived from another host, and the message table holds one record a place. Both records
    are void (core.forks), on every host alike. Also a void record a genuine one names
    (relay/chain_evidence.py), and a row of the message table that is no record of its
    author's, set aside there for a genuine record arriving at its place (relay/junk_places.py;
    `peers verify` names it): every reader verifies what it finds here.
    """

    id = IntegerField(primary_key=True)
    author = TextField(null=True)
    author_seq = IntegerField(null=True)
    kind = TextField()
    record = TextField()
    sig = BlobField()

    class Meta:
        table_name = "fork_evidence"
        indexes = ((("author", "author_seq"), False),)


# The tables whose rows are links of author chains (core.chains).
ChainedTable = type[Message] | type[Invite] | type[ForkEvidence]


class Group(BaseModel):
    """The Groups table: the user's own registry of the groups they want to take part in."""

    id = TextField(primary_key=True)
    name = TextField()
    db_path = TextField()
    personal = BooleanField(default=False)
    joined_at = IntegerField()
    read_marker = TextField(null=True)
    notify = TextField(default="all")
    sort_order = IntegerField(default=0)
    archived = BooleanField(default=False)
    # The last verified heads: the membership chain and each author's chain, so a file whose
    # history was cut back is reported as "history deleted" instead of silently accepted.
    member_head_seq = IntegerField(default=0)
    member_head_hash = TextField(null=True)
    author_heads = TextField(default="{}")
    # Unused since removals record a cut in the signed log (membership.Cut); kept so files
    # written by earlier versions still match the schema.
    removals = TextField(default="{}")

    class Meta:
        table_name = "groups"


class Setting(BaseModel):
    """Per-user settings such as the handle."""

    key = TextField(primary_key=True)
    value = TextField()


# Only edits and deletions have a target: a partial index keeps plain messages out of it.
Message.add_index(Message.index(Message.target, name="message_target").where(Message.target.is_null(False)))
# The current topic is the newest topic record: found without scanning every message.
Message.add_index(Message.index(Message.id, name="message_topics").where(Message.kind == "topic"))

GROUP_MODELS = (GroupInfo, GroupMember, SetAsideChange, Invite, Message, ForkEvidence)
PERSONAL_MODELS = (Group, Setting)

__all__ = [
    "BaseModel", "GROUP_MODELS", "PERSONAL_MODELS", "ForkEvidence",
    "Group", "GroupInfo", "GroupMember", "Invite", "Message", "SetAsideChange", "Setting",
]
