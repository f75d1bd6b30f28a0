"""A join on a host that holds its group already: whether the code's invite is on its way.

Such a join fetches nothing (join_fetch.py): it reads the code's invite from this host's own
file. A genuine invite made on another host a moment ago may not be there yet: it travels
behind everything its author signed before it (chain_order.py says why it cannot go ahead),
and after an import of 5,000 messages the join was refused "... has not arrived yet (try
again ...)" (docs/relay.md, "Four left by the twenty-seventh pass"). Waiting for it in this
file alone made a code no host knows wait as long (af8314f, reverted: such a code must end at
once). So the join waits only on the hub's word that something of the group is on its way.

The hub's relay answers `peers.transit.<host>` (a leaf's own subject, permissions.py; a join
on the hub asks its own relay the same way) about {group, key}:
  "held"    the hub's file holds an invite of that key: it is in the federation, or goes
            there behind its author's earlier records (a code made on the hub is in its file
            from the start: alice's, behind her import), and so comes to this host;
  "moving"  another leaf is sending the hub records of the group: its inbound stream holds
            some the hub has not applied yet, or the hub took one from it less than RECENT
            seconds ago (a code made on that leaf, its invite behind the records it is
            sending). Taken, not stored: the hub purges what it applied from the stream
            (limits.InboundTrim), so while the leaf's relay was held between two batches
            the stream held none of the group and the join was refused at once. Or that
            leaf said less than RECENT seconds ago that it holds records of the group it
            has not begun to send (unsent_hint.py: its relay scanning what its author wrote
            before the code, an import say, with nothing of it at the hub yet);
  neither   nothing of the group is on its way through the hub: the join ends at once, as
            before.
The joiner then reads its own file for the invite every LOOK_EVERY seconds, asking again each
time, until it is there (the join is made again), the hub says neither, or INVITE_WAIT
(invite_wait.py, the joiner's side). The question tells a leaf nothing it could not read
already: leaves read the whole federation stream (permissions.LEAF_READS).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peers_tui.relay.inbound import TakenFrom
    from peers_tui.relay.ledger import Ledger
    from peers_tui.relay.unsent_hint import HintsHeard

TRANSIT_SUBJECTS = "peers.transit.*"
ASK_TIMEOUT = 2.0  # seconds for the hub's answer (it reads two files and a stream's last record)
RECENT = 5.0  # seconds: a record of the group taken from a leaf this lately says its relay is
# sending (its batches came up to 1.1 s apart with three such tests at once on 2 cores); a
# leaf relay unheard longer is silent (leaf_heard.py, hub_heard.SILENT_AFTER) and so not sending
KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")  # an invite's public key as a code carries it


def transit_subject(host: str) -> str:
    return f"peers.transit.{host}"


def invite_in_file(path: Path, key: str) -> bool:
    """Whether the group file `path` holds an invite record of `key` (read-only; a file that
    cannot be read holds none)."""
    from peers_tui.core.database.files import check_regular_file, refuse_planted_sql
    from peers_tui.core.database.side_files import read_only
    from peers_tui.core.errors import PeersError

    try:
        check_regular_file(path)  # never a symlink to another file, a trigger or a view in it
        with closing(read_only(f"{path.as_uri()}?mode=ro", path, timeout=1)) as conn:
            refuse_planted_sql(conn)
            return conn.execute("SELECT 1 FROM invite WHERE key = ? AND kind = 'invite' "
                                "LIMIT 1", (key,)).fetchone() is not None
    except (sqlite3.Error, PeersError, OSError):
        return False


# ------------------------------------------------------------------------- the hub's side
async def answer_transit(nc: Any, hub: Path, ledger: Ledger, leaves: Any,
                         taken: TakenFrom, hints: HintsHeard | None = None) -> Any:
    """The hub's relay answers each question (its subscription, for the caller to keep).
    `leaves()`: the names of the leaves whose inbound streams it applies; `taken`: what its
    intake took from them; `hints`: what they said they have not begun to send. Not under
    the relay lock: nothing here writes, and a join must not wait behind a long apply to
    learn that something is on its way."""
    from peers_tui.relay.envelope import GROUP_ID

    js = nc.jetstream()

    async def answer(msg: Any) -> None:
        if not msg.reply:
            return
        asker = str(msg.subject).rpartition(".")[2]
        try:
            asked = json.loads(msg.data)
            group_id, key = asked["group"], asked["key"]
            if not (isinstance(group_id, str) and GROUP_ID.fullmatch(group_id)
                    and isinstance(key, str) and KEY.fullmatch(key)):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            await msg.respond(b'{"refused":"not a question of transit"}')
            return
        path = hub / f"{group_id}.db"
        said: dict[str, bool] = {}
        if path.is_file():
            if invite_in_file(path, key):
                said["held"] = True
            elif await _moving(js, group_id, ledger, taken, hints,
                               [leaf for leaf in leaves() if leaf != asker]):
                said["moving"] = True
        await msg.respond(json.dumps(said).encode())

    return await nc.subscribe(TRANSIT_SUBJECTS, cb=answer)


async def _moving(js: Any, group_id: str, ledger: Ledger, taken: TakenFrom,
                  hints: HintsHeard | None, leaves: list[str]) -> bool:
    """A leaf is sending the hub records of the group: the hub took one from it less than
    RECENT seconds ago (its relay still scanning what it publishes: the hub may have caught
    up between two of its batches), it said so less than RECENT seconds ago before sending
    any (unsent_hint.py), or its inbound stream holds one after the hub's position in it
    (not applied yet). The hub's own users' invites need no such look: one
    made here is in the hub's file from the start ("held"). The asker's own stream is left
    out: its host's file lacks the invite, so nothing it sends holds it."""
    import nats

    from peers_tui.relay.envelope import in_subject
    from peers_tui.relay.inbound import leaf_stream, position_key

    if any(taken.recent(leaf, group_id, RECENT) for leaf in leaves):
        return True
    if hints is not None and any(hints.hinted(leaf, group_id, RECENT) for leaf in leaves):
        return True
    for leaf in leaves:
        stream = leaf_stream(leaf)
        # none of the group there (NotFoundError: none sent, or all applied and purged), no
        # stream of that leaf yet: not moving
        with contextlib.suppress(nats.errors.Error, asyncio.TimeoutError):
            last = await js.get_last_msg(stream, in_subject(leaf, group_id))
            if last.seq > ledger.position(position_key(stream)):
                return True
    return False
