"""A membership change signed far in the future by a member (the tenth attack pass,
docs/relay.md). An event stands at the later of its own signed time and the place of the
change before it (core/events.py), so a member's modified client signing their own handle
change in the year 9997 (any member may change their handle: a reader too) placed every
later event at 9997 as well: each join, role change, removal and leave after it, whoever
made it, shown below every message of the log and dated 9997, for good. Now only a change
signed by an admin or owner carries its time on to the changes after it (as an admin's
time bounds invite expiry, README rule 6); a member's own time places their own change."""

from __future__ import annotations

from datetime import datetime, timezone

from peers_tui.core.encoding import now_ms
from peers_tui.testing.forge import Forger

FAR = 253_370_764_799_999 - 400 * 86_400_000  # late in the year 9997


def test_a_members_far_future_change_leaves_later_events_in_their_place(alice, bob, carol, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice 1")
    alice.ok("role", "team", "bob", "reader")
    Forger(bob.home).set_handle(db, team, "bobby", t=FAR)
    alice.ok("send", "team", "alice 2")
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("send", "team", "alice 3")
    alice.ok("role", "team", "carol", "reader")
    alice.ok("send", "team", "alice 4")
    lines = alice.ok("log", "team").out.splitlines()
    assert not any("UNVERIFIED" in line for line in lines), lines

    def at(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    assert at("alice 2") < at("carol joined") < at("alice 3") \
        < at("made carol a reader") < at("alice 4"), lines
    year = str(datetime.fromtimestamp(now_ms() / 1000, timezone.utc).year)
    assert lines[at("carol joined")].startswith(year)
    assert lines[at("made carol a reader")].startswith(year)
    # bob's own change stands at the time he signed, as a far-future message of his would
    assert "known as bobby" in lines[-1] and lines[-1].startswith("9997"), lines
    assert alice.run("verify", "team").code == 0
