"""MEASURE: the cost of 20,000 held records at the hub and at a leaf (docs/relay.md
"Batches isolated (h-isolate)"). Prints figures; CPU time of this process."""

from __future__ import annotations

import os
import time

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.relay.apply import apply_records
from peers_tui.relay.held_waits import HeldWaits, head_seq
from peers_tui.relay.ledger import Ledger
from peers_tui.core.group_store import GroupStore
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import busy_group, local_envelopes
from tests.core.test_relay_held_waits import _edits

pytestmark = pytest.mark.slow
N = int(os.environ.get("HELD_N", "20000"))


def cpu(work, times=3):
    best = None
    for _ in range(times):
        began = time.process_time()
        work()
        took = time.process_time() - began
        best = took if best is None else min(best, took)
    return best


def test_measure(tmp_path, alice, bob):
    group_id = busy_group(alice, bob)
    remote = tmp_path / "other-hub"
    remote.mkdir()
    apply_records(remote, group_id, local_envelopes(alice, group_id), create=True)
    never = ulid_text(new_ulid(now_ms() - 10 ** 6))
    chain = _edits(Forger(bob.home), alice.hub / f"{group_id}.db", group_id, N, never)
    outcome = apply_records(remote, group_id, chain, create=True)
    assert len(outcome.waiting) == N
    ledger = Ledger(tmp_path / "relay.db")
    ledger.hold_all(outcome.waiting)
    waits = HeldWaits()
    waits.settle(outcome)
    alice.ok("send", "team", "alice's message")
    [new] = [e for e in local_envelopes(alice, group_id) if "alice's message" in e.text]
    store = GroupStore(remote / f"{group_id}.db", group_id)
    print("\nload", os.getloadavg())
    head = head_seq(store)
    if hasattr(ledger, "held_hashes"):  # this branch
        def choice():
            digests = ledger.held_hashes(group_id)
            seen = set(digests)
            return ledger.held(group_id, waits.due(group_id, digests, [new], head))
        waits.due(group_id, ledger.held_hashes(group_id), [new], 0)  # the first look: all
    else:  # main
        def choice():
            held = ledger.held(group_id)
            seen = {e.hash for e in held}
            return waits.due(group_id, held, [new], head)
        waits.due(group_id, ledger.held(group_id), [new], 0)
    assert choice() == []
    t_choice = cpu(choice, 5)
    held = ledger.held(group_id)
    t_all = cpu(lambda: apply_records(remote, group_id, held + [new], create=True, store=store), 2)
    t_one = cpu(lambda: apply_records(remote, group_id, [new], create=True, store=store))
    print(f"N={N} the batch's choice {t_choice:.4f} s, "
          f"apply all held + 1 {t_all:.3f} s, apply 1 alone {t_one:.4f} s")
    print("load", os.getloadavg())
