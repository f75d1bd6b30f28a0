"""An invitation accepted before its invite record reached this host (sixteenth acceptance
pass). The sealed invitation travels with the presence, at once; the invite record in its
group's order, behind whatever was written there before it: fay's `invite deep --to dora`
right after importing 100,000 messages into `deep` on the hub reached dora's app at once and
her accept was refused, "its invite was not made by the inviter in that group", as if it were
forged, while the hub was still publishing the import (75 s). Now the accept says the invite
has not arrived yet. Here the hub's relay is stopped (SIGSTOP) after the group went out, the
invite made then, and its invitation put into bob's inbox on B as B's relay files one."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from peers_tui.core.account import Account
from peers_tui.core.invitations import inbox
from tests.relay_helpers import paused_between_writes, team_on_two_hosts, wait_for
from tests.tui.test_relay_people import known_on

pytestmark = pytest.mark.slow


def test_an_invitation_whose_invite_has_not_arrived_is_not_called_forged(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: known_on(alice, "bob"), timeout=20, what="bob heard of on A")
        group_id = alice.ok("groups", "--json").json()[1]["id"]
        wait_for(lambda: hub.status().get("unsent") == 0, what="team's records out of A")
        assert hub.process is not None
        # nothing more of A's goes out; stopped between writes of A's file, which alice's
        # invite writes next (inside one, the invite waited on its lock and failed)
        paused_between_writes(hub, group_id)
        try:
            alice.ok("invite", "team", "--to", "bob")
            bob_id = Account(bob.home, bob.hub).user_id
            [made] = list(inbox(alice.hub, bob_id).iterdir())
            mine = inbox(bob.hub, bob_id)
            mine.mkdir(parents=True, exist_ok=True)
            shutil.copy(made, mine / made.name)
            [offered] = bob.ok("invitations", "--json").json()
            assert offered["group_id"] == group_id
            refused = bob.fails("invitations", "accept", offered["id"])
        finally:
            os.kill(hub.process.pid, signal.SIGCONT)
        assert "not made by the inviter" not in refused.err, refused.err
        assert "has not reached this host yet" in refused.err, refused.err
        assert not (bob.hub / f"{group_id}.db").exists()  # the fetched file went again
        wait_for(lambda: bob.run("invitations", "accept", offered["id"]).code == 0,
                 timeout=20, what="the accept once the invite is out")
        assert "team" in [g["name"] for g in bob.ok("groups", "--json").json()]
