"""The rules of author chains, decided from signed data alone (see core.chains, which reads
the rows these judge from a group file through the models; the lean send path, core.lean_post,
reads them with plain sqlite3 and calls the same functions).

Every record an author signs in a group (messages, edits, deletions, topics, imports, invites
and revocations) carries its place in that author's own chain (`aseq`) and the hash of the
record before it (`aprev`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from peers_tui.core.ids import canonical_ulid_value, ulid_text, ulid_value
from peers_tui.core.kinds import RecordKind
from peers_tui.core.opened_records import open_link, opened
from peers_tui.core.records import INT_MAX, INT_MIN, PAST_64_BITS, RecordError, SignedRecord

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

    from peers_tui.core.roster import Roster

# The record kinds that are links of an author chain.
CHAINED_KINDS = (RecordKind.MSG, RecordKind.INVITE, RecordKind.REVOKE)

# (author, aseq) -> record hash -> signed time, of records that may precede others. Several
# records may claim one place (a forked chain, or junk written into the file): the one a
# successor names by hash is its predecessor, whatever else sits there.
Predecessors = dict[tuple[str, int], dict[str, int]]


def signed_time(text: Any) -> int:
    """The `t` of a stored record's text, or 0 when it has none a reader could use."""
    try:
        value = json.loads(text).get("t") if isinstance(text, str) else None
    except (ValueError, AttributeError, RecursionError):
        return 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def signed_columns(message: bool, text: Any) -> list[Any]:
    """What the looked-up columns of a row must hold for its record: a message's target and
    type, an invite's or revocation's key and kind."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return [None, None, None]  # matches no row
    if not isinstance(data, dict):
        return [None, None, None]
    return [data.get("target"), data.get("type")] if message else [data.get("key"), data.get("k")]


FORKED = "forked chain: another record of its author holds the same place"
# Signing times a record may carry (epoch ms, 1970 to the end of 9998): beyond them no
# calendar shows it and SQLite cannot store it, so an honest client must never build on one.
SIGNED_TIMES = (0, 253_370_764_799_999)


def wanted_before(records: list[SignedRecord]) -> set[tuple[str, int]]:
    """The chain positions just before each of these records."""
    wanted = set()
    for record in records:
        aseq = record.data.get("aseq")
        if isinstance(aseq, int) and not isinstance(aseq, bool) and aseq > 1:
            wanted.add((record.author, aseq - 1))
    return wanted


def chain_fields(record: SignedRecord) -> tuple[int, str, int]:
    """(aseq, aprev, mseq) of a chained record; RecordError when any is malformed."""
    data = record.data
    aseq, aprev, mseq = data.get("aseq"), data.get("aprev"), data.get("mseq")
    if (not isinstance(aseq, int) or isinstance(aseq, bool) or not isinstance(aprev, str)
            or not isinstance(mseq, int) or isinstance(mseq, bool)):
        raise RecordError(f"malformed {record.kind} record (author chain)")
    if not (INT_MIN <= aseq <= INT_MAX and INT_MIN <= mseq <= INT_MAX):  # past_64_bits
        raise RecordError(f"malformed {record.kind} record: its chain place or membership state"
                          f" is {PAST_64_BITS}")
    return aseq, aprev, mseq


def check_chain(record: SignedRecord, chain: Predecessors, roster: Roster | None) -> None:
    """Place in the author's chain and time order; RecordError naming the first problem.

    Without a roster (invites, read before the membership log is replayed) the time floor of
    the author's own membership changes is left out; everything else is checked. With one, a
    non-member's record that fails here is refused as a non-member's (non_member): checked
    only then, so a genuine record costs nothing more.
    """
    try:
        _check_chain(record, chain, roster)
    except RecordError:
        reason = (non_member(record, roster) or _beyond_cut(record, roster)
                  if roster is not None else None)
        if reason is None:
            raise
        raise RecordError(reason) from None


def _beyond_cut(record: SignedRecord, roster: Roster) -> str | None:
    """The cut's reason for a record that fails its chain checks and lies beyond a cut of its
    author's: said before the chain's, as non_member's is. Its predecessor is in one host's
    file and not in another's, or another record holds that place there (the author signed
    again above the cut after joining again), so the chain's reason named the same void
    record differently from host to host: "does not follow its author's previous record" on
    the hub, the cut on the host that took it out (fifteenth acceptance pass; h-voidorigin)."""
    try:
        aseq, _, mseq = chain_fields(record)
    except RecordError:
        return None
    if mseq < 0 or mseq > roster.head_seq:
        return None
    return roster.cut_problem(record.author, aseq, record.hash, mseq, record.created_at)


def _check_chain(record: SignedRecord, chain: Predecessors, roster: Roster | None) -> None:
    aseq, aprev, mseq = chain_fields(record)
    if aseq < 1:
        raise RecordError("invalid author sequence")
    previous_time = 0
    if aseq == 1:
        if aprev != "":
            raise RecordError("first record of its author claims a predecessor")
    else:
        previous = chain.get((record.author, aseq - 1))
        if not previous:
            raise RecordError("an earlier record by this author is missing (history deleted)")
        if aprev not in previous:
            raise RecordError("does not follow its author's previous record (chain broken)")
        previous_time = previous[aprev]
    signed = record.created_at
    if not SIGNED_TIMES[0] <= signed <= SIGNED_TIMES[1]:
        raise RecordError("signing time out of range (before 1970 or after 9998)")
    if signed < previous_time:
        raise RecordError("backdated: signed earlier than its author's previous record")
    if (roster is not None and 0 <= mseq <= roster.head_seq
            and signed < roster.time_floor(record.author, mseq)):
        raise RecordError("backdated: signed earlier than its author's own membership change")
    if record.kind == "msg":
        # The log is ordered by id: an id older than the record's own signed time would
        # place it in the past. Imports keep their original place and say so. An id is a
        # ULID's own text: its lowercase spelling names the same ULID, yet is another key of
        # the message table that sorts after every id (a message pinned last in every log,
        # a copy of another member's id that no rule of one id saw).
        value = canonical_ulid_value(record.data.get("id"))
        if value is None:  # not canonical: which way
            try:
                value = ulid_value(str(record.data.get("id")))
            except ValueError as exc:
                raise RecordError("malformed message id (not a ULID)") from exc
            if ulid_text(value) != record.data.get("id"):
                raise RecordError("malformed message id (not a ULID's canonical text)")
        if record.data.get("type") != "imported" and value >> 80 < signed:
            raise RecordError("backdated: its id places it before the time it was signed")


def authority_problem(record: SignedRecord, roster: Roster) -> str | None:
    """Why a record that checks out on its own may not use the membership state it names:
    it names a state that does not exist, or it lies beyond a cut of its author's."""
    aseq, _, mseq = chain_fields(record)
    if mseq < 0 or mseq > roster.head_seq:
        return "refers to a membership state that does not exist"
    found = opened(record.text)  # its hash, once: SignedRecord.hash hashes the text each time
    return roster.cut_problem(record.author, aseq, found[1] if found else record.hash, mseq,
                              record.created_at)


