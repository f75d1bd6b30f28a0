"""A record of this host's file whose predecessor is missing here but not in the federation:
sent all the same (README rule 9, "a write follows its own pin"; docs/relay.md, "A member's
head deleted on their own host").

Anyone able to write a host's group file can delete a member's newest record there after it
went out. The member's next write follows the head their personal.db pins
(core/chain_rules.build_on), not the file's: signed at the deleted record's place, it would
fork their chain and void the record on every host. So on this host it names a record the
file no longer holds, and its readers say "an earlier record by this author is missing
(history deleted)", which is the truth here. Every host that holds the deleted record takes
it as genuine, so the scan sends it: a record of the author's own, refused here for that gap
alone, whose named predecessor the federation has (`known`: this relay sent it or applied
it). It is judged as a record of the backfill's frontier is (core/frontier.py): on its own
signed data, its link taken as given; every other host judges it in full when it arrives.
A record built on a row that never left this host (junk, a void record nobody names) is
refused as before: its predecessor is known nowhere.
"""

from __future__ import annotations

from collections.abc import Callable

from peers_tui.core.chain_rules import authority_problem, check_chain
from peers_tui.core.row_checks import role_problem
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.records import RecordError, open_record
from peers_tui.relay.envelope import Envelope

MISSING = "an earlier record by this author is missing"


def sent_over_gap(group_id: str, roster: Roster, envelope: Envelope, problem: str | None,
                  known: Callable[[str], bool] | None,
                  restorable: Callable[[str, int, str], bool] | None = None) -> bool:
    """Whether a message or invite row refused for `problem` is sent all the same (see
    above). `restorable(author, place, hash)`: whether the predecessor is a row of this file
    altered in place (its looked-up columns, so it holds no place here) whose record is
    genuine with its own columns: shipped with this one (altered_rows.py)."""
    if known is None or problem is None or not problem.startswith(MISSING):
        return False
    message = envelope.table == "msg"
    try:
        record = open_record(envelope.text, envelope.sig, group_id=group_id, kind=(
            RecordKind.MSG if message else (RecordKind.INVITE, RecordKind.REVOKE)))
    except RecordError:
        return False
    aseq, aprev = record.data.get("aseq"), record.data.get("aprev")
    if type(aseq) is not int or aseq < 2 or not isinstance(aprev, str) or not (
            known(aprev) or (restorable is not None and restorable(record.author, aseq - 1, aprev))):
        return False
    try:
        check_chain(record, {(record.author, aseq - 1): {aprev: 0}}, roster)
    except RecordError:
        return False
    if not message or record.data.get("target") is not None:
        # An invite, or an edit, deletion or reaction: the other hosts judge its maker's
        # authority, or its target, in full.
        return authority_problem(record, roster) is None
    return (authority_problem(record, roster) or role_problem(record, roster)) is None


__all__ = ["MISSING", "sent_over_gap"]
