"""A writer bounds the rows it follows by the hub's clock, as its relay measured it and wrote
it in `<hub>/.link.json` (docs/relay.md, "The hub's clock for writers (h-hubclock)"), not by
its own: a host whose clock runs 3 h fast followed a row signed 26 h ahead (23 h past its own
clock, 26 h past the hub's, which refused it), and its messages took ids 26 h ahead that the
hub carried everywhere. Here the link file is the relay's as it writes it (core.link_state,
owned by the owner of `<hub>/.relay/`); no relay runs: the writers read only the file.
tests/cli/test_relay_hub_clock.py has it with three real relays and libfaketime.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.hub_refused import follow_limits, hub_offset
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.core.link_state import LinkState, write_link_state
from peers_tui.testing.forge import Forger
from tests.core.test_follow_split import bob_writes

HOUR = 3600 * 1000


def link_file(hub, offset: int | None) -> None:
    (hub / ".relay").mkdir(mode=0o700, exist_ok=True)
    write_link_state(hub, LinkState(host="C", role="leaf", pid=1, running=False, updated=1.0,
                                    up=False, since=1.0, to="A", hub_offset_ms=offset))


def ahead_row(alice, carol, team, hours: int, body: str) -> int:
    signed = now_ms() + hours * HOUR
    Forger(carol.home).message(alice.hub / f"{team}.db", team, body,
                               id=ulid_text((signed << 80) | 7), t=signed)
    return signed


@pytest.mark.parametrize("lean", [True, False], ids=["send", "topic"])
def test_a_host_whose_clock_is_fast_follows_no_row_a_day_past_the_hubs_clock(
        lean, alice, bob, carol, team):
    """This host 3 h ahead of the hub (offset -3 h): a row 23 h past this host's clock is 26 h
    past the hub's; bob's next is not placed after it (on main: its id 23 h ahead)."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    link_file(alice.hub, -3 * HOUR)
    ahead_row(alice, carol, team, 23, "a day past the hub's clock")
    bob_writes(lean, alice, bob, "bob after")
    rows = alice.ok("log", "team", "--json").json()
    [after] = [m for m in rows if m["body"] == "bob after"]
    assert abs((ulid_value(after["id"]) >> 80) - now_ms()) < HOUR, after
    assert [m["body"] for m in rows][-1] == "a day past the hub's clock"


@pytest.mark.parametrize("lean", [True, False], ids=["send", "topic"])
def test_a_host_whose_clock_is_slow_follows_a_row_the_hub_took(lean, alice, bob, carol, team):
    """This host 3 h behind the hub (offset +3 h): a row 26 h past this host's clock is 23 h
    past the hub's, which took it: followed (h-aheadclock's cost for a slow host, closed)."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    link_file(alice.hub, 3 * HOUR)
    signed = ahead_row(alice, carol, team, 26, "a day ahead of this host's clock")
    bob_writes(lean, alice, bob, "bob after")
    rows = alice.ok("log", "team", "--json").json()
    assert [m["body"] for m in rows][-2:] == ["a day ahead of this host's clock", "bob after"]
    [after] = [m for m in rows if m["body"] == "bob after"]
    assert (ulid_value(after["id"]) >> 80) >= signed


def test_no_offset_or_one_not_believed_is_this_hosts_clock(alice, tmp_path):
    """No relay, a link file without a measure yet, one not the relay's shape: offset 0."""
    assert follow_limits(str(tmp_path), "a" * 26) == (frozenset(), 0)
    link_file(tmp_path, None)
    assert follow_limits(str(tmp_path), "a" * 26) == (frozenset(), 0)
    link_file(tmp_path, -7_200_000)
    assert follow_limits(str(tmp_path), "a" * 26) == (frozenset(), -7_200_000)
    for raw in (b'{"hub_offset_ms":99999999999999999,', b'{"hub_offset_ms":"1",',
                b'{"hub_offset_ms":-1e9,', b'{"v":1,"hub_offset_ms":5,', b'{"hub_offset_ms":12'):
        assert hub_offset(raw) == 0, raw
