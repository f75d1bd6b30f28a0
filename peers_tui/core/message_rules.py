"""What a message record must be, whoever writes or reads it: the role its kind needs, the
columns its row must hold, and how a new one is signed (core.message_writes through the models,
core.lean_post with plain sqlite3 for `peers send`; core.history reads them back)."""

from __future__ import annotations

from operator import attrgetter

from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import PeersError
from peers_tui.core.identity import Keypair
from peers_tui.core.ids import ulid_after, ulid_text, ulid_value
from peers_tui.core.kinds import MessageKind, RecordKind
from peers_tui.core.raw_values import open_stored, text_of
from peers_tui.core.records import PAST_64_BITS, RecordError, SignedRecord, past_64_bits, sign
from peers_tui.core.roles import Role
from peers_tui.core.text import check_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from collections.abc import Container, Iterable
    from typing import Any

    from peers_tui.core.roster import Roster

MAX_BODY_CHARS = 16_000
MAX_TOPIC_CHARS = 500
MESSAGE_TYPES = (MessageKind.TEXT, MessageKind.ACTION)
PRIMARY_KINDS = (MessageKind.TEXT, MessageKind.ACTION, MessageKind.TOPIC, MessageKind.IMPORTED)
EFFECT_KINDS = (MessageKind.EDIT, MessageKind.DELETE, MessageKind.REACT)
EDITABLE_KINDS = (MessageKind.TEXT, MessageKind.ACTION)
# The role an author needs (at the membership state the record names) for each kind.
REQUIRED_ROLE: dict[str, Role] = {
    MessageKind.TEXT: Role.WRITER, MessageKind.ACTION: Role.WRITER, MessageKind.EDIT: Role.WRITER,
    MessageKind.DELETE: Role.WRITER, MessageKind.REACT: Role.WRITER, MessageKind.TOPIC: Role.ADMIN,
    MessageKind.IMPORTED: Role.ADMIN}


def _fields_of(kind: Any) -> tuple[tuple[str, type], ...]:
    """The fields a message record of `kind` must hold, and their types, in the order checked."""
    fields = [("id", str), ("type", str), ("mseq", int), ("aseq", int), ("aprev", str)]
    if kind in ("text", "action", "topic", "imported", "edit", "react"):
        fields.append(("body", str))
    if kind in EFFECT_KINDS:
        fields.append(("target", str))
    if kind == "imported":
        fields += [("orig_id", str), ("orig_author", str), ("orig_time", int)]
    return tuple(fields)


# Worked out once a kind, not at every record (~2 us of a `peers verify` row).
_FIELDS = {str(kind): _fields_of(kind) for kind in REQUIRED_ROLE}
_BASE = _fields_of(None)  # any other kind (refused below, after its fields)
# The same, as (names, types) for a check in C of a record whose fields have exactly those
# types, as every record a peers wrote has: its fields are what JSON gives, never a subclass.
_EXACT = {kind: (tuple(name for name, _ in fields), tuple(type_ for _, type_ in fields))
          for kind, fields in _FIELDS.items()}


def expected_columns(record: SignedRecord) -> dict[str, Any]:
    """What each indexed column must hold for this record; the record is the truth."""
    data = record.data
    kind = data.get("type")
    exact = _EXACT.get(kind) if type(kind) is str else None
    # A bool is no int, and matches no type here; anything else not exactly of its type
    # (a subclass, a missing field) is judged by the loop, which names the field.
    if exact is None or tuple(map(type, map(data.get, exact[0]))) != exact[1]:
        for name, expected in _FIELDS.get(kind, _BASE) if type(kind) is str else _fields_of(kind):
            value = data.get(name)
            if not isinstance(value, expected) or isinstance(value, bool):
                raise RecordError(f"malformed {kind or 'message'} record (field {name})")
    if kind not in REQUIRED_ROLE:
        raise RecordError(f"unknown message kind {kind!r}")
    if kind == "react":
        from peers_tui.core.reactions import check_reaction_record  # reactions only

        check_reaction_record(data)
    reply = data.get("reply")
    if reply is not None and not isinstance(reply, str):
        raise RecordError("malformed reply")
    created = data["orig_time"] if kind == "imported" else record.created_at
    if past_64_bits(created):  # an import's time (a signed time is bounded by read_fields)
        raise RecordError(f"malformed {kind} record: its time is {PAST_64_BITS}")
    return dict(zip(COLUMNS, (data["id"], record.author, data["aseq"], kind, data.get("body", ""),
                              data.get("target"), reply, data.get("orig_id"), created)))


