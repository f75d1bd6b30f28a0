"""A host's top rows deleted and the member's next write stored while its relay is stopped
(docs/relay.md, "A member's head deleted on their own host"): SQLite gives the deleted rows'
rowids to the next rows, at or below the relay's position, so the relay that starts again
never published them, and its look at the tops (`deleted_tops.reused_below`) saw nothing
wrong (the table's top was back where it was, or below the position with the new rows under
it). Now the relay keeps, with each position, a print of the row there
(`relay/position_pins.py`): a row gone or changed there brings the position down to the
highest pinned row that is as it was, and the new rows go out.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays); the deletion is
done with sqlite3 in B's file while B's relay is stopped; bob's sends are real `peers`
processes."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_own_pin import bobs_three_places_whole, second_everywhere
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from peers_tui.testing.forge import Forger
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("bob_below", [False, True],
                         ids=["carol's top row", "bob's head and carol's row above it"])
def test_rows_deleted_and_written_while_the_relay_is_stopped_are_published_at_its_start(
        three, bob_below):  # noqa: F811
    """carol's message, B's top row (with bob's 'second' below it, in the second case), deleted
    on B while B's relay is stopped; bob's 'third', written then, takes a rowid the relay's
    position passed. (bob's own head alone is put back from his kept copy first since the
    ninth attack pass, and 'third' goes above it: carol's row is what gives its rowid away.)"""
    (hub, b, c), (alice, bob, carol), group_id = three
    db = second_everywhere(three)
    carol.ok("send", "team", "from carol")
    wait_for(lambda: "from carol" in bodies(bob), what="carol's message on B")
    b.stop()
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT rowid FROM message WHERE body = 'from carol'").fetchone()[0]
        assert conn.execute("SELECT MAX(rowid) FROM message").fetchone()[0] == top
        conn.execute("DELETE FROM message WHERE rowid >= ?", (top - bob_below,))
    sent = bob.spawn("send", "team", "third")
    assert sent.code == 0 and sent.err == "", sent.err
    with sqlite3.connect(db) as conn:  # the new row took a rowid the relay's position passed
        assert conn.execute("SELECT rowid FROM message WHERE body = 'third'").fetchone()[0] == top
    b.start()
    expected = ["first", "second", "from carol", "third"]
    wait_for(lambda: bodies(alice) == expected and bodies(carol) == expected, timeout=20,
             what="'third' on A and C")
    bobs_three_places_whole(three)
    for host in (hub, b, c):
        assert host.status()["waiting"] == 0, host.name
    assert b.status()["unsent"] == 0


def test_an_invite_written_over_a_deleted_top_invite_while_the_relay_is_stopped_goes_out(
        three):  # noqa: F811
    """The invite table's ids are reused the same way: bob's invite (made on B) deleted in the
    hub's file while the hub's relay is stopped, alice's next one stored with its id."""
    (hub, b, c), (alice, bob, carol), group_id = three
    alice.ok("role", "team", "bob", "admin")
    wait_for(lambda: "admin" in bob.ok("members", "team").out, what="bob an admin on B")
    bob.ok("invite", "team")

    def invites(host) -> int:
        with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
            return conn.execute("SELECT COUNT(*) FROM invite").fetchone()[0]
    made = invites(b)
    wait_for(lambda: invites(hub) == made and invites(c) == made, timeout=20,
             what="bob's invite on A and C")
    hub.stop()
    with sqlite3.connect(hub.hub / f"{group_id}.db") as conn:
        top = conn.execute("SELECT MAX(id) FROM invite").fetchone()[0]
        assert conn.execute("SELECT author FROM invite WHERE id = ?", (top,)).fetchone()[0] == \
            Forger(bob.home).user_id
        conn.execute("DELETE FROM invite WHERE id = ?", (top,))
    alice.ok("invite", "team")
    with sqlite3.connect(hub.hub / f"{group_id}.db") as conn:
        assert conn.execute("SELECT MAX(id) FROM invite").fetchone()[0] == top
    hub.start()
    wait_for(lambda: invites(b) == made + 1 and invites(c) == made + 1, timeout=20,
             what="alice's invite on B and C")
    for user in (bob, carol):
        assert failures(user) == (0, []), user.name
    assert heads(b, group_id) == heads(c, group_id)
