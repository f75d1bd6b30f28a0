"""A message signed in the year 5000 by a member whose modified client writes it into their
host's file (docs/relay.md, "Thirteenth attack pass"). The twelfth pass made the hub refuse
such a message from a leaf; one written on the hub host itself went out with the hub's own
records into the federation stream, and every host's writers followed it: bob's next
message on B was signed on 4999-12-31, and the hub refused it as signed past its clock, as
every later one of every leaf's users. Written on a leaf, it stays there, and every other
user of that leaf was cut off the same way. The hub's scan now refuses what its intake
refuses, and no writer follows a row signed more than two days past its own clock (which the
hub, within a day of every honest clock, never carries).
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.testing.forge import Forger
from tests.relay_helpers import Refusals, bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

DAY = 24 * 60 * 60 * 1000
YEAR_5000 = 95_617_584_000_000  # 5000-01-01 in ms since 1970


def _ids_are_now(user, *wanted: str) -> None:
    log = user.ok("log", "team", "--json", "--no-events").json()
    assert "from the future" not in [m["body"] for m in log]
    times = {m["body"]: ulid_value(m["id"]) >> 80 for m in log if m["body"] in wanted}
    assert len(times) == len(wanted) and all(abs(t - now_ms()) < DAY
                                             for t in times.values()), times


def _year_5000_row(hosts, alice, bob, writer, host) -> Refusals:
    """bob's first post reaches A; then `writer`, a member on `host`, writes a message of the
    year 5000 straight into `host`'s file of team. The refusals counted from just before it."""
    bob.ok("send", "team", "bob 1")
    wait_for(lambda: "bob 1" in bodies(alice), what="bob's post on A")
    team = next(g["id"] for g in alice.ok("groups", "--json").json() if g["name"] == "team")
    refused = Refusals(hosts)
    Forger(writer.home).message(host.hub / f"{team}.db", team, "from the future",
                                id=ulid_text((YEAR_5000 << 80) | 7), t=YEAR_5000)
    return refused


def test_a_message_of_the_year_5000_written_on_the_hub_goes_nowhere(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        carol = hub.user("carol")
        carol.ok("join", alice.ok("invite", "team").out.strip())
        refused = _year_5000_row(hosts, alice, bob, carol, hub)
        wait_for(lambda: refused.of(hub) == {"A": 1}, what="the hub's scan refusing it")
        alice.ok("send", "team", "alice after")
        bob.ok("send", "team", "bob after")
        wait_for(lambda: "alice after" in bodies(bob) and "bob after" in bodies(alice),
                 what="both posts on both hosts")
        _ids_are_now(bob, "alice after", "bob after")


def test_a_message_of_the_year_5000_written_on_a_leaf_cuts_none_of_its_users_off(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        dave = leaf.user("dave")
        code = alice.ok("invite", "team").out.strip()
        # The invite is A's: B has it once A's relay has sent it (a moment, 'try again').
        wait_for(lambda: dave.run("join", code).code == 0, what="dave's join on B")
        refused = _year_5000_row(hosts, alice, bob, bob, leaf)
        wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing it from B")
        dave.ok("send", "team", "dave after")
        wait_for(lambda: "dave after" in bodies(alice), what="dave's post on A")
        _ids_are_now(alice, "dave after")
