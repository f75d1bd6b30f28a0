"""The hub's refusals told to the host that sent the record (docs/relay.md, "The hub's refusals
told to the sender (h-refusedback)").

Fourteenth acceptance pass: ivy's messages signed 26 h ahead were refused at the hub, and on
her own host C nothing said so: `peers send` rc 0, no mark, `relay status` "unsent 0",
"rejected: none", `peers groups` "✓"; only `relay rejected` on the hub listed them. Now the hub
tells the leaf the record came from, and that host's relay, `relay rejected`, `peers groups`
and app say so. No leaf can make the hub tell another host so (a refusal goes to the host
whose inbound stream carried the record; nobody but the hub may send there).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from datetime import datetime
import shutil
import subprocess
import sqlite3
import sys

import pytest

from peers_tui.core.hub_refused import refused_ids
from peers_tui.core.ids import ulid_value
from peers_tui.core.message_rules import AHEAD_OF_HUB
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.relay.hub_refusals import notice_subject
from tests.cli.test_relay_attacks import forgery, publish, through
from tests.conftest import User
from tests.relay_helpers import REPO, Host, bodies, three_hosts, wait_for

MINUTE = 60_000
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")]


# `peers` as it was before h-clockcap: a writer that signs whatever its clock says, however
# far past the hub's clock (core.hub_refused.check_clock left out). Such records still reach a
# hub: from an older peers, a host whose relay stamps no clocks (no /proc), a modified client;
# these tests are about what the hub and the leaf do with them. (ivy's in the fourteenth pass.)
OLDER_PEERS = ("import sys\n"
               "from peers_tui.core import hub_refused\n"
               "hub_refused.check_clock = lambda raw, offset: None\n"
               "from peers_tui.launch import main\n"
               "sys.argv = ['peers'] + sys.argv[1:]\n"
               "raise SystemExit(main())\n")


def send_with_clock(user: User, body: str, ahead: str, *,
                    older: bool = False) -> subprocess.CompletedProcess[str]:
    """`peers send team BODY` with the user's clock `ahead` (libfaketime); `older`: as a
    peers from before h-clockcap (OLDER_PEERS)."""
    env = {**user.env(), "PYTHONPATH": str(REPO)}
    program = ["-c", OLDER_PEERS] if older else ["-m", "peers_tui"]
    return subprocess.run(["faketime", "-f", ahead, sys.executable, *program, "send", "team",
                           body], env=env, capture_output=True, text=True, timeout=60)


def send_ahead(user: User, body: str, ahead: str = "+26h") -> None:
    """`peers send` with the user's clock `ahead` (libfaketime), as ivy's was: by an older
    peers, which signs it (this one refuses to: test_relay_ahead_clock.py)."""
    done = send_with_clock(user, body, ahead, older=True)
    assert done.returncode == 0, done.stderr


def refused_at_hub(host: Host) -> int:
    return int(host.status().get("refused_at_hub") or 0)


def sync_of(user: User) -> str:
    [team] = [g for g in user.ok("groups", "--json").json() if g["name"] == "team"]
    return str(team.get("sync"))


def test_a_message_the_hub_refused_is_told_to_the_leaf_that_sent_it(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        carol = c.users["carol"]
        # (a link may blink just after the set-up: "offline 0s" once in 8 runs, load 10)
        wait_for(lambda: sync_of(carol) == "✓", what="C level with the hub")
        send_ahead(carol, "from tomorrow")
        sent = time.monotonic()
        wait_for(lambda: refused_ids(str(c.hub), group_id), what="C's writers told of it")
        print(f"refusal in C's .link.json {1000 * (time.monotonic() - sent):.0f} ms after the"
              " send returned")
        wait_for(lambda: refused_at_hub(c) == 1, what="C told of the hub's refusal")
        assert "from tomorrow" in bodies(carol)  # on C still; on no other host
        b.users["bob"].ok("send", "team", "bob after")  # the federation goes on
        wait_for(lambda: "bob after" in bodies(carol), what="bob's on C")
        assert "from tomorrow" not in bodies(hub.users["alice"])
        assert "from tomorrow" not in bodies(b.users["bob"])
        # relay status: counted apart from what C refused of others ("rejected")
        status = c.status()
        assert status["refused_at_hub"] == 1 and status["rejected"] == {}, status
        plain = c.peers().ok("relay", "status").out
        assert "refused by the hub: 1 of this host's records" in plain, plain
        # relay rejected: the record, this host's, with the hub's reason
        [row] = [r for r in c.peers().ok("relay", "rejected", "--json").json()
                 if r.get("refused_at_hub")]
        log = carol.ok("log", "team", "--json", "--no-events").json()
        [ahead] = [m for m in log if m["body"] == "from tomorrow"]
        assert row["host"] == "C" and row["group"] == group_id and row["kind"] == "msg"
        assert row["message_id"] == ahead["id"]
        assert row["reason"] == f"refused by the hub A: {AHEAD_OF_HUB}", row
        listing = c.peers().ok("relay", "rejected").out
        assert f"refused by the hub A: {AHEAD_OF_HUB}" in listing and "by carol" in listing
        # peers groups: the sync column says so, not ✓ (.link.json: within a second)
        wait_for(lambda: sync_of(carol) == "1 refused by the hub", what="the sync column")
        plain_groups = carol.ok("groups").out
        assert "1 refused by the hub" in plain_groups, plain_groups
        # Her next one, her clock put right, stands on her chain's floor a day ahead: refused
        # too (the chain rule; docs/relay.md), and now told as well.
        carol.ok("send", "team", "carol on time")
        wait_for(lambda: refused_at_hub(c) == 2, what="C told of the second refusal")
        wait_for(lambda: sync_of(carol) == "2 refused by the hub", what="the sync column: 2")
        # The other hosts were told nothing about their own records
        assert refused_at_hub(b) == 0 and refused_at_hub(hub) == 0
        assert "refused" not in sync_of(b.users["bob"])


def test_no_leaf_makes_the_hub_tell_another_host_of_a_refusal(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        # A forgery B sends in C's name (its origin header) is refused as B's, told to B.
        envelope = dataclasses.replace(forgery(hosts, group_id, "forged by B", "C"), origin="C")
        assert through(b, publish(in_subject("B", group_id), envelope)) == "done"
        wait_for(lambda: refused_at_hub(b) == 1, what="B told of its forgery's refusal")
        # B cannot publish into C's stream nor on C's notice subject (permissions.py)
        assert through(b, publish(in_subject("C", group_id), envelope)) != "done"

        async def tell_c(nc, js):
            await nc.publish(notice_subject("C"), b'{"group": "' + group_id.encode()
                             + b'", "table": "msg", "hash": "' + b"0" * 64
                             + b'", "id": null, "reason": "forged notice"}')
            await nc.flush()
        through(b, tell_c)
        c.users["carol"].ok("send", "team", "carol after")
        wait_for(lambda: "carol after" in bodies(b.users["bob"]), what="carol's on B")
        assert refused_at_hub(c) == 0, c.status()
        assert "refused" not in sync_of(c.users["carol"])
        assert [r for r in c.peers().ok("relay", "rejected", "--json").json()
                if r.get("refused_at_hub")] == []


def test_a_refusal_told_while_the_leaf_did_not_listen_is_asked_for_at_its_next_link(tmp_path):
    """A notice goes out once: C's relay stopped (or its link down) at that moment missed it.
    At each link C asks the hub for its refusals since the last one heard. Here the notice is
    made missed: C's ledger forgets it while its relay is stopped."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        carol = c.users["carol"]
        send_ahead(carol, "from tomorrow")
        wait_for(lambda: refused_at_hub(c) == 1, what="C told of the hub's refusal")
        c.stop()
        with sqlite3.connect(c.hub / ".relay" / "relay.db") as db:
            db.execute("DELETE FROM refused_at_hub")
            db.execute("DELETE FROM positions WHERE key IN ('refused_at_hub', 'refused_asked')")
        assert refused_at_hub(c) == 0
        c.start()
        wait_for(lambda: refused_at_hub(c) == 1, what="C asking the hub at its link")
        wait_for(lambda: sync_of(carol) == "1 refused by the hub", what="the sync column")
        c.stop()
        c.start()  # asked again at the next link: heard once
        wait_for(c.link_up, what="C's link")
        b.users["bob"].ok("send", "team", "bob after")
        wait_for(lambda: "bob after" in bodies(carol), what="bob's on C")
        assert refused_at_hub(c) == 1


