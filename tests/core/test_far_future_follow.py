"""A member's modified client signs a message in the year 5000, its id and its signed time
alike (docs/relay.md, "Leftovers, sixth round"). The row is genuine (no signed data bounds a
signed time), and a writer followed it (message_rules.followed judges a row by its own
time): every later message of the group was signed on 4999-12-31, in a group without a
relay, and on the host it was written on (where the hub then refused every one of them).
Now a writer passes over a row signed more than a day past its own clock (h-aheadclock; two
days before); the row stays genuine, last in the log. Rows the hub let through (signed at most a day past its clock)
are followed by every host whose clock is not behind the row's signed time less a day.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.testing.forge import Forger
from tests.core.test_follow_split import bob_writes

DAY = 24 * 3600 * 1000
YEAR_5000 = 95_617_584_000_000  # 5000-01-01 in ms since 1970


def signed_near_now(row: dict) -> bool:
    return abs((ulid_value(row["id"]) >> 80) - now_ms()) < DAY


@pytest.mark.parametrize("lean", [True, False], ids=["send", "topic"])
def test_writers_pass_over_a_message_signed_in_the_year_5000(lean, alice, bob, carol, team):
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("send", "team", "before")
    Forger(carol.home).message(alice.hub / f"{team}.db", team, "from the future",
                               id=ulid_text((YEAR_5000 << 80) | 7), t=YEAR_5000)
    bob_writes(lean, alice, bob, "bob after")
    alice.ok("send", "team", "alice after")
    rows = alice.ok("log", "team", "--json").json()
    after = [m for m in rows if m["body"] in ("bob after", "alice after")]
    assert len(after) == 2 and all(signed_near_now(m) for m in after), after
    assert [m["body"] for m in rows][-1] == "from the future"  # genuine, last in the log
    assert all(m["verified"] for m in rows)
    assert alice.run("verify", "team").code == 0


def test_a_message_a_day_ahead_is_still_followed(alice, bob, team):
    """Signed 23 hours ahead (the hub lets it through): followed as before, so every host
    whose clock is less than a day off puts later messages after it (a guard: main too)."""
    ahead = now_ms() + 23 * 3600 * 1000
    Forger(alice.home).message(alice.hub / f"{team}.db", team, "a day ahead less an hour",
                               id=ulid_text((ahead << 80) | 7), t=ahead)
    bob.ok("send", "team", "bob after")
    bodies = [m["body"] for m in alice.ok("log", "team", "--json").json()]
    assert bodies[-2:] == ["a day ahead less an hour", "bob after"]
