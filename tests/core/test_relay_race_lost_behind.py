"""A leaf loses a membership race while the hub's change at the contested place has to wait
(soak seed 3303; docs/relay.md "The soak forges membership changes and reactions (h-soak2)").

A member's client wrote a valid change (their own handle) straight into the leaf's file at
the next place N while the leaf's relay was down; the founder, on the hub, made an invite and
revoked it (change N), then another (change N+1). The hub's scan published both changes
before the invites they revoke, so on the leaf, in one batch, change N waited for its invite
and change N+1 was judged against the leaf's own change at N: "does not follow the previous
change (chain broken)", refused for good. Change N then took its place (the leaf's own lost
the race), but N+1 never came again: the leaf's log stayed behind the hub's and every later
record of the group waited for it. Records from the hub's stream are in the hub's order: one
whose previous change is not the leaf's must wait while the leaf's own change there may still
lose its place.
"""

from __future__ import annotations

import shutil
import sqlite3

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger


def _head(db, group_id):
    store = GroupStore(db, group_id)
    try:
        roster = store.current_roster()
        return roster.head_seq, roster.head_hash
    finally:
        store.close()


def test_the_hubs_next_change_waits_while_the_leafs_own_loses_its_place(tmp_path, alice, bob, team):
    hub_db = alice.hub / f"{team}.db"
    leaf = tmp_path / "leaf-hub"
    leaf.mkdir()
    leaf_db = leaf / f"{team}.db"
    shutil.copy(hub_db, leaf_db)  # the leaf had everything up to here
    head = _head(hub_db, team)[0]
    Forger(bob.home).set_handle(leaf_db, team, "bobby")  # place head+1 on the leaf, unasked
    for _ in range(2):  # places head+1 and head+2 on the hub
        alice.ok("invite", "team", "--revoke", alice.ok("invite", "team").out.strip())
    with sqlite3.connect(hub_db) as db:
        changes = [Envelope(team, "member", text, bytes(sig), cosig, "A") for text, sig, cosig
                   in db.execute("SELECT record, sig, cosig FROM group_members WHERE seq > ?"
                                 " ORDER BY seq", (head,))]
        invites = [Envelope(team, "invite", text, bytes(sig), None, "A") for text, sig
                   in db.execute("SELECT record, sig FROM invite WHERE kind = 'invite'")]
    outcome = apply_records(leaf, team, changes + invites, create=False, hub_order=True)
    assert outcome is not None
    assert not outcome.refused, outcome.refused
    assert [why[:35] for _, why in outcome.lost] == ["lost the race for membership change"]
    assert _head(leaf_db, team) == _head(hub_db, team)
