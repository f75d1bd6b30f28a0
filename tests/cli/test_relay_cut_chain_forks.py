"""A removed admin, holding his key and a leaf's relay credentials, publishes one record signed
at the place of the invite he made while an admin (carol's dave joined with it), below the
cut of his removal (docs/relay.md "Eleventh attack pass"). Before, the hub kept it as
evidence of a fork and carried it to every host: the invite went void there, dave's join
with it, and every later change of the log, bob's removal among them: bob an admin again
on every host. The cut names the chain its signer saw: the hub refuses the record.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.relay_helpers import Refusals, bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow


def roles(user) -> dict[str, str]:
    return {m["handle"]: m["role"] for m in user.ok("members", "team", "--json").json()}


def dave_joined_with_an_admins_invite(alice, bob, c):
    """bob made an admin by alice, his invite (his place 1) used by dave on C: (dave, the
    code)."""
    alice.ok("role", "team", "bob", "admin")
    wait_for(lambda: roles(bob).get("bob") == "admin", what="bob an admin on B")
    code = bob.ok("invite", "team").out.strip()
    dave = c.user("dave")
    wait_for(lambda: dave.run("join", code).code == 0, what="dave's join with bob's invite")
    return dave, code


def test_a_removed_admins_record_beside_his_used_invite_is_refused_by_the_hub(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        dave, code = dave_joined_with_an_admins_invite(alice, bob, c)  # bob's place 1
        bob.ok("send", "team", "after my invite")  # bob's place 2: the cut comes there
        wait_for(lambda: "after my invite" in bodies(alice), what="bob's post on A")
        old = Forger(alice.home).membership_head(alice.hub / f"{group_id}.db")[0]
        alice.ok("remove", "team", "bob")
        expected = roles(alice)
        assert "bob" not in expected and "dave" in expected
        for user in (bob, carol):
            wait_for(lambda user=user: roles(user) == expected, what=f"the removal at {user.name}")

        refused = Refusals(hosts)
        now = now_ms()
        record = Forger(bob.home).sign("msg", group_id, {
            "id": ulid_text(new_ulid(now)), "type": "text", "body": "beside my invite",
            "aseq": 1, "aprev": "", "mseq": old}, t=now)
        envelope = Envelope(group_id, "msg", record.text, record.sig, None, "B")
        assert through(b, publish(in_subject("B", group_id), envelope)) == "done"
        wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing it from B")
        carol.ok("send", "team", "after the attempt")
        for user in (alice, bob, carol):
            wait_for(lambda user=user: "after the attempt" in bodies(user),
                     what=f"carol's post at {user.name}")
        for user in (alice, carol, dave):
            assert roles(user) == expected, "the log stands on every host"
            assert "beside my invite" not in bodies(user)
            assert user.run("verify", "team").code == 0
