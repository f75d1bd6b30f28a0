"""The hub retries a held record only when its wait may have ended (relay/held_waits.py;
docs/relay.md "Fourteenth attack pass"): a member's chain whose first record follows one
that never comes no longer costs every later batch of the group its whole length. (The
attack pass held a chain of edits of a message that never comes; such a change is stored
without its message now, core.changes_alone, so the chain here waits for its predecessor.)

Real records signed by bob, held by a real apply (relay.apply.apply_records) on a copy of the
group, their waits read from the apply's own reasons.
"""

from __future__ import annotations

import time

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.held_waits import RETRY_ALL, HeldWaits, head_seq
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import busy_group, local_envelopes


def held_posts(forger: Forger, db, group_id: str, count: int) -> tuple[Envelope, list[Envelope]]:
    """bob's next `count` + 1 records, each naming the one before: the first, withheld, and
    the `count` after it."""
    aseq, aprev = forger.chain_head(db)
    mseq = forger.membership_head(db)[0]
    chain = []
    for i in range(count + 1):
        stamp = now_ms()  # the id's time and the signing time one (else backdated at a tick)
        record = forger.sign(RecordKind.MSG, group_id, {
            "id": ulid_text(new_ulid(stamp)), "type": "text", "body": f"post {i}",
            "aseq": aseq + 1 + i, "aprev": aprev, "mseq": mseq}, t=stamp)
        aprev = record.hash
        chain.append(Envelope(group_id, "msg", record.text, record.sig, None, "B"))
    return chain[0], chain[1:]


def held_chain(tmp_path, alice, bob, count: int):
    """bob's chain of `count` posts after one that never comes, held by a real apply on a
    copy of alice's group in `tmp_path`/other-hub: (group id, that hub, chain, outcome, the
    record that never comes)."""
    group_id = busy_group(alice, bob)
    remote = tmp_path / "other-hub"
    remote.mkdir()
    apply_records(remote, group_id, local_envelopes(alice, group_id), create=True)
    never, chain = held_posts(Forger(bob.home), alice.hub / f"{group_id}.db", group_id, count)
    outcome = apply_records(remote, group_id, chain, create=True)
    assert len(outcome.waiting) == count
    return group_id, remote, chain, outcome, never


def test_a_chain_waiting_for_a_message_that_never_comes_is_not_retried(tmp_path, alice, bob):
    group_id, remote, chain, outcome, never = held_chain(tmp_path, alice, bob, 300)
    waits = HeldWaits()
    waits.settle(outcome)
    held = [e.hash for e, _ in outcome.waiting]  # (as Ledger.held_hashes gives them)
    alice.ok("send", "team", "alice's message")
    [arriving] = [e for e in local_envelopes(alice, group_id) if "alice's message" in e.text]
    now = time.monotonic()
    assert len(waits.due(group_id, held, [arriving], 0, now=now)) == 300  # the first look: all
    assert waits.due(group_id, held, [arriving], 0, now=now + 1) == []  # nothing ended
    # ... and the whole chain once its first wait ends (the record it follows arrives)
    message = arriving
    assert waits.due(group_id, held, [never], 0, now=now + 2) == held
    assert waits.due(group_id, held, [message], 0, now=now + 3) == []
    # ... or once the hub's own scan published it (bob wrote it on the hub's host)
    waits.written(group_id, [never])
    assert waits.due(group_id, held, [message], 0, now=now + 4) == held
    assert waits.due(group_id, held, [message], 0, now=now + 5) == []  # told once
    assert len(waits.due(group_id, held, [message], 0, now=now + RETRY_ALL + 1)) == 300


def test_a_record_waiting_for_a_membership_state_is_due_once_the_log_reaches_it(
        tmp_path, alice, bob, carol):
    group_id = busy_group(alice, bob)
    remote = tmp_path / "other-hub"
    remote.mkdir()
    apply_records(remote, group_id, local_envelopes(alice, group_id), create=True)
    forger = Forger(bob.home)
    db = alice.hub / f"{group_id}.db"
    aseq, aprev = forger.chain_head(db)
    head = forger.membership_head(db)[0]
    # Signed at its id's time: signed a millisecond after it (the clock ticking between the
    # two) it is backdated, refused once the log reaches its state (a CI at 0929081).
    stamp = now_ms()
    early = forger.sign(RecordKind.MSG, group_id, {
        "id": ulid_text(new_ulid(stamp)), "type": "text", "body": "ahead of the log",
        "aseq": aseq + 1, "aprev": aprev, "mseq": head + 1}, t=stamp)
    envelope = Envelope(group_id, "msg", early.text, early.sig, None, "B")
    outcome = apply_records(remote, group_id, [envelope], create=True)
    assert [r for _, r in outcome.waiting] == [f"membership state {head + 1} not yet received"]
    waits = HeldWaits()
    waits.settle(outcome)
    now = time.monotonic()
    assert waits.due(group_id, [envelope.hash], [], head, now=now) == [envelope.hash]  # the first look
    assert waits.due(group_id, [envelope.hash], [], head, now=now + 1) == []
    carol.ok("join", alice.ok("invite", "team").out.strip())  # the log moves on
    apply_records(remote, group_id, local_envelopes(alice, group_id), create=True)
    from peers_tui.core.group_store import GroupStore
    store = GroupStore(remote / f"{group_id}.db", group_id)
    assert head_seq(store) == head + 1
    assert waits.due(group_id, [envelope.hash], [], head_seq(store), now=now + 2) == [envelope.hash]
    after = apply_records(remote, group_id, [envelope], create=True)
    assert after.applied == [envelope], after  # (its refusals, waits and duplicates: once seen [])
    waits.settle(after)
    assert waits.waits == {}
