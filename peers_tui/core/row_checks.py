"""The checks of one stored message row on its own: its signature, its columns, its author's
chain and role, and whether a change may touch its target.

Separate from core.history, which judges a whole window with these (the effects on each row,
the forked places of its chains) and builds what is shown from the outcome: the relay's
appliers (relay.links, relay.over_gap) check single rows by the same rules and need nothing
else. Every function here runs inside a GroupStore session, or reads the file through
core.window_reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# No Peewee here, as core.history: the file is read through core.window_reads.
from peers_tui.core.chain_rules import Predecessors, authority_problem, wanted_before
from peers_tui.core.frozen import Frozen, set_field
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.message_rules import (
    EDITABLE_KINDS, columns_in_order, expected_columns,
)
from peers_tui.core.opened_records import columns_of, open_message
from peers_tui.core.records import RecordError, SignedRecord, read_fields
from peers_tui.core.self_void import role_problem
from peers_tui.core.roles import Role
from peers_tui.core.window_reads import model_reads

if TYPE_CHECKING:
    from peers_tui.core.models import Message
    from peers_tui.core.window_reads import WindowReads


class Checked(Frozen):  # not a dataclass: compiled at import, before the first frame
    """A stored row and the outcome of checking it on its own."""

    __slots__ = _fields = ("row", "record", "problem")
    row: Message
    record: SignedRecord | None
    problem: str | None

    def __init__(self, row: Message, record: SignedRecord | None, problem: str | None) -> None:
        set_field(self, "row", row)
        set_field(self, "record", record)
        set_field(self, "problem", problem)

    @property
    def data(self) -> dict[str, Any]:
        return self.record.data if self.record else {}


# Rows check_row judged in this process: what a read's work is bounded by (core.effect_plan;
# tests count it, as wall times on a shared machine say little).
CHECKED = {"rows": 0}
EDITED_IN_FILE = "row does not match its signed record (edited in the file)"
# Reasons a genuine change is refused that hold for every record of its group (core.effect_plan):
UNCHANGEABLE = "changes a message that cannot be changed"  # any change of that target
OTHER_AUTHOR = "edited by someone other than its author"  # any edit by that author


def check_row(row: Message, roster: Roster, group_id: str,
              chain: Predecessors | None = None, reads: WindowReads | None = None) -> Checked:
    """Check one row on its own: signature, columns, author chain, time order and role.
    `reads`: how the file is read (core.window_reads; the models when None)."""
    CHECKED["rows"] += 1
    reads = model_reads() if reads is None else reads
    try:
        record = open_message(row.record, row.sig, group_id=group_id, kind=RecordKind.MSG)
        if columns_in_order(row) != tuple(columns_of(record).values()):  # all at once, in C
            raise RecordError(EDITED_IN_FILE)
        if chain is None:
            chain = reads.predecessors(wanted_before([record]), group_id=group_id)
        reads.check_chain(record, chain, roster)
    except RecordError as exc:
        return Checked(row, None, str(exc))
    return Checked(row, record, authority_problem(record, roster) or role_problem(record, roster))


def structure_problem(row: Message, group_id: str) -> str | None:
    """Why a row cannot be genuine, found without a signature check (~5 us where check_row
    costs ~60 us and more): its text is not a message record of this group, or its columns
    are not its record's. None when check_row must tell. Junk written into the file is
    refused here (core.effect_plan), with a reason check_row would give too."""
    text = row.record
    if not isinstance(text, str) or not isinstance(row.sig, (bytes, bytearray)):
        return None  # check_row names what is missing
    try:
        record = SignedRecord(text, b"", None,
                              read_fields(text, group_id=group_id, kind=RecordKind.MSG))
        if columns_in_order(row) != tuple(expected_columns(record).values()):
            return EDITED_IN_FILE
    except RecordError as exc:
        return str(exc)
    return None


def effect_problem(effect: Checked, target: Checked, roster: Roster) -> str | None:
    """Why an edit or deletion may not change `target`, or None when it may."""
    if effect.problem or effect.record is None:
        return effect.problem or "not a valid record"
    if target.record is None or target.data.get("type") not in EDITABLE_KINDS + ("imported",):
        return UNCHANGEABLE
    kind = effect.data["type"]
    if effect.record.author == target.record.author or kind == "react":
        return None
    if kind == "delete":
        role = roster.role_at(effect.record.author, effect.data["mseq"])
        if role is not None and role >= Role.ADMIN:
            return None
        return "deleted by someone who is neither its author nor an admin"
    return OTHER_AUTHOR


def window_chain(rows: list[Message], group_id: str, crowded: set[tuple[str, int]] | None = None,
                 reads: WindowReads | None = None) -> Predecessors:
    """The predecessors of every row's chain position, most of them within `rows` itself.

    A place that more than one row claims (a fork: core.forks) is read from the file, not
    from `rows`: its other records need not be in this window, nor in the message table.
    `crowded`: those places among the wanted ones, if the caller looked them up already."""
    have: dict[tuple[str, int], list[tuple[Any, Any]]] = {}
    for row in rows:
        if isinstance(row.author, str) and isinstance(row.author_seq, int):
            have.setdefault((row.author, row.author_seq), []).append((row.record, row.sig))
    wanted = {(row.author, row.author_seq - 1) for row in rows
              if isinstance(row.author, str) and isinstance(row.author_seq, int)
              and not isinstance(row.author_seq, bool) and row.author_seq > 1}
    reads = model_reads() if reads is None else reads
    for place in reads.crowded(wanted.intersection(have)) if crowded is None else crowded:
        have.pop(place, None)
    return reads.predecessors(wanted, have, group_id=group_id)


__all__ = ["CHECKED", "OTHER_AUTHOR", "UNCHANGEABLE", "Checked", "check_row", "effect_problem", "role_problem",
           "structure_problem", "window_chain"]
