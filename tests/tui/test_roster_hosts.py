"""The roster with presence across hosts (Pilot): each member's host beside the name, from the
hosts file a relay writes; hostile entries in that file are left out, never shown."""

from __future__ import annotations

import json
import time

from peers_tui.core.account import Account
from peers_tui.core.host_presence import HOSTS_FILE, MAX_IDS, HostEntry, write_hosts_file
from peers_tui.widgets import RosterPanel
from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


def body_of(app) -> str:
    roster = app.screen.query_one(RosterPanel)
    return str(roster.query_one("#roster-body").render())


async def test_roster_shows_each_members_host_and_presence_on_other_hosts(
        alice: User, bob: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team").out)
    bob_id = Account(bob.home, bob.hub).user_id
    # this host is "hostA"; its relay heard that bob runs peers on hostB
    write_hosts_file(alice.hub, "hostA", [HostEntry("hostB", frozenset({bob_id}),
                                                    frozenset({bob_id}), time.time())])
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        roster = app.screen.query_one(RosterPanel)
        await wait_for(pilot, lambda: len(roster.handles) == 3)
        await wait_for(pilot, lambda: "● bob  hostB" in body_of(app))
        body = body_of(app)
        assert "● alice  hostA" in body  # her own app, on this host
        assert "○ carol  hostA" in body  # away; her profile is published on this host

        # bob's app on hostB exits: the relay rewrites the file; he is away, home here too
        write_hosts_file(alice.hub, "hostA", [HostEntry("hostB", frozenset(),
                                                        frozenset({bob_id}), time.time())])
        roster.poll_presence()
        await wait_for(pilot, lambda: "○ bob  hostA,hostB" in body_of(app))


async def test_a_long_name_puts_the_host_on_a_line_of_its_own(alice: User, bob: User, team):
    bob.ok("id", "--handle", "bartholomew-the-third")
    app = make_app(alice, "team")
    write_hosts_file(alice.hub, "hostA", [])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "bartholomew" in body_of(app) and "hostA" in body_of(app))
        lines = body_of(app).splitlines()
        # 21 characters after " ● " are wider than the panel's 23 cells: cut, on the dot's line
        # (whole, Rich wrapped the name under a lone dot; test_relay_tui_acceptance).
        at = next(n for n, line in enumerate(lines) if "bartholomew-the-thi" in line)
        assert lines[at].rstrip().endswith(" bartholomew-the-thi…")
        assert lines[at + 1].strip() == "hostA"


async def test_roster_leaves_out_hostile_and_stale_hosts(alice: User, bob: User, team):
    bob_id = Account(bob.home, bob.hub).user_id
    now = time.time()
    good = {"v": 1, "host": "hostB", "present": [bob_id], "home": [], "seen": now}
    hostile = [
        {**good, "host": "\x1b]0;pwned\x07"},            # a terminal escape for a name
        {**good, "host": "evil\n● mallory"},              # a fake roster line
        {**good, "host": "x" * 10_000},                   # too long
        {**good, "host": "hostC", "present": ["\x1b[2J"] * 3},  # not user ids
        {**good, "host": "hostD", "present": [bob_id] * (MAX_IDS + 1)},  # too many
        {**good, "host": "hostE", "seen": now - 3600},    # not heard of for an hour
        {**good, "host": "hostF", "seen": "soon"},
        "not an entry", None, [], 7,
    ]
    (alice.hub / HOSTS_FILE).write_text(json.dumps(
        {"v": 1, "here": "hostA", "written": now, "hosts": hostile + [good]}))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "● bob  hostB" in body_of(app))
        body = body_of(app)
        for shown in ("\x1b", "pwned", "mallory", "xxxx", "hostC", "hostD", "hostE", "hostF"):
            assert shown not in body
        assert "● alice  hostA" in body
