"""An invitation accepted on a host that holds its group already, its invite on its way there
(docs/relay.md, "Joins waited for, second round (h-joinwait2)").

Hub A, leaves B and C, 'team' on all three (three_hosts). bob, an admin on B, invites dave of
C by name (`peers invite team --to dave`). C's relay is stopped (SIGSTOP, as a loaded host
holds it) before the invite is made: the invite reaches the hub and not C's file, and the
sealed invitation, which C's relay would carry, is filed into dave's inbox by the test. The
accept was refused at once, "invitation ID refused: that group holds no such invite"; it now
waits while the hub says the invite is there (relay/invite_wait.py, as `peers join CODE`).
C's nats-server runs on: the accept asks the hub through it and has its join ordered there.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest

from peers_tui.core.account import Account
from peers_tui.core.invitations import inbox
from peers_tui.relay.invite_transit import invite_in_file
from tests.cli.test_relay_join_invite_at_hub import bob_an_admin, stop_relay_after_a_write
from tests.relay_helpers import three_hosts, wait_for
from tests.tui.test_relay_people import known_on

pytestmark = pytest.mark.slow


def invitation_at_the_hub_only(hosts, bob, dave, group_id: str) -> tuple[str, str]:
    """bob invites dave by name, and the invitation is filed into dave's inbox on C (C's
    relay, stopped, would carry it). Its id, as dave lists it, and its invite's public key."""
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.profiles import open_signed_file, read_small

    hub, b, c = hosts
    bob.ok("invite", "team", "--to", "dave")
    dave_id = Account(dave.home, dave.hub).user_id
    [made] = list(inbox(b.hub, dave_id).iterdir())
    mine = inbox(c.hub, dave_id)
    mine.mkdir(parents=True, exist_ok=True)
    shutil.copy(made, mine / made.name)
    [offered] = dave.ok("invitations", "--json").json()
    assert offered["group_id"] == group_id
    key = open_signed_file(read_small(made), RecordKind.INVITATION).data["invite"]
    return offered["id"], key


@pytest.mark.parametrize("wait", ["10", "2"])
def test_an_invitation_whose_invite_is_on_its_way_is_waited_for(tmp_path, monkeypatch, wait):
    """wait 10: accepted at the first try once C's relay runs again (2 s after the accept
    began) and applies the invite. wait 2 (PEERS_JOIN_INVITE_WAIT), C's relay stopped all
    along: refused after the wait in one line with the hub's word."""
    monkeypatch.setenv("PEERS_JOIN_INVITE_WAIT", wait)
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        bob, dave = bob_an_admin(hosts)
        wait_for(lambda: known_on(bob, "dave"), timeout=30, what="dave heard of on B")
        relay = stop_relay_after_a_write(c)
        resumed = threading.Timer(2.0, os.kill, (relay, signal.SIGCONT))
        try:
            ident, key = invitation_at_the_hub_only(hosts, bob, dave, group_id)
            wait_for(lambda: invite_in_file(hub.hub / f"{group_id}.db", key), timeout=30,
                     what="the invite in the hub's file")
            assert not invite_in_file(c.hub / f"{group_id}.db", key)
            if wait == "10":
                resumed.start()
            began = time.monotonic()
            accepted = dave.spawn("invitations", "accept", ident, timeout=120)
            took = time.monotonic() - began
        finally:
            resumed.cancel()
            os.kill(relay, signal.SIGCONT)
        print(f"accept took {took:.1f} s: {accepted.err.strip()}")
        if wait == "10":
            assert accepted.code == 0, accepted.err
            assert "team" in dave.ok("groups").out
        else:
            assert accepted.code != 0 and accepted.err.count("\n") == 1, accepted
            assert "Traceback" not in accepted.err
            assert f"invitation {ident}: this invite code's invite is at the federation's " \
                   "hub A but has not arrived yet on this host in 2 s" in accepted.err
            assert 2 <= took < 2 + 5, took
            wait_for(lambda: dave.run("invitations", "accept", ident).code == 0, timeout=30,
                     what="the accept once C's relay runs")
