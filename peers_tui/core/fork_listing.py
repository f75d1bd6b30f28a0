"""What `peers verify` lists for a forked chain: every record at every forked place, read
from the signed records alone, so that every host prints the same lines.

A fork's second record sits in the message or invite table on the host where it was
written, and in `fork_evidence` on every host it reached through the relays (core.forks):
listing the void records table by table named both records on the first host and one on
the others. Here each place that two or more records of their author hold is read from all
three tables, every record there that verifies as its author's own is listed once (a copy
filed twice, or junk beside it, is not), and the lines are ordered by author, place and
record hash, none of which depends on where or in which order a host stored them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from peers_tui.core.chain_rules import FORKED, own_record
from peers_tui.core.chains import forked_here
from peers_tui.core.forks import CHAINED_TABLES, HELD
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import SignedRecord
from peers_tui.core.views import Problem


def record_label(record: SignedRecord) -> str:
    """How verify names a record, from its signed fields: "message <id>", "invite <key>"."""
    if record.kind == RecordKind.MSG:
        return f"message {record.data.get('id')}"
    return f"invite {str(record.data.get('key'))[:8]}"


def forked_records(crowded: Iterable[tuple[str, int]], group_id: str,
                   roster: Roster | None = None) -> list[Problem]:
    """One problem for every distinct record of its author at the forked places among
    `crowded` (places more than one row claims), in (author, place, hash) order. Inside a
    session of the group file. A record void by a cut of its author's (`roster`) is no half
    of a fork, and is not listed here (core.forks)."""
    places = sorted(forked_here(crowded, group_id, roster=roster))
    if not places:
        return []
    param = json.dumps([list(place) for place in places])
    rows = Message._meta.database.execute_sql(HELD, (param,) * len(CHAINED_TABLES)).fetchall()
    found: dict[tuple[str, int, str], SignedRecord] = {}
    for author, seq, text, sig in rows:
        record = own_record(author, seq, None if text is None else text_of(text), sig, group_id)
        if record is not None and (roster is None or not roster.beyond_cut(record)):
            found[(author, seq, record.hash)] = record
    return [Problem(record_label(found[key]), FORKED) for key in sorted(found)]


def without_forked(problems: list[Problem]) -> list[Problem]:
    """The problems other than a record void for a fork (those are listed by forked_records,
    the same on every host)."""
    return [problem for problem in problems if problem.reason != FORKED]


__all__ = ["forked_records", "record_label", "without_forked"]
