"""Records signed with a member's key that their own host's relay refuses, written into that
host's file at the member's next places, and the member's genuine records after them
(sixteenth acceptance pass; fixed: docs/relay.md, "Refused on its own host (h-refusedown)").
Three hosts on loopback (hub A, leaves B and C, real nats-servers and relays).

1. Live: an edit of bobby's `ob-10` and an invite granting admin, signed with dora's key (a
writer) at her places 7 and 8, went into leaf D's `mesh` while her writer posted there. D's
relay refused both ("written into this host's file: edited by someone other than its
author", "... made by someone not allowed to grant its role"); the invite went along as
evidence (her next message names it), the edit did not, so `peers verify` on A, B and C
said "1 of their records are missing (history deleted)". Now the whole run of void records
goes as evidence, each named by the one above it (relay/chain_evidence.move_named_void).

2. Live: a post naming membership state 15 (the head was 10), signed with erin's key at her
place 402, into D's `mesh`: refused there and carried on as evidence; erin's next message
from C took 402 too, and counted as a fork (every host "forked chain", the logs differed).
Now a record naming a state beyond the order's head holds no place (core/self_void.py): her
genuine message holds it on every host.
"""

from __future__ import annotations

import pytest

from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def _users(three):  # noqa: ANN001, ANN202, F811
    hosts, group_id = three
    hub, b, c = hosts
    return hosts, group_id, (hub.users["alice"], b.users["bob"], c.users["carol"])


def test_a_refused_edit_its_author_chains_after_is_no_deleted_history(three):  # noqa: F811
    (hub, b, c), group_id, (alice, bob, carol) = _users(three)
    alice.ok("send", "team", "alice's first")
    bob.ok("send", "team", "bob's first")
    wait_for(lambda: "alice's first" in bodies(bob), what="alice's first on B")
    [target] = [m["id"] for m in bob.ok("log", "team", "--json").json()
                if m["body"] == "alice's first"]
    db = b.hub / f"{group_id}.db"
    forger = Forger(bob.home)
    forger.edit(db, group_id, target, "edited by bob")  # at his next place
    forger.invite(db, group_id, role=60)  # a writer granting admin, at the place after it
    wait_for(lambda: "not allowed to grant its role" in b.peers().ok("relay", "rejected").out
             and "edited by someone other than its author" in b.peers().ok(
                 "relay", "rejected").out, what="B's relay refusing both rows of its own file")
    bob.ok("send", "team", "bob's next")  # signed after the two refused records
    wait_for(lambda: all("bob's next" in bodies(user) for user in (alice, bob, carol)),
             timeout=20, what="bob's next message on every host")
    for user in (alice, carol):
        [shown] = [m for m in user.ok("log", "team", "--json").json() if m["body"] == "bob's next"]
        assert shown["verified"] is True, (user.name, shown)
    verdicts = {user.name: user.run("verify", "team") for user in (alice, bob, carol)}
    assert all(v.code == 0 for v in verdicts.values()), {n: v.out for n, v in verdicts.items()}


def test_a_record_naming_a_state_not_reached_does_not_void_its_authors_next(three):  # noqa: F811
    (hub, b, c), group_id, (alice, bob, carol) = _users(three)
    carol.ok("send", "team", "carol's first")
    wait_for(lambda: "carol's first" in bodies(bob), what="carol's first on B")
    db = b.hub / f"{group_id}.db"
    head = Forger.membership_head(db)[0]
    Forger(carol.home).message(db, group_id, "forged future state", mseq=head + 5)
    wait_for(lambda: "membership state that does not exist" in b.peers().ok(
        "relay", "rejected").out, what="B's relay refusing the row of its own file")
    carol.ok("send", "team", "carol's next")  # from C, at the place the forged row holds on B
    wait_for(lambda: all("carol's next" in bodies(u) for u in (alice, carol)), timeout=20,
             what="carol's next on A and C")
    wait_for(lambda: "carol's next" in bodies(bob), timeout=10, what="carol's next on B")
    for user in (alice, bob, carol):
        [shown] = [m for m in user.ok("log", "team", "--json").json()
                   if m["body"] == "carol's next"]
        assert shown["verified"] is True, (user.name, shown)
        assert "forked chain" not in user.run("verify", "team").out, user.name
    # One log everywhere: the forged record is in no host's (set aside on B, as evidence).
    logs = {user.name: bodies(user) for user in (alice, bob, carol)}
    assert logs["alice"] == logs["bob"] == logs["carol"], logs
    assert "forged future state" not in logs["bob"], logs["bob"]