NOT_A_MEMBER = "author was not a member when it was written"


def non_member(record: SignedRecord, roster: Roster) -> str | None:
    """NOT_A_MEMBER when the membership state the record names exists and does not list its
    author. Said before anything about its chain: a key that was no member has no chain that
    counts, and which of its records a host holds (a gap below one) must not change the
    reason from one host, or one reader, to the next."""
    mseq = record.data.get("mseq")
    if (isinstance(mseq, int) and not isinstance(mseq, bool) and 0 <= mseq <= roster.head_seq
            and roster.role_at(record.author, mseq) is None):
        return NOT_A_MEMBER
    return None


def own_record(author: str, aseq: Any, text: Any, sig: Any, group_id: str) -> SignedRecord | None:
    """The record of a row if it verifies as `author`'s own at place `aseq`, else None: its
    signature, kind and group, its author and place, a signing time a record may carry. A
    message opened lately is not verified again (opened_records.open_link)."""
    found = _own_link(author, aseq, text, sig, group_id)
    return None if found is None else found[0]


def _own_link(author: str, aseq: Any, text: Any, sig: Any,
              group_id: str) -> tuple[SignedRecord, str] | None:
    """own_record, with the text's hash."""
    try:
        found = open_link(text, sig, group_id=group_id, kinds=CHAINED_KINDS)
    except RecordError:
        return None
    record = found[0]
    if (record.author != author or record.data.get("aseq") != aseq
            or not SIGNED_TIMES[0] <= record.created_at <= SIGNED_TIMES[1]):
        return None
    return found


