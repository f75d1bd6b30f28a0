"""A message id in lowercase (the attack pass on "One message id, two records", docs/relay.md).
ULID text is read case-blind (core/ids.py), so a modified client's record with another
member's id in lowercase, or a fresh id in lowercase, checked out: the message table took
it as another id (its key is case-sensitive text), beside the original, and the log, which
is ordered by id, put it after every honest message, now and later (a message pinned last
in every log). An id must now be a ULID's own text: such a record is void everywhere."""

from __future__ import annotations

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger


def test_a_lowercase_id_is_void_and_pins_nothing_last(alice, bob, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice 1")
    [original] = [m["id"] for m in alice.ok("log", "team", "--json").json()]
    pinned = Forger(bob.home).message(db, team, "bob, pinned last",
                                      id=ulid_text(new_ulid(now_ms())).lower())
    copied = Forger(bob.home).message(db, team, "bob's copy", id=original.lower())
    alice.ok("send", "team", "alice 2")
    log = {m["id"]: m for m in alice.ok("log", "team", "--json").json()}
    assert log[original]["body"] == "alice 1" and log[original]["verified"]
    for forged in (pinned, copied):
        assert forged not in log or not log[forged]["verified"], log.get(forged)
    assert [m["body"] for m in log.values() if m["verified"]][-1] == "alice 2"
    verified = alice.run("verify", "team")
    assert verified.code == 1 and "not a ULID's canonical text" in verified.out, verified.out
