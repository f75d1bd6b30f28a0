"""Rows fetched back from the hub (docs/relay.md, "Every host a full replica"; "Leftovers,
fourth round") show in the open app as late arrivals do: "N earlier messages arrived from A ↑"
above a log that scrolled past them, and they are no unread messages (they were here before).
This held on main already (the refetch applies through the intake's `_apply_group`, whose
books report arrivals for the link file): the test keeps it so. A log that still shows rows
deleted under it (loaded before) gets no note when they come back: nothing was missing there.

Two hosts on loopback (hub A, leaf B): alice's earliest messages are deleted from B's file
while B's relay is stopped; bob opens the app, B's relay starts and fetches them back."""

from __future__ import annotations

import sqlite3
import time

import pytest

from peers_tui.core.account import Account
from peers_tui.screens.chat_link import ARRIVAL_SLACK
from tests.relay_helpers import bodies, team_joined_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui.test_link_indicator import earlier_note, link_text
from tests.tui_helpers import log_bodies, make_app, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def unread(user) -> int:
    return next(g for g in user.ok("groups", "--json").json() if g["name"] == "team")["unread"]


async def test_rows_fetched_back_show_as_a_note_and_are_not_unread(hosts):
    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf, spawn=True)
    sent = [f"m{number:02}" for number in range(40)]
    for body in sent:
        alice.ok("send", "team", body)
    wait_until(lambda: bodies(bob)[-1:] == ["m39"], timeout=30, what="alice's messages on B")
    group_id = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
    Account(bob.home, bob.hub).mark_read(group_id, bob.ok("log", "team", "--json").json()[-1]["id"])
    leaf.stop()
    # The arrivals of these messages are older than the note's slack: the host the note names
    # is the refetch's, not theirs (the link file a relay keeps across its restart).
    time.sleep(ARRIVAL_SLACK + 1)
    with sqlite3.connect(leaf.hub / f"{group_id}.db") as conn:
        assert conn.execute("DELETE FROM message WHERE body IN ('m00', 'm01', 'm02')").rowcount == 3

    app = make_app(bob, "team")
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: "m39" in log_bodies(app))
        assert "m00" not in log_bodies(app)
        leaf.start()
        await wait_for(pilot, lambda: "3 earlier messages arrived from A" in earlier_note(app),
                       timeout=40)
        assert "m00" in log_bodies(app)
    assert unread(bob) == 0

