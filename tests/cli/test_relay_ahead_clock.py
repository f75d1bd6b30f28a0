"""A clock far ahead, second round (docs/relay.md, "A clock far ahead, second round
(h-aheadclock)").

What "The hub's refusals told to the sender (h-refusedback)" left open: a message written on
the host in the moment between a far-ahead row's commit (a user whose clock runs 26 h ahead)
and the hub's refusal reaching `.link.json` followed that row: its id 26 h ahead, signed 2 h
ahead (the followed id's time less a day), so the hub took it and every host followed it in
turn. A writer now follows no row signed more than a day past its own clock (the bound the
hub refuses by, message_rules.FOLLOW_AHEAD_MS), whatever `.link.json` says yet.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import time
from datetime import datetime

import pytest

from peers_tui.core.ids import ulid_value
from tests.cli.test_relay_refused_back import send_ahead
from tests.relay_helpers import Host, User, bodies, three_hosts, wait_for

MINUTE = 60_000
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")]


def libfaketime() -> str:
    """The libfaketime the `faketime` program preloads (Debian's and Ubuntu's places)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
                   + glob.glob("/usr/lib/faketime/libfaketime.so.1")
                   + glob.glob("/usr/local/lib/faketime/libfaketime.so.1"))
    if not found:
        pytest.skip("needs libfaketime.so.1 where faketime installs it")
    return found[0]


def start_ahead(host: Host, ahead: str) -> None:
    """The host's relay with its clock `ahead`: libfaketime preloaded into the relay itself
    (the `faketime` program forks, so stopping it left the relay running after the test)."""
    host.stop()
    host.process = subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "relay"],
        env={**host.env(), "LD_PRELOAD": libfaketime(), "FAKETIME": ahead}, text=True,
        stdout=subprocess.PIPE, stderr=open(host.root / "relay.err", "a"))
    wait_for(lambda: host.status().get("running"), what=f"{host.name}'s relay, {ahead}")


def carol_refused_for_the_clock(hosts: list[Host]) -> tuple[User, User]:
    """carol's +26 h message on C, refused at the hub and told to C: (alice, carol)."""
    hub, _, c = hosts
    wait_for(c.link_up, what="C's link")
    send_ahead(c.users["carol"], "from tomorrow")
    wait_for(lambda: int(c.status().get("refused_at_hub") or 0) == 1,
             what="C told of the refusal")
    return hub.users["alice"], c.users["carol"]


def near_now(message: dict, now: float) -> bool:
    signed = datetime.fromisoformat(message["created_at"]).timestamp() * 1000
    return (abs((ulid_value(message["id"]) >> 80) - now) < 10 * MINUTE
            and abs(signed - now) < 10 * MINUTE)


def test_a_message_written_before_the_refusal_arrives_does_not_follow_the_far_ahead_row(
        tmp_path):
    """C's relay stopped (the refusal cannot come back yet): carol's +26 h message, then
    dave's (true clock, the lean path) and his reply (the full path). On main dave's took an
    id 26 h ahead, signed 2 h ahead, and the hub carried both."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol, dave = hub.users["alice"], c.users["carol"], c.user("dave")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: dave.run("join", code).code == 0, what="dave's join on C")
        c.stop()  # nothing tells C's writers of the refusal until it is running again
        send_ahead(carol, "from tomorrow")
        dave.ok("send", "team", "dave between")
        dave.ok("send", "team", "dave's reply", "--reply-to",
                next(m["id"] for m in dave.ok("log", "team", "--json").json()
                     if m["body"] == "welcome"))
        c.start()
        wait_for(lambda: "dave's reply" in bodies(alice), what="dave's on A")
        wait_for(lambda: "dave's reply" in bodies(b.users["bob"]), what="dave's on B")
        now = time.time() * 1000
        messages = alice.ok("log", "team", "--json", "--no-events").json()
        assert "from tomorrow" not in [m["body"] for m in messages]
        for message in messages:
            if message["body"] in ("dave between", "dave's reply"):
                assert near_now(message, now), message
        b.users["bob"].ok("send", "team", "bob after")  # B follows nothing of tomorrow
        wait_for(lambda: "bob after" in bodies(alice), what="bob's on A")
        [bob_after] = [m for m in alice.ok("log", "team", "--json", "--no-events").json()
                       if m["body"] == "bob after"]
        assert near_now(bob_after, time.time() * 1000), bob_after


@pytest.mark.xfail(strict=True, reason="open: an author's chain after a record the hub refused "
                   "for its clock (docs/relay.md, 'A clock far ahead, second round')")
def test_an_author_whose_record_the_hub_refused_for_its_clock_posts_again_with_her_clock_right(
        tmp_path):
    """carol's +26 h message is refused at the hub and C is told; her next one, her clock
    right, is signed on her chain's floor (a day ahead) and refused too, and so is every one
    until the hub's clock is within a day of it: not fixed (why: docs/relay.md)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        alice, carol = carol_refused_for_the_clock(hosts)
        carol.ok("send", "team", "carol with her clock right")
        wait_for(lambda: "carol with her clock right" in bodies(alice), timeout=20,
                 what="carol's next on A")


def test_once_the_hubs_clock_allows_her_floor_her_chain_is_taken_again(tmp_path):
    """carol's +26 h message and her next (on her floor) refused at the hub; the hub's relay
    then runs 2 h 10 min ahead (libfaketime), so her floor is within its day. On main her
    third, signed on her floor and no longer too far ahead, named her second, which the hub
    had refused and nobody sent again: it waited at the hub (`waiting` 1) for good. Now the
    hub takes the two it refused for its clock once the clock allows them (ahead_retry.py),
    and the third with them; C hears they are refused no longer."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol = hub.users["alice"], c.users["carol"]
        wait_for(c.link_up, what="C's link")
        send_ahead(carol, "from tomorrow")
        carol.ok("send", "team", "carol after")
        wait_for(lambda: int(c.status().get("refused_at_hub") or 0) == 2,
                 what="C told of both refusals")
        start_ahead(hub, "+130m")
        wait_for(c.link_up, timeout=30, what="C's link again")
        carol.ok("send", "team", "carol two hours later")
        wait_for(lambda: "carol two hours later" in bodies(alice), timeout=20,
                 what="carol's third on A")
        seen = bodies(alice)
        assert seen.index("from tomorrow") < seen.index("carol after") < seen.index(
            "carol two hours later")
        wait_for(lambda: "carol two hours later" in bodies(b.users["bob"]), what="on B")
        wait_for(lambda: int(c.status().get("refused_at_hub") or 0) == 0,
                 what="C hearing they are refused no longer")
        assert hub.status()["rejected"].get("C", 0) == 0  # both restored, none refused now
