"""A clock far ahead, second round (docs/relay.md, "A clock far ahead, second round
(h-aheadclock)").

What "The hub's refusals told to the sender (h-refusedback)" left open: a message written on
the host in the moment between a far-ahead row's commit (a user whose clock runs 26 h ahead)
and the hub's refusal reaching `.link.json` followed that row: its id 26 h ahead, signed 2 h
ahead (the followed id's time less a day), so the hub took it and every host followed it in
turn. A writer now follows no row signed more than a day past its own clock (the bound the
hub refuses by, message_rules.FOLLOW_AHEAD_MS), whatever `.link.json` says yet.

Since h-clockcap (docs/relay.md, "A writer's clock bounded by its host's relay") this peers
signs nothing 26 h ahead where its host's relay stamped its clocks: the far-ahead records
these tests begin with are signed as an older peers signs them (`send_ahead`), and the first
test after them is this peers refusing one.
"""

from __future__ import annotations

import glob
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime

import pytest

from peers_tui.core.hub_refused import host_stamp
from peers_tui.core.ids import ulid_value
from peers_tui.core.link_state import link_path
from tests.cli.test_relay_refused_back import send_ahead, send_with_clock
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


REFUSED_26H = ("peers: this process's clock is 26.0 h ahead of this host's (as its relay last "
               "saw it): the hub refuses records signed more than a day ahead; set the clock "
               "right")


def stamped(host: Host) -> bool:
    """Whether the host's relay has stamped its clocks in `.link.json` (h-clockcap)."""
    return host_stamp(link_path(host.hub).read_bytes()) is not None


def rows_of(host: Host, group_id: str) -> int:
    with sqlite3.connect(host.hub / f"{group_id}.db") as db:
        return db.execute("SELECT count(*) FROM message").fetchone()[0]


@pytest.mark.parametrize("relay", ["running", "stopped"])
def test_a_writer_a_day_ahead_of_its_hosts_relay_signs_nothing_and_posts_again_at_once(
        relay, tmp_path):
    """Was the strict xfail `test_an_author_whose_record_the_hub_refused_for_its_clock_posts_
    again_with_her_clock_right` (h-aheadclock, h-hubclock): carol's `peers send` 26 h ahead
    on C (C's clock right) signed R1, the hub refused it, and her next messages, chained after
    R1, were refused until the hub's clock reached R1's time less a day (~2 h). Now her writer
    tells from C's relay's stamp (in `.link.json`, kept while the relay is stopped: `relay`)
    that its clock is a day past the hub's and signs nothing: one line, exit 1, no row; her
    next message, her clock right, reaches A and B at once, after the earlier ones. On main
    the +26 h send exited 0 and her next never reached A."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        wait_for(c.link_up, what="C's link")
        bob.ok("send", "team", "bob before")
        wait_for(lambda: "bob before" in bodies(carol), what="bob's on C")
        wait_for(lambda: stamped(c), what="C's relay's clock stamp")
        if relay == "stopped":
            c.stop()
            assert stamped(c)  # the stamp stays where the relay left it
        rows = rows_of(c, group_id)
        done = send_with_clock(carol, "from tomorrow", "+26h")
        assert (done.returncode, done.stderr.strip(), done.stdout) == (1, REFUSED_26H, ""), done
        assert rows_of(c, group_id) == rows
        carol.ok("send", "team", "carol with her clock right")
        if relay == "stopped":
            c.start()
        for user in (alice, bob):
            wait_for(lambda: "carol with her clock right" in bodies(user), timeout=20,
                     what=f"carol's next on {user.name}'s host")
            seen = bodies(user)
            assert "from tomorrow" not in seen
            assert seen.index("welcome") < seen.index("bob before") < seen.index(
                "carol with her clock right") == len(seen) - 1, seen
        assert int(c.status().get("refused_at_hub") or 0) == 0


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
