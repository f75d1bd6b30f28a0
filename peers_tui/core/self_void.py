"""A record void for its own checks holds no place of its author's chain (docs/relay.md, "A
self-void record holds no place (h-forkhalf)").

The fork rule (core.forks) voids every record at a place two records of its author hold. A
record that no reader anywhere takes as genuine, whatever else the files hold, must not be
one of the two: signed with a member's key at the next place of their chain but backdated
(say), it was refused at the hub (its relay refused it from the hub's own file), so the
member's genuine record at that place was void on the hub, kept as evidence only on the
hosts the hub carried it to, and live on the host it was written on: three verdicts. As a
record void by a cut (Roster.beyond_cut) already was, it is left out: the genuine one holds
the place everywhere.

"Void for its own checks" is what every host computes alike from the record and what it
names, never from which other records a host holds:
- the record itself: its chain fields, its place (a first record naming no predecessor), its
  message fields and id (a message's kind and fields, a ULID id in its canonical text, not
  older than the record's signed time), its signing time's range (chain_rules.check_chain,
  message_rules.expected_columns);
- the record it names as its predecessor, by hash (so the same record on every host): signed
  earlier than that one, it is backdated. Where the file does not hold the named record
  (history not received yet, or a chain broken) nothing is said: the record counts at its
  place, as before (a genuine record naming the same predecessor waits for it too);
- the membership state it names, with the roster (the one order every host replays): its
  author no member there, a role below what its kind needs, signed before its author's own
  membership change, or a state beyond the head of that order. A relay holds every record
  naming a state not received yet until it is (relay/apply_singly, batch_admit), so the
  only records in a file naming one are written there around the relay, which refuses
  them: a genuine record of that place holds it on every host ("Refused on its own host
  (h-refusedown)" in docs/relay.md; it said nothing before, and such a record forked its
  author's genuine one). Should the order reach that state one day, the record is judged
  there as any other (a second record of a member's key at a place is a fork).
Only ever a reason a reader voids the record for anyway (history.HistoryReader's checks,
a subset of them), so leaving such a record out never makes a void record live, nor two
live records of one place: at most one record a place not void on its own can be live, and
two such are a fork as before. Nobody without the author's key can sign one, so a file
writer voids nothing with it.
"""

from __future__ import annotations

from peers_tui.core.chain_rules import NOT_A_MEMBER, check_chain
from peers_tui.core.kinds import RecordKind
from peers_tui.core.message_rules import REQUIRED_ROLE, expected_columns
from peers_tui.core.records import RecordError, SignedRecord

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lean send path)
if TYPE_CHECKING:
    from peers_tui.core.roster import Roster

UNKNOWN_STATE = "refers to a membership state that does not exist"


def role_problem(record: SignedRecord, roster: Roster) -> str | None:
    """Why a correctly signed message record is still not genuine for its author's role at
    the membership state it names (or that state), or None when it is genuine so."""
    member_seq = record.data.get("mseq")
    if not isinstance(member_seq, int) or member_seq < 0 or member_seq > roster.head_seq:
        return UNKNOWN_STATE
    role = roster.role_at(record.author, member_seq)
    if role is None:
        return NOT_A_MEMBER
    needed = REQUIRED_ROLE[record.data["type"]]
    if role < needed:
        return f"author was {role.with_article} when it was written; it needs {needed.with_article}"
    return None


def void_on_own(record: SignedRecord, before: dict[str, int] | None,
                roster: Roster | None = None) -> str | None:
    """Why `record` (verified as its author's own at its place: chain_rules.own_record) is
    void whatever else any file holds, or None. `before`: hash -> signed time of the records
    of its author at the place below it that this file holds (chain_rules.Predecessors'
    entry), None when not looked up; `roster`: the membership state to judge by, if known."""
    data = record.data
    aseq, aprev, mseq = data.get("aseq"), data.get("aprev"), data.get("mseq")
    chain = {}
    if isinstance(aseq, int) and not isinstance(aseq, bool) and aseq > 1:
        if before is None or not isinstance(aprev, str) or aprev not in before:
            return None  # what it names is not here to judge it by: it counts, as before
        chain[(record.author, aseq - 1)] = {aprev: before[aprev]}
    known = (roster is not None and isinstance(mseq, int) and not isinstance(mseq, bool)
             and mseq <= roster.head_seq)
    try:
        check_chain(record, chain, roster if known else None)
        if record.kind == RecordKind.MSG:
            expected_columns(record)
    except RecordError as exc:
        return str(exc)
    if roster is not None and not known and isinstance(mseq, int) and not isinstance(mseq, bool):
        return UNKNOWN_STATE  # beyond the order's head (the docstring)
    if not known or roster is None or not isinstance(mseq, int):
        return None
    if record.kind == RecordKind.MSG:
        return role_problem(record, roster)
    return UNKNOWN_STATE if isinstance(mseq, int) and mseq < 0 else (
        NOT_A_MEMBER if roster.role_at(record.author, mseq) is None else None)


__all__ = ["UNKNOWN_STATE", "role_problem", "void_on_own"]