# The columns expected_columns gives, in its order, and a row's values of them as a tuple:
# core.history compares a row's with its record's in one go (not nine getattr and compares).
COLUMNS = ("id", "author", "author_seq", "kind", "body", "target", "reply_to", "orig_id",
           "created_at")
columns_in_order = attrgetter(*COLUMNS)


def check_post(body: str, kind: str) -> None:
    """PeersError unless `body` may be posted as a message of `kind`."""
    check_text(body, "message", max_chars=MAX_BODY_CHARS)
    if kind not in MESSAGE_TYPES:
        raise PeersError(f"unknown message kind {kind!r}")


# How far ahead of its own signed time an id may stand for a new id to follow it: a host whose
# clock runs fast is followed, a far-future id (a modified client's, up to the highest ULID
# there is) is not. Followed, one such id dragged every later id of the group up to it, and
# once the steps reached the highest ULID each new id fell back to the clock: below the
# ones before it, the log out of order for good (tenth attack pass, docs/relay.md). Judged
# by the row alone, not against the writer's clock: an id a minute short of a day ahead of
# the clock was followed by hosts whose clock was right and not by one two minutes slow,
# whose messages then stood above the others' for good (eleventh attack pass).
FOLLOW_AHEAD_MS = 24 * 60 * 60 * 1000
# The hub sequences the federation's records, and its clock bounds their signed times: a
# message signed more than FOLLOW_AHEAD_MS past it is refused, from a leaf (apply_batch) and
# from its own file (relay.rows), so no other host holds one (twelfth and thirteenth attack
# passes). A writer does not follow a row signed more than that past the hub's clock (as its
# relay last measured it, core.hub_refused; its own clock with no relay), the bound the hub
# refuses by (a host whose clock ran fast followed rows the hub refused: h-hubclock): such a row stays on the host it was written on, and every later
# message of that host, following it, was refused by the hub (its users cut off), or, in the
# moment before the hub's refusal reached `.link.json` (core.hub_refused), signed a day less
# ahead, taken by the hub and followed everywhere (h-aheadclock; it was twice the bound, for
# hosts behind the hub's clock: such a host now passes over a row the hub took only while
# that row is the newest and more than a day ahead of it; it follows the next one after it).
AHEAD_OF_HUB = "signed more than a day ahead of the hub's clock"
# The newest ids a writer looks through for one it may follow (a modified client's flood of
# far-ahead ids costs every write this many rows at most; past them the clock's id).
FOLLOW_LOOK = 1000
NEWEST_IDS = (f"SELECT id, created_at, record, sig FROM message ORDER BY id DESC"
              f" LIMIT {FOLLOW_LOOK}")


