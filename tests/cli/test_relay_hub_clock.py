"""The hub's clock for writers (docs/relay.md, "The hub's clock for writers (h-hubclock)").

Left open by h-aheadclock: a writer whose own clock is fast still followed another author's row
signed far ahead. Host C's clock 3 h fast (its relay and carol's `peers send` under
libfaketime), dave's +26 h message there: 23 h past C's clock, within the day a writer bounded
by on its own clock, so carol followed it, her id 26 h ahead, signed at her clock (+3 h,
taken by the hub) and carried to every host. Now C's relay measures the hub's clock less its
own at each link (the hub stamps its answer to the leaf's question for its refusals) and
writes it first in `.link.json`; a writer bounds the rows it follows by the hub's clock plus
the day. And a record refused for the hub's clock, taken again later and refused then for
another reason, shows the last reason, on the hub and on the leaf it came from.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from peers_tui.core.hub_refused import follow_limits
from peers_tui.core.ids import ulid_value
from peers_tui.core.message_rules import AHEAD_OF_HUB
from tests.cli.test_relay_ahead_clock import carol_refused_for_the_clock, start_ahead
from tests.cli.test_relay_refused_back import send_ahead, send_with_clock
from tests.relay_helpers import Host, bodies, three_hosts, wait_for

HOUR = 3_600_000
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    subprocess.run(["sh", "-c", "command -v faketime"], capture_output=True).returncode != 0,
    reason="needs faketime")]


def offset_of(host: Host, group_id: str) -> int:
    return follow_limits(str(host.hub), group_id)[1]


def test_a_host_whose_clock_is_fast_follows_no_row_a_day_past_the_hubs_clock(tmp_path):
    """C 3 h fast; C's relay stopped after it measured the hub's clock (so no refusal of dave's
    +26 h row reaches C's writers: the hub's clock alone keeps carol from following it). On
    main carol's took an id 26 h ahead (signed +3 h), carried to A and B."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol, dave = hub.users["alice"], c.users["carol"], c.user("dave")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: dave.run("join", code).code == 0, what="dave's join on C")
        start_ahead(c, "+3h")
        wait_for(c.link_up, timeout=30, what="C's link, 3 h fast")
        wait_for(lambda: abs(offset_of(c, group_id) + 3 * HOUR) < 60_000, timeout=20,
                 what="C's measure of the hub's clock in its .link.json")
        assert offset_of(hub, group_id) == 0
        assert abs(offset_of(b, group_id)) < 60_000
        assert abs(c.status()["hub_offset_ms"] + 3 * HOUR) < 60_000
        assert "the hub's clock is 3.0 h behind this host's" in c.peers().ok("relay", "status").out
        assert "the hub's clock" not in b.peers().ok("relay", "status").out
        c.stop()  # the offset stays in C's .link.json; no refusal can come back
        assert abs(offset_of(c, group_id) + 3 * HOUR) < 60_000
        send_ahead(dave, "dave from tomorrow", "+26h")
        send_ahead(carol, "carol 3 h fast", "+3h")
        start_ahead(c, "+3h")  # the offset kept in its ledger: published from its start
        wait_for(lambda: "carol 3 h fast" in bodies(alice), timeout=30, what="carol's on A")
        now = time.time() * 1000
        [mine] = [m for m in alice.ok("log", "team", "--json", "--no-events").json()
                  if m["body"] == "carol 3 h fast"]
        assert (ulid_value(mine["id"]) >> 80) - now < 4 * HOUR, mine  # her clock's, not 26 h
        assert "dave from tomorrow" not in bodies(alice)
        b.users["bob"].ok("send", "team", "bob after")
        wait_for(lambda: "bob after" in bodies(alice), what="bob's on A")
        [after] = [m for m in alice.ok("log", "team", "--json", "--no-events").json()
                   if m["body"] == "bob after"]
        assert (ulid_value(after["id"]) >> 80) - time.time() * 1000 < 4 * HOUR, after


def test_a_whole_host_fast_bounds_its_writers_by_the_hubs_clock(tmp_path):
    """C's relay and carol's writer both 3 h fast (h-clockcap): a writer 3 h ahead of the hub
    signs as before; one 26 h ahead of the hub (23 h past C's clock, so a bound by the host's
    clock alone would pass it) signs nothing, told against the hub's clock; the same with C's
    relay stopped (its stamp and offset kept in `.link.json`). On main the +26 h send exited
    0 (its record refused at the hub later)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol = hub.users["alice"], c.users["carol"]
        start_ahead(c, "+3h")
        wait_for(c.link_up, timeout=30, what="C's link, 3 h fast")
        wait_for(lambda: abs(offset_of(c, group_id) + 3 * HOUR) < 60_000, timeout=20,
                 what="C's measure of the hub's clock in its .link.json")
        for running in (True, False):
            if not running:
                c.stop()
            done = send_with_clock(carol, f"26 h ahead, relay running {running}", "+26h")
            assert done.returncode == 1 and done.stderr.strip() == (
                "peers: this process's clock is 26.0 h ahead of the hub's (as this host's "
                "relay last measured it): the hub refuses records signed more than a day "
                "ahead; set the clock right"), done
            done = send_with_clock(carol, f"3 h ahead, relay running {running}", "+3h")
            assert done.returncode == 0, done.stderr
        start_ahead(c, "+3h")
        wait_for(lambda: "3 h ahead, relay running False" in bodies(alice), timeout=30,
                 what="carol's +3 h messages on A")
        seen = bodies(alice)
        assert seen[-2:] == ["3 h ahead, relay running True", "3 h ahead, relay running False"]
        assert not any(body.startswith("26 h ahead") for body in seen)


def rejected_reason(host: Host, group_id: str) -> list[str]:
    result = host.peers().run("relay", "rejected", "--json")
    return [row["reason"] for row in map(json.loads, result.out.splitlines())
            if row.get("group") == group_id]


def test_a_retried_clock_refusal_refused_again_shows_its_last_reason(tmp_path):
    """carol's +26 h message refused for the hub's clock, told to C; alice removes carol; the
    hub's relay then runs 2 h 10 min ahead, so the hub takes the record again and refuses it
    for the removal. On main `relay rejected` kept "signed more than a day ahead" on A and C."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol = carol_refused_for_the_clock(hosts)
        assert rejected_reason(hub, group_id) == [AHEAD_OF_HUB]
        alice.ok("remove", "team", "carol")
        start_ahead(hub, "+130m")
        wait_for(c.link_up, timeout=30, what="C's link again")
        wait_for(lambda: rejected_reason(hub, group_id) not in ([], [AHEAD_OF_HUB]), timeout=30,
                 what="the hub's refusal of it again, for another reason")
        [last] = rejected_reason(hub, group_id)
        wait_for(lambda: any(last in reason for reason in rejected_reason(c, group_id)),
                 timeout=30, what="C told the last reason")
        assert not any(AHEAD_OF_HUB in reason for reason in rejected_reason(c, group_id))
        assert hub.status()["rejected"].get("C") == 1  # counted once
        assert "from tomorrow" not in bodies(alice)
