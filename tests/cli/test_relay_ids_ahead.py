"""Message ids when the newest id stored is ahead of the clock (docs/relay.md, "Acceptance from
the CLI, sixth pass").

A new message's id sorts above the newest id its file holds (core/ids.ulid_after). When that
id lies ahead of the clock (a row with a far-future id dropped into one host's file, or a
record from a host whose clock runs fast), the fresh random id does not sort above it, and
the next id was `newest + 1`: the same on every host that held the same newest id. Two hosts
writing before each other's record arrived made the same id, and every other host refused
the one that came second ("another record holds this message id here"): sends that exited 0
reached only some hosts. Found from the CLI: a garbage row with such an id in B's file while
users on A, B and C wrote in loops lost 97 of 180 sends somewhere.

Three hosts on loopback (hub A, leaves B and C: real nats-server and relays); the row is
written into B's file with sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_ends_third_round import three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.conftest import User
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow

AHEAD = "01M8ZZZZZZZZZZZZZZZZZZZZZ1"  # about 70 days after 2026-12-01


def genuine(user: User) -> list[str]:
    """The verified messages of `team` (bob's log shows the junk row too, flagged)."""
    return [m["body"] for m in user.ok("log", "team", "--json").json() if m["verified"]]


def test_two_hosts_writing_after_an_id_ahead_of_the_clock_both_reach_everyone(three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    with sqlite3.connect(b.hub / f"{group_id}.db") as conn:
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                     " sig) VALUES (?, ?, 1, 'text', 1, 'junk', 'junk', x'00')",
                     (AHEAD, "q" * 52))
    wait_for(lambda: b.status().get("rejected") == {"B": 1}, what="B's refusal of the row")
    bob.ok("send", "team", "bob after the row")  # his id follows the row's: it travels
    expected = ["first", "bob after the row"]
    wait_for(lambda: genuine(alice) == expected and genuine(carol) == expected,
             what="bob's message on A and C")
    # C's relay stopped: alice on A and carol on C write from the same newest id.
    c.stop()
    alice.ok("send", "team", "alice on A")
    carol.ok("send", "team", "carol on C")
    c.start()
    expected = sorted([*expected, "alice on A", "carol on C"])
    users = (alice, bob, carol)
    wait_for(lambda: all(sorted(genuine(user)) == expected for user in users), timeout=20,
             what="both messages on every host")
    assert hub.status()["rejected"] == {} and c.status()["rejected"] == {}
    assert b.status()["rejected"] == {"B": 1}
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