def heard(host: Host, group_id: str, count: int) -> None:
    """Wait until the host's writers can know of `count` refusals (on main nothing tells them:
    they are not waited for, and the drag shows)."""
    with contextlib.suppress(AssertionError):
        wait_for(lambda: len(refused_ids(str(host.hub), group_id)) == count, timeout=10,
                 what=f"{host.name}'s .link.json listing {count}")


def test_a_message_the_hub_refused_drags_no_later_writer_of_its_host(tmp_path):
    """Fourteenth acceptance pass: ivy's +26 h message, refused at the hub, stayed in C's file
    and C's writers followed its id (message_rules.followed reaches 2 days ahead): the next
    message of another user of C, true clock, took an id 26 h ahead and was signed +2 h, and
    the hub carried it. Once C knows the hub refused the row, no writer follows it (a writer
    in the moment before that still does: docs/relay.md)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, carol, dave = hub.users["alice"], c.users["carol"], c.user("dave")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: dave.run("join", code).code == 0, what="dave's join on C")
        before = {origin: n for origin, n in hub.status()["rejected"].items()}
        send_ahead(carol, "from tomorrow")
        wait_for(lambda: hub.status()["rejected"].get("C", 0) == before.get("C", 0) + 1,
                 what="the hub refusing carol's message")
        heard(c, group_id, 1)
        carol.ok("send", "team", "carol after")  # on her chain's floor, a day ahead: refused
        heard(c, group_id, 2)
        dave.ok("send", "team", "dave after")  # the lean path (a plain send)
        dave.ok("send", "team", "dave's reply", "--reply-to",
                next(m["id"] for m in dave.ok("log", "team", "--json").json()
                     if m["body"] == "welcome"))
        wait_for(lambda: "dave's reply" in bodies(alice), what="dave's on A")
        now = time.time() * 1000
        for message in alice.ok("log", "team", "--json", "--no-events").json():
            assert message["body"] not in ("from tomorrow", "carol after")
            if message["body"] in ("dave after", "dave's reply"):
                assert abs((ulid_value(message["id"]) >> 80) - now) < 10 * MINUTE, message
                signed = datetime.fromisoformat(message["created_at"]).timestamp() * 1000
                assert abs(signed - now) < 10 * MINUTE, message
