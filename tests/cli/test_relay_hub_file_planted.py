"""A group file deleted from the hub, and a leaf's relay credentials (docs/relay.md "Twelfth
attack pass"). The hub makes a group file from a genesis a leaf sends (a group founded on
that leaf), and so it did for a group whose file was deleted there: bob, an admin demoted by
alice, published the group's genesis, the log before his demotion and a change of his own
at the demotion's place (under Nats-Msg-Ids of his choice, past the intake's duplicate
window) before `peers relay refetch` ran at the hub. The hub's file, the one order of the
membership log, then held bob's change where alice's demotion was: the refetch refused the
demotion as a lost race, and bob was an admin again at the hub. A group the federation's
stream holds already is made again from that stream only: the hub refuses a leaf's genesis
of it while its file is missing.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.cli.test_relay_cut_chain_forks import roles
from tests.cli.test_relay_group_file_deleted import delete_file, group_id
from tests.relay_helpers import Refusals, bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def publish_fresh(subject: str, envelopes: list[Envelope]):
    """Publish with a message id of the sender's choosing (a leaf's operator sets headers)."""
    async def action(nc: Any, js: Any) -> None:
        for envelope in envelopes:
            headers = {**envelope.headers(), "Nats-Msg-Id": uuid.uuid4().hex}
            await js.publish(subject, envelope.payload(), headers=headers, timeout=2.0)
    return action


def test_a_leaf_cannot_plant_the_hubs_deleted_group_file(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        alice.ok("role", "team", "bob", "admin")
        wait_for(lambda: roles(bob).get("bob") == "admin", what="bob an admin on B")
        team = group_id(alice)
        with sqlite3.connect(leaf.hub / f"{team}.db") as conn:
            genesis = conn.execute("SELECT record, sig FROM group_info").fetchone()
            log = conn.execute("SELECT seq, record, sig, cosig FROM group_members"
                               " ORDER BY seq").fetchall()
        alice.ok("role", "team", "bob", "writer")
        wait_for(lambda: roles(bob).get("bob") == "writer", what="the demotion on B")
        alice.ok("send", "team", "after the demotion")
        wait_for(lambda: "after the demotion" in bodies(bob), what="alice's post on B")
        expected = roles(alice)

        mine = Forger(bob.home).sign("member", team, {
            "seq": log[-1][0] + 1, "prev": record_hash(log[-1][1]), "action": "handle",
            "member": Forger(bob.home).user_id, "handle": "bob"})
        envelopes = [Envelope(team, "genesis", genesis[0], genesis[1], None, "B")] + [
            Envelope(team, "member", text, sig, cosig, "B") for _, text, sig, cosig in log] + [
            Envelope(team, "member", mine.text, mine.sig, None, "B")]
        refused = Refusals(hosts)
        delete_file(hub, team)
        assert through(leaf, publish_fresh(in_subject("B", team), envelopes)) == "done"
        wait_for(lambda: refused.of(hub).get("B"), what="the hub refusing B's genesis")
        assert not (hub.hub / f"{team}.db").exists()

        done = alice.run("relay", "refetch", "team")
        assert done.code == 0 and "was missing here: made again" in done.out, done.out + done.err
        for user in (alice, bob):
            assert roles(user) == expected, f"bob a writer at {user.name}"
        assert bodies(alice) == bodies(bob)
        assert alice.ok("verify", "team").code == 0
