"""The hub's membership sequencer: leaves ask before a membership change lands anywhere.

A leaf sends a signed membership change it has not written yet as a NATS request on
`peers.order.<host>.<group>` (through the leaf link). The hub's relay answers it under the
same lock as its apply loop, so the hub's file stays the one order: the change goes through
`apply.apply_records` (the checks of every record from another host, which are those of a
local write) and, accepted, into `PEERS_FED` like any record the hub applied; only then is
the answer sent. A refusal carries the reason and, when another change holds that place
(`stale`), the hub's membership changes from that place on, so the leaf can re-sign against
the new head without a second round trip. A refused proposal was never stored anywhere: it
is an answer, not a quarantined record.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

import peewee

from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.change_pages import page_from
from peers_tui.relay.envelope import GROUP_ID, Envelope, EnvelopeError, from_message
from peers_tui.relay.hub_cut import CUT_OF, HELD_CUT, CutBudget, answer_cut, cut_not_held
from peers_tui.relay.head_question import HEAD_AFTER, answer_head
from peers_tui.relay.hub_heard import answer_pings
from peers_tui.relay.invite_transit import answer_transit
from peers_tui.relay.unsent_hint import HintsHeard
from peers_tui.relay.join_invites import invites_of

if TYPE_CHECKING:
    from peers_tui.relay.inbound import InboundStreams
    import asyncio
    from pathlib import Path

    from peers_tui.relay.config import RelayConfig
    from peers_tui.relay.hub_bounds import HubBounds
    from peers_tui.relay.ledger import Ledger
    from peers_tui.relay.local import LocalScanner


class HubRelay(Protocol):
    """What the sequencer needs of the hub's relay (runner.Relay), named here so that this
    module does not import the runner."""

    hub: Path
    config: RelayConfig
    lock: asyncio.Lock
    ledger: Ledger
    scanner: LocalScanner
    bounds: HubBounds
    inbound: InboundStreams

    async def _send(self, envelopes: list[Envelope]) -> None: ...

ORDER_SUBJECTS = "peers.order.*.*"
MAX_PAYLOAD = 1 << 20  # NATS's default max_payload, until the hub's server said its own


def order_subject(host: str, group_id: str) -> str:
    return f"peers.order.{host}.{group_id}"


def _place(envelope: Envelope) -> tuple[int, str]:
    """The (seq, prev) a membership change claims."""
    try:
        data = json.loads(envelope.text)
        seq, prev = data.get("seq"), data.get("prev")
    except (ValueError, AttributeError):
        return 0, ""
    return (seq if isinstance(seq, int) and not isinstance(seq, bool) else 0,
            prev if isinstance(prev, str) else "")


def _kept(relay: HubRelay, group_id: str) -> GroupStore | None:
    """The scanner's store of the group, opened as one of its kept stores if it is not open
    (kept_stores.py: the least recently used closed), None when the file is missing, lent
    to a walk's thread or damaged here. A store of its own opened for a group outside the
    kept ones cost a change three opens and closes (its bound, its apply, its answer), and
    the change written through another connection had the scanner look at the file again
    and count it against the stream as another process's commit (docs/relay.md, "Many
    groups and a rebuilt stream")."""
    path = relay.hub / f"{group_id}.db"
    kept = relay.scanner.stores.get(group_id)
    if (kept is not None or group_id in relay.scanner.lent or group_id in relay.scanner.damaged
            or not path.is_file()):
        return kept
    try:
        return relay.scanner.store(group_id, path)
    except (PeersError, sqlite3.Error, peewee.DatabaseError):
        return None  # apply_records opens it and says what is wrong


def _past_a_bound(relay: HubRelay, group_id: str, envelope: Envelope) -> str | None:
    """The bound a join or handle change would pass (hub_bounds.change_refused), if any."""
    path = relay.hub / f"{group_id}.db"
    if not path.exists():
        return None  # apply_records says the hub lacks the group
    with _store(relay, group_id) as store:
        try:
            action = json.loads(envelope.text).get("action")
            head_seq = store.current_roster().head_seq if store is not None else 0
        except (ValueError, AttributeError, PeersError):
            return None  # judged, and refused with its reason, by apply_records
    return relay.bounds.change_refused(group_id, action, head_seq)


