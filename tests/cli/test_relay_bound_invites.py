"""A current admin, holding his key and a leaf's relay credentials, publishes records aimed at
the invite he made that dave used (docs/relay.md "Twelfth attack pass"): a record signed at
the invite's place of his chain (a fork), and a second invite record claiming its key, expired.
Before, the hub kept the first as evidence of a fork and carried it to every host: the invite
went void there, dave's join with it, and every later change of the log (alice's making dave
an owner) on every host. A join names the invite record it used by hash now and the log fixes
it: the hub refuses the record beside it, and the second claim changes nothing.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.invites import parse_code
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.cli.test_relay_cut_chain_forks import dave_joined_with_an_admins_invite, roles
from tests.relay_helpers import Refusals, bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_current_admins_fork_of_his_used_invite_is_refused_by_the_hub(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        dave, code = dave_joined_with_an_admins_invite(alice, bob, c)  # bob's place 1
        wait_for(lambda: "dave" in roles(alice), what="dave's join at the hub")
        alice.ok("role", "team", "dave", "owner")
        expected = roles(alice)
        assert expected["dave"] == "owner" and expected["bob"] == "admin"
        for user in (bob, carol, dave):
            wait_for(lambda user=user: roles(user) == expected, what=f"dave an owner at {user.name}")
        mseq = Forger(alice.home).membership_head(alice.hub / f"{group_id}.db")[0]

        refused = Refusals(hosts)
        forger, now = Forger(bob.home), now_ms()
        beside = forger.sign("msg", group_id, {
            "id": ulid_text(new_ulid(now)), "type": "text", "body": "beside my invite",
            "aseq": 1, "aprev": "", "mseq": mseq}, t=now)
        envelope = Envelope(group_id, "msg", beside.text, beside.sig, None, "B")
        assert through(b, publish(in_subject("B", group_id), envelope)) == "done"
        wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing it from B")

        key = parse_code(code).key.public_id
        invite = Forger(alice.home).chain_head(b.hub / f"{group_id}.db", forger.user_id)
        claim = forger.sign("invite", group_id, {
            "key": key, "role": 40, "expires": 1, "uses": 1, "mseq": mseq,
            "aseq": invite[0] + 1, "aprev": invite[1]}, t=now_ms())
        envelope = Envelope(group_id, "invite", claim.text, claim.sig, None, "B")
        assert through(b, publish(in_subject("B", group_id), envelope)) == "done"
        wait_for(lambda: refused.of(hub) == {"B": 2}, what="the hub refusing the claim too")

        carol.ok("send", "team", "after the attempt")
        for user in (alice, bob, carol, dave):
            wait_for(lambda user=user: "after the attempt" in bodies(user),
                     what=f"carol's post at {user.name}")
        for user in (alice, bob, carol, dave):
            assert roles(user) == expected, f"the log stands at {user.name}"
            assert "beside my invite" not in bodies(user)
