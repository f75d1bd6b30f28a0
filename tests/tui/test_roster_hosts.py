"""The roster with presence across hosts (Pilot): each member's host beside the name, from the
hosts file a relay writes (or, for a member no host heard of lately, the profile it kept);
hostile entries in those files are left out, never shown."""

from __future__ import annotations

import pytest

import json
import time

from peers_tui.core.account import Account
from peers_tui.core.host_presence import HOSTS_FILE, MAX_IDS, HostEntry, write_hosts_file
from peers_tui.core.identity import Keypair
from peers_tui.core.kept_people import KEPT_FILE
from peers_tui.widgets import RosterPanel
from tests.conftest import User
from tests.core.test_offline_people import forged_as, heard, profile_text
from tests.tui_helpers import make_app, wait_for

pytestmark = pytest.mark.usefixtures("relay_files_mine")  # (tests/conftest.py)


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


def roster_line(app, handle: str) -> str:  # noqa: ANN001
    return next((line for line in body_of(app).splitlines()
                 if line.strip().startswith(("●", "○")) and line.split()[1] == handle), "")


async def test_roster_shows_the_kept_home_of_a_member_no_host_hears(alice: User, bob: User,
                                                                     team):
    """bob lives on hostB, not heard of for over a day (or since this host's relay restarted)
    and has no profile here: the profile this host's relay kept names his home, away."""
    bob.ok("people", "--publish", "off")
    heard(alice.hub, "hostB", (Account(bob.home, bob.hub).keypair, "bob"))
    write_hosts_file(alice.hub, "hostA", [])
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: roster_line(app, "bob") == " ○ bob  hostB")
        assert roster_line(app, "alice") == " ● alice  hostA"


async def test_roster_names_no_host_from_a_tampered_kept_file(alice: User, bob: User,
                                                              carol: User, team):
    """A forged signature, hostile host names, a non-member calling himself bob, junk: bob's
    line shows no host and the app goes on; carol's genuine kept profile names hers."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    for user in (bob, carol):
        user.ok("people", "--publish", "off")
    bob_key, carol_key = (Account(u.home, u.hub).keypair for u in (bob, carol))
    mallory, now = Keypair.generate(), time.time()
    tampered = [
        {"host": "hostX", "heard": now, "profile": forged_as(bob_key, mallory, "bob")},
        {"host": "\x1b]0;pwned\x07", "heard": now, "profile": profile_text(bob_key, "bob")},
        {"host": "evil\n● mallory", "heard": now, "profile": profile_text(bob_key, "bob")},
        {"host": "hostM", "heard": now, "profile": profile_text(mallory, "bob")},
        {"host": "hostZ", "heard": "soon", "profile": profile_text(bob_key, "bob")},
        None, 7, "hostZ", {"host": "hostZ"},
    ]
    genuine = {"host": "hostC", "heard": now, "profile": profile_text(carol_key, "carol")}
    (alice.hub / KEPT_FILE).write_text(json.dumps({"v": 1, "people": tampered}))
    write_hosts_file(alice.hub, "hostA", [])
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        roster = app.screen.query_one(RosterPanel)
        await wait_for(pilot, lambda: len(roster.handles) == 3
                       and roster_line(app, "alice") == " ● alice  hostA")
        # the relay keeps carol's profile: the next look reads the file again
        (alice.hub / KEPT_FILE).write_text(json.dumps({"v": 1, "people": [*tampered, genuine]}))
        roster.poll_presence()
        await wait_for(pilot, lambda: roster_line(app, "carol") == " ○ carol  hostC")
        assert roster_line(app, "bob") == " ○ bob"
        body = body_of(app)
        for shown in ("hostX", "hostM", "hostZ", "\x1b", "pwned", "mallory"):
            assert shown not in body
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_the_roster_follows_the_hosts_file_within_a_second_or_so(
        alice: User, bob: User, team):
    """The relays tell each other at once when someone starts or quits peers, and rewrite
    the hosts file within ~0.5 s (acceptance pass h-tuiacc, in tmux); the roster looked at it
    only every PRESENCE_POLL (5 s): bob opening his app on hostB showed as away on alice's
    screen for up to 5 s more. It looks again as soon as the file changes."""
    bob_id = Account(bob.home, bob.hub).user_id
    write_hosts_file(alice.hub, "hostA", [HostEntry("hostB", frozenset(), frozenset({bob_id}),
                                                    time.time())])
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        away = "○ bob  hostA,hostB"  # his profile is published on this hub too
        await wait_for(pilot, lambda: away in body_of(app))
        await pilot.pause(0.3)
        for present, shown in ((frozenset({bob_id}), "● bob  hostB"), (frozenset(), away)):
            write_hosts_file(alice.hub, "hostA", [HostEntry("hostB", present, frozenset({bob_id}),
                                                            time.time())])
            await wait_for(pilot, lambda: shown in body_of(app), timeout=2.5)