@contextmanager
def _store(relay: HubRelay, group_id: str) -> Iterator[GroupStore | None]:
    """The hub's store of `group_id` (the scanner's, `_kept`; else opened and closed here),
    or None when the hub has no such file."""
    kept = _kept(relay, group_id)
    if kept is not None:
        yield kept
        return
    path = relay.hub / f"{group_id}.db"
    if not path.exists():
        yield None
        return
    store = GroupStore(path, group_id)
    try:
        yield store
    finally:
        store.close()


class OrderService:
    """Serves `peers.order.*.*` for one hub relay."""

    def __init__(self, relay: HubRelay) -> None:
        self.relay = relay
        self.sub: Any = None
        self.pings: Any = None  # hub_heard.answer_pings
        self.transit: Any = None  # invite_transit.answer_transit
        self.answered = 0
        self.max_payload = MAX_PAYLOAD
        self.cut_budget = CutBudget()  # each leaf's share of the hub's time for cut walks
        # ... and for its membership changes: each is judged on the hub's event loop under
        # its relay lock (~1.5 ms, a transaction and the roster), so a leaf sending changes
        # in a loop held every delivery up (fifteenth attack pass)
        self.order_budget = CutBudget("membership changes", "PEERS_RELAY_ORDER_BURST")

    async def start(self, nc: Any, heard: Any = None) -> None:
        self.max_payload = int(nc.max_payload or MAX_PAYLOAD)  # the hub's server's (its INFO)
        self.sub = await nc.subscribe(ORDER_SUBJECTS, cb=self._on_request)
        # Whether the sequencer is there to answer at all, asked with each leaf's link probe;
        # `heard` (leaf_heard.LeafHeard) notes which leaf asked: a leaf not heard is silent
        # (and what each leaf says it has not begun to send, for the question below)
        hints = HintsHeard()
        self.pings = await answer_pings(nc, self.relay.lock, heard, hints)
        # Whether a join's invite is on its way to a host that holds its group (invite_transit)
        self.transit = await answer_transit(nc, self.relay.hub, self.relay.ledger,
                                            lambda: sorted(self.relay.config.leaves),
                                            self.relay.inbound.taken, hints)

    async def _on_request(self, msg: Any) -> None:
        try:
            answer = await self.decide(msg)
        except Exception as exc:  # never leave a leaf waiting for its timeout
            answer = {"ok": False, "reason": f"the hub could not decide ({exc.__class__.__name__})"}
        self.answered += 1
        if msg.reply:
            data = json.dumps(answer).encode()
            if len(data) > self.max_payload:  # unsendable: the leaf would wait, told nothing
                data = json.dumps({"ok": False, "reason": f"the hub's answer ({len(data)} "
                                   f"bytes) is more than NATS carries ({self.max_payload})"}
                                  ).encode()
            await msg.respond(data)

    async def _question(self, budget: Any, host: str, group_id: str,
                        answer: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """A question a leaf asks of the hub's file (no change made): answered under the
        relay's lock, its time spent from `budget`'s share for that host."""
        busy = budget.refusal(host)
        if busy is not None:
            return {"ok": False, "reason": busy}
        async with self.relay.lock:
            with _store(self.relay, group_id) as store:
                began = time.monotonic()
                try:
                    return (answer(store) if store is not None
                            else {"ok": False, "reason": f"the hub does not have group {group_id}"})
                finally:
                    budget.spent(host, time.monotonic() - began)

    async def decide(self, msg: Any) -> dict[str, Any]:
        parts = msg.subject.split(".")
        if len(parts) != 4:
            return {"ok": False, "reason": "not an order request"}
        host, group_id = parts[2], parts[3]
        if not GROUP_ID.fullmatch(group_id):  # a token is any text but a dot: "/any/path"
            return {"ok": False, "reason": "not an order request"}  # opened <hub>/<it>.db
        asked = (msg.headers or {}).get(CUT_OF)
        if asked is not None:  # where a change made mid-walk cuts a member's chain (hub_cut.py)
            return await self._question(self.cut_budget, host, group_id,
                                        lambda store: answer_cut(store, asked))
        after = (msg.headers or {}).get(HEAD_AFTER)
        if after is not None:  # a change that would change nothing, judged here (hub_head.py)
            # a share of the hub's time, as a change's
            return await self._question(self.order_budget, host, group_id,
                                        lambda store: answer_head(store, self.relay.hub, after))
        try:  # in the name of the host whose subject it came on, whatever its header says
            envelope = replace(from_message(msg.data, msg.headers, host), origin=host)
        except EnvelopeError as exc:
            return {"ok": False, "reason": str(exc)}
        if envelope.table != "member" or envelope.group_id != group_id:
            return {"ok": False, "reason": "only membership changes are ordered"}
        relay = self.relay
        # A join's invite, made on the same leaf, may not have reached the hub yet: the
        # request carries it, applied first like any record of that leaf's (join_invites.py).
        invites = invites_of(group_id, host, msg.headers)
        busy = self.order_budget.refusal(host)
        if busy is not None:
            return {"ok": False, "reason": busy}
        async with relay.lock:  # one order: never beside the apply loop
            began = time.monotonic()
            try:
                return await self._order(host, group_id, envelope, invites, msg.headers)
            finally:
                self.order_budget.spent(host, time.monotonic() - began)

    async def _order(self, host: str, group_id: str, envelope: Envelope,
                     invites: list[Envelope], headers: dict[str, str] | None
                     ) -> dict[str, Any]:
        """A leaf's membership change judged and, accepted, published: the answer (under
        the relay's lock)."""
        relay = self.relay
        refusal = _past_a_bound(relay, group_id, envelope)
        if refusal is None and (headers or {}).get(HELD_CUT):
            refusal = self.cut_budget.refusal(host)
            if refusal is None:
                with _store(relay, group_id) as store:
                    began = time.monotonic()
                    refusal = cut_not_held(store, envelope.text) if store is not None else None
                    self.cut_budget.spent(host, time.monotonic() - began)
        if refusal is not None:
            return {"ok": False, "reason": refusal}
        try:
            outcome = apply_records(relay.hub, group_id, [*invites, envelope], create=False,
                                    store=_kept(relay, group_id))
        except PeersError as exc:
            return {"ok": False, "reason": str(exc)}
        if outcome is None:
            return {"ok": False, "reason": f"the hub does not have group {group_id}"}
        for lost, why in outcome.lost:  # what the change voids, kept as every host keeps it
            relay.ledger.quarantine_taken_out(  # under its author's host (relay.voided)
                lost if lost.origin else replace(lost, origin=relay.scanner.name), why)
        relay.ledger.keep_origins()  # where the invites' authors' records came from
        accepted = outcome.applied + outcome.duplicates
        if outcome.applied:  # through the kept store: the relay's own commit (local.py)
            relay.scanner.note_applied(group_id)
        if accepted:
            fresh = [e for e in accepted if not relay.ledger.is_known(e.hash)]
            try:
                await relay._send(fresh)
                relay.ledger.add_known(e.hash for e in accepted)
            except Exception:  # in the hub's file: its own publisher sends it (not known)
                pass
        if any(e.hash == envelope.hash for e in accepted):
            return {"ok": True}
        reason = next((r for e, r in outcome.refused + outcome.waiting
                       if e.hash == envelope.hash), "refused")
        answer: dict[str, Any] = {"ok": False, "reason": reason}
        with _store(relay, group_id) as store:
            if store is None:
                return answer
            seq, prev = _place(envelope)
            roster = store.current_roster()
            if (seq, prev) != (roster.head_seq + 1, roster.head_hash):
                # Signed against another head than the hub's: what the leaf lacks, from the
                # place before its change (its own copy of that one may differ too), a page
                # of it with the hub's head ("seq", as the head question's): a leaf further
                # behind asks for the rest (hub_head.catch_up_stale).
                answer.update(stale=True, seq=roster.head_seq,
                              **page_from(store, relay.hub, seq - 1))
        return answer
