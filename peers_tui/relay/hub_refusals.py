"""The hub's refusals told to the leaf that sent the record (docs/relay.md, "The hub's
refusals told to the sender (h-refusedback)").

A record the hub refused was quarantined at the hub alone: on its own host it stood in the
file, counted as sent, its author told nothing (fourteenth acceptance pass).

The hub: every refusal of a record that came on `peers.in.<leaf>.*` (from that leaf, by
permissions.py) is told to that leaf at once, on `_INBOX_<leaf>.peers-refused`, under the
leaf's own inbox prefix, where no leaf nor local user may publish: a refusal goes to the
host its record came from alone (the group, the record's table, hash, claimed id, reason).

The leaf: a notice is kept in its ledger (`refused_at_hub`), the row found by the id claimed and
matched by its record's hash; `relay status` counts them, `relay rejected` lists them, `.link.json`
carries each group's count and ids (`peers groups`, the apps). A record that comes back in
`PEERS_FED` is no longer refused; one told again keeps its last reason. Missed ones: `ask`.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from peers_tui.core.database.side_files import read_only
from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.relay.config import inbox_prefix
from peers_tui.relay.envelope import GROUP_ID, TABLES, Envelope
from peers_tui.relay.hub_cut import CutBudget
from peers_tui.relay.leaf_mac import HEADER, mac, proven
from peers_tui.relay.refused_told import Told, told_of

TAIL = "peers-refused"
NOTICE, ANSWER = b"notice", b"answer"  # what a MAC proves (leaf_mac.py): one, or an answer
ASK_SUBJECTS = "peers.refusals.*"  # a leaf asks for the refusals it may have missed
ASK_PAGE = 200
ASK_COST = 0.1  # s of a leaf's share a question counts at least: 20 at once, then 1 a second
ASKED_KEY = "refused_asked"  # in the leaf's positions: the hub's time of the last one heard
KEEP = 1000        # records kept here with their reason; past it counted only
HASH = re.compile(r"[0-9a-f]{64}")
MESSAGE_ID = re.compile(r"[0-9A-Za-z]{1,40}")
COUNT_KEY = "refused_at_hub"  # in the ledger's positions: every notice counted
SCHEMA = """
CREATE TABLE IF NOT EXISTS refused_at_hub (hash TEXT NOT NULL, group_id TEXT NOT NULL,
    tbl TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL, message_id TEXT,
    record TEXT, PRIMARY KEY (hash, group_id));
