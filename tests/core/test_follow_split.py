"""A member's message whose id stands a minute short of a day ahead of its signed time
(docs/relay.md "Eleventh attack pass"). A writer followed the newest id less than a day
ahead of its own clock: hosts with a right clock followed it, a host two minutes slow did
not, and its messages stood above the others' for good. Now the rule is the row's own (its
id against its time), and a follower signs no earlier than the followed id less the bound,
so every writer follows it and the log keeps the order the messages were sent in.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import fixed_clock, now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger

DAY = 24 * 3600 * 1000


def bob_writes(lean: bool, alice, bob, body: str) -> None:
    """bob's message through the lean `peers send`, or a topic through the full path (bob
    made an admin for it)."""
    if lean:
        bob.ok("send", "team", body)
    else:
        alice.ok("role", "team", "bob", "admin")
        bob.ok("topic", "team", body)


@pytest.mark.parametrize("lean", [True, False], ids=["send", "topic"])
def test_a_slow_hosts_writer_follows_an_id_just_under_a_day_ahead(lean, alice, bob, carol, team):
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("send", "team", "before")
    now = now_ms()
    Forger(carol.home).message(alice.hub / f"{team}.db", team, "a day ahead less a minute",
                               id=ulid_text(new_ulid(now + DAY - 60_000)))
    alice.ok("send", "team", "alice, right clock")
    with fixed_clock(now_ms() - 120_000, 1000):  # bob's host two minutes slow
        bob_writes(lean, alice, bob, "bob, slow clock")
    alice.ok("send", "team", "alice again")
    rows = alice.ok("log", "team", "--json").json()
    order = [m["body"] for m in rows if m["body"] in (
        "before", "a day ahead less a minute", "alice, right clock", "bob, slow clock",
        "alice again")]
    assert order == ["before", "a day ahead less a minute", "alice, right clock",
                     "bob, slow clock", "alice again"]
    assert all(m["verified"] for m in rows if m["body"] != "a day ahead less a minute")
    assert alice.run("verify", "team").code == 0
