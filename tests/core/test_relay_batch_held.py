"""A record whose message id the first record of its batch took at the hub, when that first
one does not go in (hub_holds_id.BATCH_HELD; docs/relay.md, "One message id, two records").
It waited to be tried again with the group's next batch: after a first record that is refused
(it never goes in), it sat unapplied at the hub until someone wrote to the group again. Now
it is tried again in the same apply once nothing waits that could still take the id; one
whose first record waits keeps waiting (that record came first: it takes the id if it goes in).
Real group files, no transport."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_holds_id import BATCH_HELD
from peers_tui.testing.forge import Forger
from tests.core.test_relay_hub_holds_id import a_host, signed_elsewhere, tables


def test_a_record_after_a_refused_batch_mate_of_its_id_goes_in_at_once(
        tmp_path, alice, bob, carol, team):
    """carol, no member, signs a message with the id of bob's, and hers comes first in the
    hub's batch: hers is refused, bob's goes in (it waited for the group's next batch)."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + 1000))
    [copy] = signed_elsewhere(tmp_path, db, team, carol.home, "carol", shared)
    [genuine] = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared)
    hub = a_host(tmp_path, alice, team, "hub")
    outcome = apply_records(hub, team, [copy, genuine], create=False)
    assert outcome is not None, outcome
    assert outcome.waiting == [] and outcome.applied == [genuine], outcome
    assert [reason for _, reason in outcome.refused] == [
        "author was not a member when it was written"]
    assert tables(hub / f"{team}.db", shared) == ([genuine.text], [])


def test_a_record_after_a_waiting_batch_mate_of_its_id_still_waits_for_it(
        tmp_path, alice, bob, team):
    """alice's record of the id comes first but waits (it names a membership state the hub
    has not received): bob's waits behind it, as before (hers takes the id if it goes in)."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + 1000))
    mseq = Forger.membership_head(db)[0] + 5
    first = signed(tmp_path, db, team, alice.home, "alice", shared, mseq=mseq)
    [genuine] = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared)
    hub = a_host(tmp_path, alice, team, "hub")
    outcome = apply_records(hub, team, [first, genuine], create=False)
    assert outcome is not None and outcome.applied == [] and outcome.refused == [], outcome
    assert sorted(reason for _, reason in outcome.waiting) == sorted([
        BATCH_HELD, f"membership state {mseq} not yet received"])


def signed(tmp_path: Path, db: Path, group_id: str, home: Path, name: str, message_id: str,
           **options: Any) -> Envelope:
    """A message `home`'s key signs with `message_id` in a copy of `db` (Forger.message's
    options), as an envelope."""
    copy = tmp_path / f"{name}-signed.db"
    shutil.copy(db, copy)
    Forger(home).message(copy, group_id, f"{name}'s", id=message_id, **options)
    with sqlite3.connect(copy) as conn:
        text, sig = conn.execute("SELECT record, sig FROM message WHERE id = ?",
                                 (message_id,)).fetchone()
    return Envelope(group_id, "msg", text, bytes(sig), None, name)