CREATE TABLE IF NOT EXISTS taken_out (hash TEXT, group_id TEXT, PRIMARY KEY (hash, group_id));
"""
# taken_out: applied, then voided by a cut (relay.voided): not told (h-voidorigin)


def notice_subject(host: str) -> str:
    return f"{inbox_prefix(host)}.{TAIL}"


def ask_subject(host: str) -> str:
    return f"peers.refusals.{host}"


# ----------------------------------------------------------------- the hub
class TellOrigin:
    """The hub's side: `__call__(envelope, reason)` for every refusal (Ledger.quarantine),
    told to the leaf it came from when that is a leaf holding a token."""

    def __init__(self, leaves: Callable[[], dict[str, str]],
                 known: Callable[[str], bool] = lambda digest: False) -> None:
        self.leaves = leaves
        # Records the hub took (Ledger.is_known): a copy of one refused (its signature
        # spoiled, say) is no refusal of the record, and is told to no one: any process of a
        # leaf host could otherwise have its relay mark another's genuine message refused.
        self.known = known
        self.nc: Any = None
        self.db: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sending: set[asyncio.Task[None]] = set()
        self.inbound: Callable[[str], Awaitable[dict[str, int] | None]] | None = None
        self.budget = CutBudget("questions", "PEERS_RELAY_ASK_BURST")  # seventeenth attack pass

    async def connected(self, nc: Any, db: sqlite3.Connection) -> None:
        """Told from now on; and answering a leaf's question, at each of its links, for the
        refusals it missed (told while its link or relay was down)."""
        self.nc, self.loop, self.db = nc, asyncio.get_running_loop(), db
        await nc.subscribe(ASK_SUBJECTS, cb=self._answer)

    async def _answer(self, msg: Any) -> None:
        host = msg.subject.split(".")[-1]  # the asking leaf, by its permissions (permissions.py)
        key = self.leaves().get(host)
        if not key or not msg.reply or self.budget.refusal(host):
            return  # over its share: no answer (asked again at its next link)
        began = time.monotonic()
        try:
            asked = json.loads(msg.data)
            since = int(asked.get("since", 0))
        except (ValueError, TypeError, AttributeError):
            asked, since = {}, 0
        rows = self.db.execute(
            "SELECT group_id, tbl, hash, record, reason, at FROM quarantine AS q WHERE host = ?"
            " AND at >= ? AND NOT EXISTS (SELECT 1 FROM known WHERE known.hash = q.hash)"
            " AND NOT EXISTS (SELECT 1 FROM taken_out AS t WHERE t.hash = q.hash AND"
            " t.group_id = q.group_id) ORDER BY at, hash LIMIT ?", (host, since, ASK_PAGE)).fetchall()
        notices = [_notice(str(group), str(table), str(digest), str(text), str(reason)) | {"at": at}
                   for group, table, digest, text, reason, at in rows]
        answer: dict[str, Any] = {"refused": notices, "more": len(rows) == ASK_PAGE}
        if asked.get("inbound") and self.inbound is not None:  # what the hub has of its
            answer["inbound"] = await self.inbound(host)  # records (lost_inbound.hub_answer)
        answer["now"] = now_ms()  # the hub's clock, for the leaf's writers (hub_clock.py)
        body = json.dumps(answer).encode()
        self.budget.spent(host, max(ASK_COST, time.monotonic() - began))
        await self.nc.publish(msg.reply, body, headers={HEADER: mac(key, ANSWER + msg.data, body)})

    def anew(self, host: str) -> None:
        """Tell leaf `host` a stream it uses was made again: it asks at once (unconfirmed.py)."""
        key = self.leaves().get(host)
        if self.loop is not None and key:
            body = json.dumps({"anew": 1}).encode()
            self.loop.call_soon_threadsafe(self._publish, notice_subject(host), body,
                                           mac(key, NOTICE, body))

    def __call__(self, envelope: Envelope, reason: str) -> None:
        key = self.leaves().get(envelope.origin)
        if self.loop is None or not key or self.known(envelope.hash):
            return
        body = json.dumps(_notice(envelope.group_id, envelope.table, envelope.hash,
                                  envelope.text, reason)).encode()
        # (from the loop's thread, or an apply lent to a thread: background_apply.py)
        self.loop.call_soon_threadsafe(self._publish, notice_subject(envelope.origin), body,
                                       mac(key, NOTICE, body))

    def _publish(self, subject: str, body: bytes, proof: str) -> None:
        task = asyncio.ensure_future(self.nc.publish(subject, body, headers={HEADER: proof}))
        self.sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self.sending.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the connection is gone
            print(f"peers relay: a refusal not told to its leaf: {task.exception()}",
                  file=sys.stderr, flush=True)


def _notice(group_id: str, table: str, digest: str, text: str, reason: str) -> dict[str, Any]:
    claimed = _claimed_id(text) if table == "msg" else None
    return {"group": group_id, "table": table, "hash": digest, "id": claimed,
            "reason": reason[:500]}


def _claimed_id(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    claimed = data.get("id") if isinstance(data, dict) else None
    return claimed if isinstance(claimed, str) and MESSAGE_ID.fullmatch(claimed) else None


# ----------------------------------------------------------------- the leaf
def prepare(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


class HeardRefusals:
    """The leaf's side: notices from the hub kept in the ledger, and what users see of them."""

    def __init__(self, hub: Path, db: sqlite3.Connection,
                 changed: Callable[[str, Told], None],
                 key: Callable[[], str] = str) -> None:
        self.hub, self.db, self.changed = hub, db, changed
        self.key = key  # this leaf's credential (as its config now says): the hub's proof
        self.hashes = {str(h) for h, in db.execute("SELECT hash FROM refused_at_hub")}
        # What the hub says of this leaf's inbound stream, a record it refused, a stream made
        # again (relay/lost_inbound.py)
        self.on_inbound: Callable[[object], None] | None = None
        self.on_heard: Callable[[str], None] | None = None
        self.on_anew: Callable[[], None] | None = None
        self.stamped: tuple[int, Any, int] | None = None  # asked, hub's time, answered (hub_clock)

    def start(self) -> None:
        """What is kept already, to `.link.json` (a restarted relay)."""
        for group_id, in self.db.execute("SELECT DISTINCT group_id FROM refused_at_hub").fetchall():
            self._tell(str(group_id))

    async def notice(self, msg: Any) -> None:
        if not proven(self.key(), NOTICE, msg.data, msg.headers):
            return  # not the hub's: any process of this host may publish here (leaf_mac.py)
        try:
            data = json.loads(msg.data)
        except ValueError:
            return
        if isinstance(data, dict) and data.get("anew") and self.on_anew is not None:
            self.on_anew()
        else:
            self.take(data)

    async def ask(self, nc: Any, host: str) -> bool:
        """At each link: the hub's refusals of this host's records since the last one heard
        (a notice sent while the link or this relay was down went nowhere), and on the first
        page what the hub has of its records (`inbound`: relay/unconfirmed.py). False when
        the hub did not answer (asked again)."""
        for page in range(50):  # pages; the rest at the next link
            since = self.db.execute("SELECT value FROM positions WHERE key = ?",
                                    (ASKED_KEY,)).fetchone()
            try:
                question = json.dumps({"since": since[0] if since else 0, "inbound": page == 0,
                                       "nonce": secrets.token_hex(16)}).encode()  # no replay
                asked, reply = now_ms(), await nc.request(ask_subject(host), question, timeout=2.0)
                answered = now_ms()
                if not proven(self.key(), ANSWER + question, reply.data, reply.headers):
                    raise ValueError("an answer that is not the hub's")
                answer = json.loads(reply.data)
                self.stamped = (asked, answer.get("now"), answered) if page == 0 else self.stamped
                notices, more = list(answer["refused"]), bool(answer.get("more"))
            except Exception as exc:  # no hub, a hub from before this: asked again
                print(f"peers relay: the hub's refusals not asked for: {exc!r}", file=sys.stderr, flush=True)
                return False
            if page == 0 and self.on_inbound is not None and answer.get("inbound"):
                self.on_inbound(answer["inbound"])
            last = 0
            for notice in notices:
                self.take(notice)
                if isinstance(notice, dict) and isinstance(notice.get("at"), int):
                    last = max(last, notice["at"])
            if last:
                self.db.execute("INSERT OR REPLACE INTO positions (key, value) VALUES (?, ?)",
                                (ASKED_KEY, last))
            if not more or not last:
                return True
        return True

    def take(self, data: Any) -> None:
        """One notice (the hub's, on this host's own subject); anything malformed is dropped."""
        try:
            group_id, table, digest = data["group"], data["table"], data["hash"]
            reason, claimed = str(data["reason"])[:500], data.get("id")
        except (TypeError, KeyError):
            return
        if not (isinstance(group_id, str) and GROUP_ID.fullmatch(group_id) and table in TABLES
                and isinstance(digest, str) and HASH.fullmatch(digest)):
            return
        self.heard(group_id, table, digest, reason,
                   claimed if isinstance(claimed, str) and MESSAGE_ID.fullmatch(claimed) else None)

    def heard(self, group_id: str, table: str, digest: str, reason: str,
              claimed: str | None, said: str = "the hub refused") -> None:
        """Kept (once a record), counted; its row found in this host's file by the id claimed."""
        if self.on_heard is not None:  # the hub has it: not sent again (unconfirmed.py)
            self.on_heard(digest)
        if digest in self.hashes:  # told again: kept with its last reason (as at the hub)
            self.db.execute("UPDATE refused_at_hub SET reason = ? WHERE hash = ? AND group_id = ?",
                            (reason, digest, group_id))
            self._tell(group_id)  # (void now, perhaps: taken out here since)
            return
        found, text = (None, None) if claimed is None else _row(self.hub, group_id, claimed, digest)
        nested = self.db.in_transaction
        if not nested:
            self.db.execute("BEGIN IMMEDIATE")
        try:
            kept = self.db.execute("SELECT COUNT(*) FROM refused_at_hub").fetchone()[0]
            if kept < KEEP or found:
                self.db.execute(
                    "INSERT OR IGNORE INTO refused_at_hub (hash, group_id, tbl, reason, at,"
                    " message_id, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (digest, group_id, table, reason, int(time.time() * 1000), found, text))
            self.db.execute("INSERT INTO positions (key, value) VALUES (?, 1) ON CONFLICT (key)"
                            " DO UPDATE SET value = value + 1", (COUNT_KEY,))
        except BaseException:
            if not nested:
                self.db.execute("ROLLBACK")
            raise
        if not nested:
            self.db.execute("COMMIT")
        self.hashes.add(digest)
        print(f"peers relay: group {group_id}: {said} {table} {digest[:12]}"
              f"{f' (message {found})' if found else ''}: {reason}", file=sys.stderr, flush=True)
        self._tell(group_id)

    def carried(self, envelope: Envelope) -> None:
        """A record of this host's came back in the federation's stream: the hub took it after
        all (a refusal for a missing predecessor, say), so it is refused no longer."""
        if envelope.hash not in self.hashes:
            return
        self.hashes.discard(envelope.hash)
        self.db.execute("DELETE FROM refused_at_hub WHERE hash = ?", (envelope.hash,))
        self.db.execute("UPDATE positions SET value = MAX(0, value - 1) WHERE key = ?",
                        (COUNT_KEY,))
        self._tell(envelope.group_id)

    def _tell(self, group_id: str) -> None:  # (and which a cut voided: refused_told.py)
        self.changed(group_id, told_of(self.db, group_id))


def _row(hub: Path, group_id: str, message_id: str, digest: str) -> tuple[str | None, str | None]:
    """(the id, the record) of this host's row with that id whose record has that hash."""
    from peers_tui.core.raw_values import text_of

    path = hub / f"{group_id}.db"
    if not path.is_file():
        return None, None
    try:
        db = read_only(f"file:{path}?mode=ro", path, timeout=2)
        try:
            row = db.execute("SELECT record FROM message WHERE id = ?", (message_id,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None, None
    text = text_of(row[0]) if row is not None else None
    return (message_id, text) if isinstance(text, str) and record_hash(text) == digest else (None, None)


__all__ = ["HeardRefusals", "TellOrigin", "notice_subject", "prepare"]
