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

from collections.abc import Iterable

from peers_tui.core.chain_rules import FORKED
from peers_tui.core.chains import execute_here, forked_here
from peers_tui.core.forks import records_at
from peers_tui.core.kinds import RecordKind
from peers_tui.core.membership import Roster
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
    session of the group file. A record void by a cut of its author's (`roster`) or for its
    own checks (core.self_void) is no half of a fork, and is not listed here (core.forks)."""
    places = sorted(forked_here(crowded, group_id, roster=roster))
    if not places:
        return []
    found = {(author, seq, digest): record
             for (author, seq), records in records_at(execute_here, places, group_id, roster).items()
             for digest, record in records.items()}
    return [Problem(record_label(found[key]), FORKED) for key in sorted(found)]


def without_forked(problems: list[Problem]) -> list[Problem]:
    """The problems other than a record void for a fork (those are listed by forked_records,
    the same on every host)."""
    return [problem for problem in problems if problem.reason != FORKED]


__all__ = ["forked_records", "record_label", "without_forked"]
