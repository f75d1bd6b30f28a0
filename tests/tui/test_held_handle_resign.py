"""Two users on a cut-off leaf change their handles in the same group (issue 15): both changes
are signed against the same head and kept for the hub (relay/held.py); when the link is back
the hub takes the first and refuses the second as stale. The relay dropped that one, and the
second user's new handle reached nobody, not even their own host, until their next message
there. Now the relay keeps it marked to be signed again, and the user's own process (here the
app, as `peers` starts it) signs it against the new head; the relay's status says it waits.
Real relays and nats-servers (tests.relay_helpers)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.relay_helpers import Host, federation, stop_all
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import make_app, wait_for

EVERYONE = {"alice", "robert", "caroline"}


def handles(user) -> set[str]:
    return {m["handle"] for m in user.ok("members", "team", "--json").json()}


def two_on_a_cut_leaf(hub: Host, leaf: Host):
    """alice on hub A, bob and carol on leaf B in 'team'; then A's relay stops, and bob and
    carol change their handles (one after the other: bob's is the older, proposed first)."""
    from tests.cli.test_relay import joined

    alice, bob, _ = joined(hub, leaf)
    carol = leaf.user("carol")
    code = alice.ok("invite", "team").out.strip()
    wait_until(lambda: carol.run("join", code).code == 0, what="carol's join")
    wait_until(lambda: len(handles(alice)) == 3, what="carol's join on A")
    hub.stop()
    wait_until(lambda: not leaf.link_up(), what="the leaf to see the cut")
    assert "waits for the hub" in bob.ok("id", "--handle", "robert").err
    time.sleep(0.05)  # mtimes apart: the relay proposes the older first
    assert "waits for the hub" in carol.ok("id", "--handle", "caroline").err
    return alice, bob, carol


@pytest.mark.slow
@pytest.mark.serial
async def test_the_second_handle_change_refused_as_stale_arrives_through_its_users_app(
        tmp_path, hub_order):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, carol = await asyncio.to_thread(two_on_a_cut_leaf, hub, leaf)
        app = make_app(carol, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            await asyncio.to_thread(hub.start)
            started = time.monotonic()
            for user in (alice, bob, carol):
                await asyncio.to_thread(wait_until, lambda user=user: handles(user) == EVERYONE,
                                        timeout=20, what=f"both handles at {user.name}'s host")
            took = time.monotonic() - started
            from peers_tui.widgets.roster_panel import RosterPanel

            roster = app.screen.query_one(RosterPanel)
            await wait_for(pilot, lambda: {h for _, h in roster.people} == EVERYONE)
        assert took < 10, took
        assert not list((leaf.hub / ".relay" / "held").glob("*.json"))
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0
    finally:
        stop_all(hosts)


@pytest.mark.slow
def test_a_handle_change_refused_as_stale_waits_visibly_for_its_user_then_any_command_signs_it(
        tmp_path, hub_order):
    """No process of carol's runs when the link is back: her change is not dropped but waits,
    and `peers relay status` says so (before, it vanished with a line in the relay's log);
    her next `peers` command of any kind signs it again, and every host learns it."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, carol = two_on_a_cut_leaf(hub, leaf)
        hub.start()
        wait_until(lambda: leaf.status().get("held") == {"to_send": 0, "to_sign": 1},
                   what="carol's change waiting for her")
        assert handles(alice) == {"alice", "robert", "carol"}
        said = leaf.peers().ok("relay", "status").out
        assert "0 to send, 1 waiting for their author to sign again" in said, said
        time.sleep(2.5)  # the relay's next rounds leave it waiting (not proposed again)
        assert leaf.status().get("held") == {"to_send": 0, "to_sign": 1}
        assert "waits" not in carol.ok("topic", "team").err  # any command: it signs it again
        for user in (alice, bob, carol):
            wait_until(lambda user=user: handles(user) == EVERYONE,
                       what=f"both handles at {user.name}'s host")
        assert "held" not in leaf.status()
        assert "came after another change" in leaf.stderr()
    finally:
        stop_all(hosts)


@pytest.mark.slow
@pytest.mark.serial
async def test_a_handle_change_kept_while_the_hub_took_a_join_arrives_through_the_app(
        tmp_path, hub_order):
    """The hub's log moved on during the cut (dave joined on A): bob's kept change, signed
    against B's head, is refused as stale when the link is back; his app signs it again."""
    from tests.cli.test_relay import joined

    def cut_with_a_join_at_the_hub():
        alice, bob, _ = joined(hub, leaf)
        hub.stop()
        wait_until(lambda: not leaf.link_up(), what="the leaf to see the cut")
        assert "waits for the hub" in bob.ok("id", "--handle", "robert").err
        dave = hub.user("dave")
        dave.ok("join", alice.ok("invite", "team").out.strip())
        return alice, bob

    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = await asyncio.to_thread(cut_with_a_join_at_the_hub)
        app = make_app(bob, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            await asyncio.to_thread(hub.start)
            for user in (alice, bob):
                await asyncio.to_thread(
                    wait_until, lambda user=user: handles(user) == {"alice", "robert", "dave"},
                    timeout=20, what=f"bob's handle and dave's join at {user.name}'s host")
        assert "came after another change" in leaf.stderr()
    finally:
        stop_all(hosts)
