"""Whether this host's file of a group lacks records the federation holds: its rows counted
against the hub's federation stream (docs/relay.md, "Every host a full replica").

The hub's `PEERS_FED` holds every record the hub accepted, on three subjects a group:
`.m` membership changes, `.i` the genesis and invites, `.r` messages and evidence. A host's
file holds the same records, one row each (`group_members`; `invite` and the genesis; `message`
and `fork_evidence`), but for the difference the relays explain: records that wait here for a
predecessor (the ledger's `waiting`), records this host refused or took out (its quarantine,
those another host sent), a record the stream holds twice (published again after its
duplicate window), and rows this host's file holds alone (junk a scan refused). That
difference is kept per subject after each count (the ledger's `census.<part>:<group>`); a
count whose difference grew means rows went missing here (deleted from the file by anyone
able to write it, or a disk mishap) or a new refusal: either way the subject is read again
from the hub and what this file lacks is applied under the usual checks (relay/refetch.py).
A group counted for the first time is compared with no difference at all.

A count is only taken when this host is level with the hub (relay/refetch.py: everything
the hub's stream held was applied here, nothing of this host's is unsent or on its way), so
that a record in flight either way never reads as a difference.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from peers_tui.core.database.side_files import read_only
from peers_tui.core.encoding import record_hash

from peers_tui.relay.envelope import FED_PARTS, FED_STREAM, Envelope, fed_subject
from peers_tui.relay.ledger import Ledger

PARTS = ("m", "i", "r")
SCANNED = "written into this host's file"  # the reason's start of a row this host's scan refused
GAP = f"{SCANNED}: an earlier record by this author is missing"  # (over_gap.MISSING): not void  # in the order a refetch reads them: membership, invites, messages
LOCAL = ("SELECT (SELECT COUNT(*) FROM group_members),"
         " (SELECT COUNT(*) FROM invite) + 1,"  # the genesis is a record of `.i` too
         " (SELECT COUNT(*) FROM message) + (SELECT COUNT(*) FROM fork_evidence),"
         " EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?)")


def held_hashes(path: Path) -> set[str]:
    """The hashes of every record text the file holds, read on a connection of its own (one
    pass: ~2 s for a million rows; a refetch applies only what is not among them)."""
    connection = read_only(f"file:{path}?mode=ro", path, timeout=5)
    try:
        return {record_hash(text) for (text,) in connection.execute(HELD)
                if isinstance(text, str)}
    finally:
        connection.close()


def evidence_hashes(path: Path) -> set[str]:
    """The hashes of the records the file keeps only as evidence (`fork_evidence`: set aside,
    not standing in it); a small table."""
    connection = read_only(f"file:{path}?mode=ro", path, timeout=5)
    try:
        return {record_hash(text) for (text,) in connection.execute(
            "SELECT record FROM fork_evidence") if isinstance(text, str)}
    except sqlite3.Error:
        return set()
    finally:
        connection.close()


HELD = ("SELECT record FROM group_members UNION ALL SELECT record FROM invite UNION ALL "
        "SELECT record FROM message UNION ALL SELECT record FROM fork_evidence")


def local_counts(connection: sqlite3.Connection) -> dict[str, int] | None:
    """Rows of each subject in this file; None while a join's walk is under way (rows below
    its frontier are not received yet: the walk brings them)."""
    from peers_tui.core.frontier import STATE  # the walk's table (with the models: only here)

    members, invites, messages, walking = connection.execute(LOCAL, (STATE,)).fetchone()
    if walking:
        return None
    return {"m": int(members), "i": int(invites), "r": int(messages)}


async def hub_counts(js: Any, group_id: str) -> tuple[dict[str, int], int]:
    """Records of each subject of the group in the hub's stream, and the stream's last
    position when counted (one request)."""
    info = await js.stream_info(FED_STREAM, subjects_filter=fed_subject(group_id))
    counts = dict.fromkeys(PARTS, 0)
    for subject, count in (info.state.subjects or {}).items():
        part = subject.rsplit(".", 1)[-1]
        if part in counts:
            counts[part] += int(count)
    return counts, int(info.state.last_seq or 0)


def explained(ledger: Ledger, group_id: str, host: str, is_hub: bool) -> dict[str, int]:
    """Records of the hub's stream this file lacks for a known reason: taken out of it by the
    relay (void by a cut, a lost membership race: quarantined in this host's name), and on a
    leaf also what waits there for a predecessor and what it refused when another host sent
    it (all from the stream). Never the rows this host's scan refused: they are still in the
    file (SCANNED). At the hub what waits or was refused came from a leaf and never reached
    the stream."""
    counts = dict.fromkeys(PARTS, 0)
    rows = ledger.db.execute(
        "SELECT tbl, COUNT(*) FROM quarantine WHERE group_id = ?1 AND (host = ?2 AND reason"
        " NOT LIKE ?3 OR host != ?2 AND ?4) GROUP BY tbl", (group_id, host, SCANNED + "%",
                                                            not is_hub)).fetchall()
    if not is_hub:
        rows += ledger.db.execute("SELECT tbl, COUNT(*) FROM waiting WHERE group_id = ?"
                                  " GROUP BY tbl", (group_id,)).fetchall()
    for table, count in rows:
        part = FED_PARTS.get(str(table))
        if part is not None:
            counts[part] += int(count)
    return counts


def differences(hub: dict[str, int], local: dict[str, int],
                known: dict[str, int]) -> dict[str, int]:
    """Per subject: records of the hub's stream not in this file and not explained."""
    return {part: hub[part] - local[part] - known[part] for part in PARTS}


def grown(ledger: Ledger, group_id: str, now: dict[str, int]) -> list[str]:
    """The subjects whose difference grew since the last count (none kept: from 0)."""
    return [part for part in PARTS
            if now[part] > _kept(ledger, f"census.{part}:{group_id}")]


def keep(ledger: Ledger, group_id: str, now: dict[str, int]) -> None:
    with ledger.batch():
        for part in PARTS:
            ledger.set_position(f"census.{part}:{group_id}", now[part])


def _kept(ledger: Ledger, key: str) -> int:
    row = ledger.db.execute("SELECT value FROM positions WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def refused_for_gaps(ledger: Ledger, group_id: str, host: str) -> list[tuple[Envelope, str]]:
    """Before a refetch: take back this host's scan's refusals of the group's records for a
    predecessor missing here. Those rows were judged while rows were gone from the file; left
    refused, a record fetched back that names one as its predecessor had the scan move it
    into `fork_evidence` as a void record (relay/chain_evidence.py: `refused_here`). And the
    same refusals of a join's walk as it finished (kept under the hub, the stream's name,
    `backfill_state.finish`): rows deleted mid-walk left genuine records above them without
    a predecessor, and a refetch passes over what the quarantine keeps, so those stayed out
    of the file for good (docs/relay.md, "Leftovers, fifth round"). The caller refuses again
    those the hub's stream does not hold (`refuse_again`)."""
    from peers_tui.relay.backfill_state import NEVER_ARRIVED
    from peers_tui.relay.links import ORIGIN
    from peers_tui.relay.quarantine import withdraw

    walked = [] if host == ORIGIN else withdraw(ledger.db, group_id, ORIGIN, NEVER_ARRIVED)
    return withdraw(ledger.db, group_id, host, GAP) + walked


def set_aside(ledger: Ledger, group_id: str) -> set[str]:
    """The hashes of the group's records this host keeps in its quarantine: the file lacks
    them for a known reason (taken out as void, refused as they arrived), so a refetch does
    not apply them again. Applied again they were refused again, and kept a second time
    under the host that wrote them: at the hub, a record a removal took out was counted
    twice ("rejected: A 3, C 2")."""
    return {str(digest) for (digest,) in ledger.db.execute(
        "SELECT hash FROM quarantine WHERE group_id = ?", (group_id,))}


def refuse_again(ledger: Ledger, refused: list[tuple[Envelope, str]], federation: set[str]) -> None:
    """The records taken back that the hub's stream does not hold (this host's own, above a
    row only this file had): refused again, with their reasons."""
    with ledger.batch():
        for envelope, reason in refused:
            if envelope.hash not in federation:
                ledger.quarantine(envelope, reason)


def note_refetched(ledger: Ledger, group_id: str, records: int, at: int) -> None:
    """What was fetched back, for `peers relay status` (the last time, and in all)."""
    with ledger.batch():
        total = ledger.position(f"refetched:{group_id}")
        ledger.set_position(f"refetched:{group_id}", total + records)
        ledger.set_position(f"refetched_at:{group_id}", at)
        ledger.set_position(f"refetched_last:{group_id}", records)


def refetched(ledger: Ledger) -> dict[str, dict[str, int]]:
    """Per group: records fetched back in all, the last time's count and when (ms)."""
    found: dict[str, dict[str, int]] = {}
    for key, value in ledger.db.execute("SELECT key, value FROM positions WHERE key LIKE"
                                        " 'refetched%:%'"):
        name, group_id = str(key).split(":", 1)
        field = {"refetched": "records", "refetched_at": "at",
                 "refetched_last": "last"}.get(name)
        if field is not None:
            found.setdefault(group_id, {})[field] = int(value)
    return found


__all__ = ["PARTS", "differences", "explained", "grown", "hub_counts", "keep", "local_counts",
           "note_refetched", "refetched", "set_aside"]