def holds_place(message: bool, author: Any, seq: Any, text: Any, columns: list[Any]) -> bool:
    """Whether a row read at a chain position holds it: a row whose looked-up columns are not
    its record's own is not where readers look for it (a message given a target leaves the
    log, a revocation given another key revokes nothing)."""
    return (isinstance(author, str) and isinstance(seq, int)
            and columns == signed_columns(message, text))


def by_hash(rows: dict[tuple[str, int], list[tuple[Any, Any]]], group_id: str) -> Predecessors:
    """The rows (text, signature) at each position as hash -> signed time, of those that are
    their author's record there.

    A row that does not verify as its author's own at its place (own_record: a bad
    signature, another author's key, another group's record, a text longer than any record)
    holds no place (rule 2: a place counts only from a row that verifies as that author's
    record): no relay sends it, so a record built on it would be genuine on the host whose
    file holds it and wait for it for good everywhere else. Most rows asked about are records
    of the window being read, opened here once for their own check too; a message opened
    lately costs a lookup (opened_records.open_link; docs/performance.md)."""
    found: Predecessors = {}
    for (author, aseq), candidates in rows.items():
        places = found[(author, aseq)] = {}
        for text, sig in candidates:
            own = _own_link(author, aseq, text, sig, group_id)
            if own is not None:
                places[own[1]] = own[0].created_at
    return found


def newest_own(author: str, group_id: str, rows: Iterable[tuple[Any, Any, Any]],
               best: tuple[int, str, int] | None) -> tuple[int, str, int] | None:
    """`best`, or the newest genuine place of `author`'s chain among `rows` (aseq, text, sig,
    newest first) if higher: rows that do not verify as the author's own are passed over, so
    however many junk rows sit on top, the newest genuine one below them is found. A place
    that is no integer (text, a fraction, bytes: junk) is passed over too: SQLite sorts it
    above every integer, and stopping there skipped the table's genuine rows below it."""
    for aseq, text, sig in rows:
        if not isinstance(aseq, int) or isinstance(aseq, bool):
            continue
        if best is not None and aseq <= best[0]:
            break
        record = own_record(author, aseq, text, sig, group_id)
        if record is not None:
            return (aseq, record.hash, record.created_at)
    return best


def build_on(head: tuple[int, str, int] | None,
             pin: tuple[int, str] | None) -> tuple[int, str, int] | None:
    """What the author's next record follows: the file's own head (aseq, hash, signed time),
    unless the author's own pin (personal.db: a record of theirs they signed here, which no
    one with only the group file can move) lies above it, or at its place with another hash
    (their pinned record deleted or altered in this file). Then it follows the pin: signed at
    a place they signed already it would fork their chain, and every host would void both
    records (README rule 2). The time floor stays the file's head's."""
    if pin is None or (head is not None and (head[0] > pin[0] or head[:2] == pin)):
        return head
    return (pin[0], pin[1], head[2] if head else 0)


def link_after(author: str, head: tuple[int, str, int] | None,
               roster: Roster, pin: tuple[int, str] | None = None) -> tuple[dict[str, Any], int]:
    """The chain fields of `author`'s record after `head` (under the membership state `roster`
    is at), and the earliest time it may be signed at: an honest client never signs
    backwards, whatever its clock did (see "backdated"). `pin`: the author's own pinned
    head, never signed at again (build_on)."""
    floor = max(head[2] if head else 0, roster.time_floor(author, roster.head_seq))
    head = build_on(head, pin)
    return ({"aseq": head[0] + 1 if head else 1, "aprev": head[1] if head else "",
             "mseq": roster.head_seq}, floor)
