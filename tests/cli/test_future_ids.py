"""A message id far in the future (the tenth attack pass, docs/relay.md). An id may stand
ahead of its signed time (ids follow the newest one, which a host whose clock runs fast puts
ahead), so a member's modified client could sign a message with any later id, up to the
highest ULID there is, and it counted. Every later id of the group followed it (a new id steps
a little past the newest): dragged to that year, with events, placed by their signed times,
all above those messages; and once the steps ran past the highest ULID, each new id fell back
to the clock, below the ones sent before it, so the group's log was out of order for good.
A new id now follows the newest id only when that stands less than a day ahead of the clock
(message_rules.FOLLOW_AHEAD_MS): the forged message stays where its id puts it, and nothing
else moves."""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.testing.forge import Forger

DAY = 24 * 60 * 60 * 1000
YEAR_5000 = 95_617_584_000_000  # 5000-01-01 in ms since 1970


@pytest.mark.parametrize("forged_id", [
    (1 << 128) - (1 << 41),  # two steps below the highest ULID
    (YEAR_5000 << 80) | 12345,
], ids=["highest", "year-5000"])
def test_a_far_future_id_drags_no_later_id_and_scrambles_no_order(forged_id, alice, bob, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice 1")
    Forger(bob.home).message(db, team, "bob from the future", id=ulid_text(forged_id))
    for n in range(2, 5):
        alice.ok("send", "team", f"alice {n}")  # the lean path
    alice.ok("topic", "team", "alice's topic")  # the full path
    alice.ok("send", "team", "alice 5")
    log = alice.ok("log", "team", "--json", "--no-events").json()
    assert all(m["verified"] for m in log), log
    alices = [m for m in log if m["author"] == "alice"]
    assert [m["body"] for m in alices] == [
        "alice 1", "alice 2", "alice 3", "alice 4", "alice's topic", "alice 5"]
    for message in alices:  # each id is at its own time, not dragged ahead
        assert ulid_value(message["id"]) >> 80 < now_ms() + DAY, message
    verified = alice.run("verify", "team")
    assert verified.code == 0, verified.out
