"""Groups a leaf founds at the hub: counted, and capped while no user of the hub takes part.

A group the hub does not have comes to exist there when a leaf sends its genesis (the relay
applies it with `create`: apply.py makes the file, the hub republishes it to `PEERS_FED`).
Anyone holding a leaf's credentials can sign geneses at will, so without a bound a leaf
filled the hub's disk with group files, and its federation stream with their records.

The hub's relay keeps, in its ledger, which leaf sent the genesis of each group it made that
way (`founded`). While no record of that group was written on the hub host (no user of the
hub has joined, written or invited there: the hub's own relay published none of it), the
group counts against that leaf; a leaf holding `groups_per_leaf` such groups has its next
genesis refused, with the reason, in `relay rejected` (and counted in `relay status`). Its
other records for that group then wait for a genesis that does not come (bounded per host
by `waiting_per_host`). A record written on the hub frees the group's place for good, and so
does deleting its file (the places are recounted against the files when a leaf is at the
cap). A group founded on a leaf and joined from other leaves counts against its founder
only: a second leaf's credentials do not widen the first one's quota.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from peers_tui.relay.envelope import Envelope

SCHEMA = """
CREATE TABLE IF NOT EXISTS founded (group_id TEXT PRIMARY KEY, host TEXT NOT NULL,
    at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS founded_host ON founded (host);
"""
RECOUNT = 10.0


def reason(host: str, cap: int) -> str:
    return (f"the leaf {host} has founded {cap:,} groups here that no user of this host takes "
            "part in (limits.groups_per_leaf in the hub's relay config)")


class Founding:
    """The hub relay's count of the groups each leaf founded there (one ledger connection)."""

    def __init__(self, hub: Path, db: sqlite3.Connection, cap: int, hub_name: str) -> None:
        self.hub, self.db, self.cap, self.hub_name = hub, db, cap, hub_name
        self.recounted: dict[str, float] = {}  # when each leaf's places were last recounted
        db.executescript(SCHEMA)

    def admit(self, group_id: str, envelopes: list[Envelope]
              ) -> tuple[list[Envelope], list[tuple[Envelope, str]]]:
        """The records of a batch the hub may apply, and the geneses it refuses: a genesis
        of a group not here from a leaf at its cap. Counts the group against its leaf."""
        geneses = [e for e in envelopes if e.table == "genesis" and e.origin != self.hub_name]
        if not geneses or (self.hub / f"{group_id}.db").exists():
            return envelopes, []
        host = geneses[0].origin
        if self.count(host) >= self.cap and self._recount(host) >= self.cap:
            refused = [(e, reason(host, self.cap)) for e in geneses]
            return [e for e in envelopes if e not in geneses], refused
        self.db.execute("INSERT OR IGNORE INTO founded (group_id, host, at) VALUES (?, ?, ?)",
                        (group_id, host, int(time.time() * 1000)))
        return envelopes, []

    def settle(self, group_id: str, envelopes: list[Envelope]) -> None:
        """After a batch was applied: a genesis counted by `admit` that made no file (refused:
        not JSON, another group's) founded nothing, so it no longer counts (it did until the
        leaf's next recount, which runs only at its cap)."""
        if any(e.table == "genesis" for e in envelopes) and not (
                self.hub / f"{group_id}.db").exists():
            self.db.execute("DELETE FROM founded WHERE group_id = ?", (group_id,))

    def taken_part(self, group_id: str) -> None:
        """A record of the group was written on the hub host: it no longer counts."""
        self.db.execute("DELETE FROM founded WHERE group_id = ?", (group_id,))

    def count(self, host: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM founded WHERE host = ?",
                                   (host,)).fetchone()[0])

    def _recount(self, host: str) -> int:
        """The count once groups whose file is gone (deleted by the operator, or never made:
        a genesis that failed its checks) are forgotten; at most every RECOUNT seconds a
        leaf (a stat a group: a leaf at its cap sending geneses must not cost a stat each)."""
        if time.monotonic() - self.recounted.get(host, -RECOUNT) < RECOUNT:
            return self.count(host)
        self.recounted[host] = time.monotonic()
        gone = [(group_id,) for (group_id,) in self.db.execute(
            "SELECT group_id FROM founded WHERE host = ?", (host,))
            if not (self.hub / f"{group_id}.db").exists()]
        self.db.executemany("DELETE FROM founded WHERE group_id = ?", gone)
        return self.count(host)


def founded_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Per leaf, the groups it founded here that no user of this host takes part in."""
    try:
        rows = db.execute("SELECT host, COUNT(*) FROM founded GROUP BY host ORDER BY host")
        return {host: int(count) for host, count in rows}
    except sqlite3.OperationalError:  # a ledger no hub relay has opened since
        return {}


MADE_AGAIN = ("the federation's stream holds this group already and its file is missing here: "
              "it is made again from that stream only (peers relay refetch), not from a "
              "leaf's records")


def made_again_due(hub: Path, group_id: str, envelopes: list[Envelope]) -> bool:
    """Whether `made_again_only` must ask the stream about this batch: it holds a genesis
    and the group's file is missing here. Asked first by the intake, so that a batch without
    one (every live message) goes on at once: awaited through `asyncio.wait_for`, the
    coroutine was a task of its own, two more turns of the event loop on the hub's path
    from a leaf's record to its republishing."""
    return any(e.table == "genesis" for e in envelopes) and not (hub / f"{group_id}.db").exists()


async def made_again_only(js: Any, hub: Path, group_id: str, envelopes: list[Envelope]
                          ) -> tuple[list[Envelope], list[tuple[Envelope, str]]]:
    """The hub makes a group's file from a genesis a leaf sends; for a group whose file was
    deleted here, a leaf's genesis made it again from the records, and in the membership
    order, that leaf chose (a change of its own where the stream holds another: the refetch
    then refused the stream's as a lost race; docs/relay.md "Twelfth attack pass"). So a
    genesis of a group the federation's stream holds is refused while its file is missing
    (the batch's other records wait for the file). One request to the stream, only then."""
    if not made_again_due(hub, group_id, envelopes):
        return envelopes, []
    geneses = [e for e in envelopes if e.table == "genesis"]
    from peers_tui.relay.census import hub_counts  # census imports the ledger: only here

    counts, _ = await hub_counts(js, group_id)
    if not sum(counts.values()):
        return envelopes, []
    return [e for e in envelopes if e.table != "genesis"], [(e, MADE_AGAIN) for e in geneses]


__all__ = ["MADE_AGAIN", "Founding", "founded_counts", "made_again_due", "made_again_only", "reason"]
