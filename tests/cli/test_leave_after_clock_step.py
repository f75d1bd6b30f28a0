"""A leave signed after the leaver's clock stepped back (docs/relay.md, "Ninth acceptance pass").

A leave's cut names the leaver's newest record, and whatever they sign later than the leave
(by their own clock) under an older state is void, whatever place it claims (README, rule 4).
erin posted from a host whose clock ran an hour fast, then left with the right time (the clock
stepped back, or the leave typed on a second device): every one of her posts of that hour,
the one her own leave's cut names included, was "signed after its author was gone (left)"
on every host, and one that reached a host after the leave was refused there while the
others kept it. An honest client never signs backwards: a leave is signed no earlier than
the leaver's newest record.
"""

from __future__ import annotations

import time

from peers_tui.core.encoding import fixed_clock
from tests.conftest import User

HOUR_MS = 3_600_000


def test_a_leave_signed_by_a_clock_set_back_voids_none_of_the_leavers_posts(
        alice: User, bob: User, team: str) -> None:
    ahead = time.time_ns() // 1_000_000 + HOUR_MS
    with fixed_clock(ahead, 1000):  # bob's clock an hour fast
        for n in range(3):
            bob.ok("send", "team", f"fast {n}")
    bob.ok("leave", "team")  # the clock right again
    assert alice.ok("verify", "team").code == 0
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()][-3:] == [
        "fast 0", "fast 1", "fast 2"]
