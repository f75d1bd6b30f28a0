"""The hub's `PEERS_FED` made anew: its files' history published into it again.

The federation stream lives in the hub's nats store (`<hub>/.relay/js`). Lost (deleted while
the relay was stopped, a disk replaced), the hub's server makes the stream anew, empty, at
the next start, while the hub's scan positions say every record of its files was published:
only what came since reached the new stream, so a host joining later (its walk reads the
stream) or a refetch found no history (docs/relay.md, "Fourteenth attack pass"). The leaves
read a stream whose end lies before their positions from its start (inbound.py, link.py).

Now the hub keeps in its ledger the stream's creation time and the last sequence it was
acknowledged there (`fed_created`, `fed_last`; the latter saved with the status, every few
seconds). At a start, a stream created at another time, or ending before `fed_last` (or,
with neither kept, empty while the hub has published: `seen:` positions), is one made anew:
the hub reads each group file's records (the founding record, the membership log, invites,
messages, fork evidence, each in its table's order; what this host's quarantine holds left
out: rows its scans refused, junk) and publishes them into it, a group at a time under the
relay's lock, each record once (by its hash, which is also its `Nats-Msg-Id`: the stream
drops one published again within its duplicate window). The creation time is kept once every
group is through: a hub stopped halfway publishes them again at its next start (the hosts
applying them find duplicates).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peers_tui.core.raw_values import text_of
from peers_tui.relay.envelope import FED_STREAM, Envelope
from peers_tui.relay.hub_bounds import LAST_SEQ as LAST
from peers_tui.relay.kept_stores import reading
from peers_tui.relay.ledger import Ledger

PAGE = 1000
CREATED = "fed_created"
_TABLES = (  # in the order a fetch reads them: membership, invites, then messages
    ("member", "SELECT record, sig, cosig, seq FROM group_members WHERE seq > ? ORDER BY seq"
               " LIMIT ?"),
    ("invite", "SELECT record, sig, NULL, id FROM invite WHERE id > ? ORDER BY id LIMIT ?"),
    ("msg", "SELECT record, sig, NULL, rowid FROM message WHERE rowid > ? ORDER BY rowid LIMIT ?"),
    ("evidence", "SELECT record, sig, NULL, rowid FROM fork_evidence WHERE rowid > ?"
                 " ORDER BY rowid LIMIT ?"),
)


def _blob(value: object) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None


def created_at(info: Any) -> int:
    """The stream's creation time in microseconds (0 when the server does not say)."""
    created = getattr(info, "created", None)
    return int(created.timestamp() * 1_000_000) if created is not None else 0


def made_anew(ledger: Ledger, info: Any) -> bool:
    """Whether `PEERS_FED` (its `stream_info`) is not the stream the hub published into."""
    kept, created = ledger.position(CREATED), created_at(info)
    last = int(info.state.last_seq or 0)
    if kept:
        return (created != 0 and created != kept) or last < ledger.position(LAST)
    if ledger.position(LAST):
        return last < ledger.position(LAST)
    return last == 0 and ledger.db.execute(
        "SELECT 1 FROM positions WHERE key LIKE 'seen:%' AND value > 0 LIMIT 1").fetchone() is not None


def pages(path: Path, group_id: str, origin: str, left_out: set[str]) -> Iterator[list[Envelope]]:
    """The group file's records, about PAGE at a time, each once, `left_out` (hashes) not."""
    sent: set[str] = set(left_out)

    def fresh(found: list[Envelope]) -> list[Envelope]:
        kept = [e for e in found if e.hash not in sent]
        sent.update(e.hash for e in kept)
        return kept

    with reading(None, path) as connection:
        row = connection.execute("SELECT record, sig FROM group_info").fetchone()
        if row is None:
            return
        yield fresh([Envelope(group_id, "genesis", text_of(row[0]), _blob(row[1]) or b"", None,
                              origin)])
        for table, query in _TABLES:
            after = 0
            while True:
                rows = connection.execute(query, (after, PAGE)).fetchall()
                if not rows:
                    break
                page = fresh([Envelope(group_id, table, text_of(r[0]), _blob(r[1]) or b"",
                                       _blob(r[2]) if table == "member" else None, origin)
                              for r in rows])
                if page:
                    yield page
                if len(rows) < PAGE:
                    break
                after = int(rows[-1][3])


async def check(relay: Any) -> asyncio.Task[None] | None:
    """At the hub's start (`relay`: runner.Relay, its streams made, its publisher not yet
    running: it marks files seen): a task republishing every group file's history if
    `PEERS_FED` was made anew, else None (the stream's creation time kept)."""
    try:
        info = await relay.js_local.stream_info(FED_STREAM)
        if not made_anew(relay.ledger, info):
            _keep(relay, info)
            return None
    except Exception as exc:  # noqa: BLE001 - said, and looked at again at the next start
        print(f"peers relay: could not check the federation stream {FED_STREAM}: {exc}",
              file=sys.stderr, flush=True)
        return None
    groups = relay.scanner.group_files(fresh=True)
    print(f"peers relay: the federation stream {FED_STREAM} was made anew (it ends at "
          f"{info.state.last_seq}, this hub published up to {relay.ledger.position(LAST)}):"
          f" publishing the history of {len(groups)} groups into it again",
          file=sys.stderr, flush=True)
    return asyncio.create_task(_republish(relay, groups))


async def _republish(relay: Any, groups: list[tuple[str, Path]]) -> None:
    from peers_tui.relay.census import set_aside

    total = 0
    try:
        for group_id, path in groups:
            async with relay.lock:
                left_out = set_aside(relay.ledger, group_id)
                for page in pages(path, group_id, relay.config.name, left_out):
                    await relay._send(page)
                    total += len(page)
        _keep(relay, await relay.js_local.stream_info(FED_STREAM))
    except Exception as exc:  # noqa: BLE001 - said; all of it again at the next start
        print(f"peers relay: publishing the history into {FED_STREAM} again stopped: {exc}",
              file=sys.stderr, flush=True)
        return
    print(f"peers relay: {total} records published into {FED_STREAM} again",
          file=sys.stderr, flush=True)


def _keep(relay: Any, info: Any) -> None:
    with relay.ledger.batch():
        relay.ledger.set_position(CREATED, created_at(info))
        relay.ledger.set_position(LAST, int(info.state.last_seq or 0))
    relay.bounds.last_seq = max(relay.bounds.last_seq, int(info.state.last_seq or 0))


__all__ = ["CREATED", "LAST", "check", "created_at", "made_anew", "pages"]