def followed(rows: Iterable[tuple[Any, Any, Any, Any]], roster: Roster,
             refused: Container[str] = (), hub_offset: int = 0) -> str | None:
    """The newest id (rows: id, created_at, record and sig, newest first) standing less than
    FOLLOW_AHEAD_MS ahead of its row's own time: the one a new id follows. Not one of
    `refused`, this host's messages the hub refused (core.hub_refused): no other host has
    them, and one signed a day ahead dragged every later writer of its host there. Only a row that
    is its record's, signed by someone allowed to post it, counts: its time column is anyone's
    who can write the file, and so is a record signed with a key of their own (one junk row of
    the year 5000 with that year there was followed by every writer of its host, and their
    genuine messages dragged the group's ids there on every host: twelfth attack pass).
    `hub_offset`: the hub's clock less this host's (core.hub_refused), so a row is followed
    only if signed at most a day past the HUB's clock, the bound the hub refuses by."""
    signed_by = now_ms() + hub_offset + FOLLOW_AHEAD_MS
    for id_, created, text, sig in rows:
        if not isinstance(id_, str) or not isinstance(created, int) or id_ in refused:
            continue
        try:
            ahead = (ulid_value(id_) >> 80) - created
        except ValueError:  # a forged, unparsable id: do not let it block posting
            continue
        if ahead <= FOLLOW_AHEAD_MS and _its_records(id_, created, text, sig, roster, signed_by):
            return id_
    return None


def _its_records(id_: str, created: int, text: Any, sig: Any, roster: Roster,
                 signed_by: int) -> bool:
    """Whether a row's id and time are those of its record, signed for this group by an author
    who held the role its kind needs in the state it names, not beyond a cut of theirs (one
    signature check a write: the newest genuine row is the one looked at)."""
    try:
        record = open_stored(None if text is None else text_of(text), sig,
                             group_id=roster.group_id, kind=RecordKind.MSG)
        columns = expected_columns(record)
    except RecordError:
        return False
    mseq, role = record.data["mseq"], roster.role_at(record.author, record.data["mseq"])
    # An imported row's time is its source's (`orig_time`), not when it was signed: its id
    # is followed only as far as a message's would be by its signed time (one dated in the
    # year 9000 dragged every later id there: thirteenth attack pass).
    return (columns["id"] == id_ and columns["created_at"] == created and role is not None
            and _id_time(id_) - record.created_at <= FOLLOW_AHEAD_MS
            and record.created_at <= signed_by
            and role >= REQUIRED_ROLE[columns["kind"]] and roster.cut_problem(
                record.author, columns["author_seq"], record.hash, mseq, created) is None)


def next_message_id(created_at: int, newest: Any) -> str:
    """A ULID for `created_at`, strictly above `newest` (`followed`), so ids follow commit
    order."""
    try:
        previous = ulid_value(newest) if newest else None
    except ValueError:  # a forged, unparsable id: do not let it block posting
        previous = None
    if previous is not None and (previous >> 80) - created_at > FOLLOW_AHEAD_MS:
        previous = None
    return ulid_text(ulid_after(created_at, previous))


def _id_time(text: Any) -> int:
    try:
        return ulid_value(text) >> 80
    except (TypeError, ValueError):
        return 0


def signed_message(keypair: Keypair, group_id: str, kind: MessageKind, fields: dict[str, Any],
                   link: dict[str, Any], floor: int, newest: Any, *,
                   created_at: int | None = None) -> tuple[SignedRecord, dict[str, Any]]:
    """A new message record by `keypair` after its chain `link` (never signed before `floor`,
    with an id above `newest`), and the columns its row must hold."""
    # A millisecond past the floor, not on it: signed on its author's previous record's time,
    # its id shared that millisecond and, following no row (a row the hub refused, one more
    # than a day past the clock), fell below that record half the time: her messages out of
    # order in every log while her chain stood ahead of her clock (h-aheadclock).
    created = max(now_ms() if created_at is None else created_at, floor + 1 if floor else 0)
    if created_at is None and newest:  # signed no earlier than the followed id's time less
        # the bound, so this one is followed too, whatever this host's clock says
        created = max(created, _id_time(newest) - FOLLOW_AHEAD_MS)
    record = sign(keypair, RecordKind.MSG, group_id, {
        "id": next_message_id(created, newest), "type": str(kind), **link, **fields},
        created_at=created)
    return record, expected_columns(record)
