"""What a relay holds waiting, chosen through an index kept between batches, read again from
the ledger after a restart without retrying them all, and looked up in the file when another
process wrote it (relay/held_retry.py; docs/relay.md "Held and isolated records (h-left17)").

Real records signed by bob (tests/core/test_relay_held_waits.py: a chain of edits whose first
follows a record that never comes), held by a real apply on a copy of the group and kept in a
real relay.db. Before, a batch read every held hash of the group from the ledger and walked
them all (~0.03 s of CPU a batch at 20,000, linear), and the first batch of a group after a
restart retried every held record (~0.85 s at 20,000). Prints the figures (CPU time of this
process, best of five, with the load average).
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.held_retry import HeldRetry
from peers_tui.relay.held_waits import HeldWaits
from peers_tui.relay.ledger import Ledger
from tests.core.test_relay_apply import busy_group, local_envelopes
from tests.core.test_relay_held_waits import held_chain
from tests.core.test_relay_held_scale import cpu

HELD = 20_000


class Started(HeldRetry):
    """A relay's held records as a relay just started has them: the ledger, no waits in memory."""

    def __init__(self, hub, ledger: Ledger) -> None:
        self.hub, self.ledger, self.held_waits = hub, ledger, HeldWaits()
        self._retry_setup()


@pytest.mark.slow
def test_a_batch_chooses_from_20000_held_in_constant_time_and_a_start_retries_none(
        tmp_path, alice, bob):
    group_id, remote, chain, outcome, _ = held_chain(tmp_path, alice, bob, HELD)
    ledger = Ledger(tmp_path / "relay.db")
    ledger.hold_all(outcome.waiting)
    alice.ok("send", "team", "alice's message")
    [new] = [e for e in local_envelopes(alice, group_id) if "alice's message" in e.text]
    store = GroupStore(remote / f"{group_id}.db", group_id)
    relay = Started(remote, ledger)
    load = os.getloadavg()

    async def first() -> tuple[list, float, float]:
        began, wall = time.process_time(), time.monotonic()
        held, _ = await relay._held_for(group_id, [new], store, set())
        return held, time.process_time() - began, time.monotonic() - wall
    held, start_cpu, start_wall = asyncio.run(first())
    assert held == []  # the first batch after a start: the waits read again, none retried
    assert relay.held_waits.count(group_id) == HELD

    def batch() -> None:
        assert asyncio.run(relay._held_for(group_id, [new], store, set()))[0] == []
    at_20000 = cpu(batch, 5)
    gone = [e.hash for e in chain[:HELD - 2_000]]
    ledger.release(gone)
    for digest in gone:
        relay.held_waits.forget(digest)
    at_2000 = cpu(batch, 5)
    base = cpu(lambda: asyncio.run(asyncio.sleep(0)), 5)  # an event loop's own cost
    print(f"\nstart: {start_cpu:.3f} s CPU ({start_wall:.3f} s), a batch's choice: "
          f"{at_20000 - base:.5f} s at {HELD} held, {at_2000 - base:.5f} s at 2000 "
          f"(loop {base:.5f} s); load {load[0]:.1f}")
    assert at_20000 - base < 3 * max(at_2000 - base, 0.0005)  # constant, not 10x
    ledger.close()


def test_a_held_record_whose_wait_another_process_wrote_is_due_at_once(tmp_path, alice, bob):
    """bob's second message held for his first (its place); the first written into the file
    by another process (`peers relay refetch` applies in its own): the relay, looking at the
    file, retries the second at once, no batch of the group needed."""
    group_id = busy_group(alice, bob)
    bob.ok("send", "team", "bob one")
    bob.ok("send", "team", "bob two")
    records = local_envelopes(alice, group_id)
    [one] = [e for e in records if '"bob one"' in e.text]
    [two] = [e for e in records if '"bob two"' in e.text]
    remote = tmp_path / "other-hub"
    remote.mkdir()
    apply_records(remote, group_id, [e for e in records if e not in (one, two)], create=True)
    outcome = apply_records(remote, group_id, [two], create=True)
    assert [e for e, _ in outcome.waiting] == [two]
    ledger = Ledger(tmp_path / "relay.db")
    ledger.hold_all(outcome.waiting)
    relay = Started(remote, ledger)
    store = GroupStore(remote / f"{group_id}.db", group_id)

    async def look() -> tuple[set, list]:
        met = await relay._met_here(group_id, store)
        held, _ = await relay._held_for(group_id, [], store, met)
        return met, held
    assert asyncio.run(look()) == (set(), [])  # nothing met: nothing retried
    assert apply_records(remote, group_id, [one], create=True).applied == [one]  # elsewhere
    met, held = asyncio.run(look())
    assert held == [two] and met
    ledger.close()
