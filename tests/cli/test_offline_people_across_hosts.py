"""People on another host that is offline (issue 15): named by `peers invite --to`, `/invite`
and `/who` from what this host knows without their host's relay: the profiles this host's
relay carried before (kept across its restarts) and the members of our groups (their signed
membership records). They are shown offline, the sender is told in one line that the
invitation waits, and it reaches them when their host's relay runs again. Real relays and
nats-servers on loopback; the app driven with Pilot."""

from __future__ import annotations

import asyncio
import time

import pytest

from peers_tui.core.account import Account
from peers_tui.core.federation_people import known_people
from peers_tui.core.host_presence import read_hosts_file
from peers_tui.core.identity import fingerprint
from peers_tui.core.kept_people import KEPT_FILE
from tests.relay_helpers import federation, stop_all, wait_for
from tests.tui_helpers import make_app
from tests.tui_helpers import wait_for as app_wait_for

pytestmark = [pytest.mark.slow]


@pytest.fixture
def hosts(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_PRESENCE_HEARTBEAT", "0.5")  # a host gone ages out in 1.5 s
    made = federation(tmp_path)
    yield made
    stop_all(made)


def user_id(user) -> str:  # noqa: ANN001
    return Account(user.home, user.hub).user_id


def hears(user, host: str) -> bool:  # noqa: ANN001
    view = read_hosts_file(user.hub)
    return view is not None and any(entry.host == host for entry in view.others)


def told(app, text: str) -> str | None:  # noqa: ANN001
    return next((n.message for n in app._notifications if text in n.message), None)


async def in_the_app(alice, bob) -> tuple[list[str], str]:  # noqa: ANN001
    """/who in 'team' and /invite @bob in 'side' while B is offline: what they said."""
    app = make_app(alice, "team")
    async with app.run_test(size=(140, 40)) as pilot:
        app.screen.query_one("Composer").insert("/who")
        await pilot.press("enter")
        await app_wait_for(pilot, lambda: told(app, "team: 2 members"), timeout=15)
        who = told(app, "team: 2 members").splitlines()
    app = make_app(alice, "side")
    async with app.run_test(size=(140, 40)) as pilot:
        app.screen.query_one("Composer").insert("/invite @bob")
        await pilot.press("enter")
        await app_wait_for(pilot, lambda: told(app, "invited bob"), timeout=15)
        invited = told(app, "invited bob")
    return who, invited


def test_people_of_an_offline_host_are_named_shown_away_and_invited_when_it_is_back(hosts):
    hub, leaf = hosts
    alice, bob, dave = hub.user("alice"), leaf.user("bob"), leaf.user("dave")
    alice.ok("create", "team")
    alice.ok("create", "side")
    code = alice.ok("invite", "team").out.strip()
    for host in hosts:
        host.start()
    wait_for(leaf.link_up, what="B's link")
    wait_for(lambda: bob.run("join", code).code == 0, timeout=20, what="bob's join")
    wait_for(lambda: {"bob", "dave"} <= {k.profile.handle for k in known_people(alice.hub)},
             what="B's people heard on A")

    # B goes offline, and A's relay restarts without hearing it again
    leaf.stop()
    # away on A, its people's homes kept (host_presence.HOME_KEPT); its last entry then ages
    # out of the hub's stream (max_age: the age-out, 1.5 s here), so a restart hears nothing
    wait_for(lambda: hears(alice, "B") and not any(
        entry.present for entry in read_hosts_file(alice.hub).others), what="B away on A")
    time.sleep(2 * 1.5)
    hub.stop()
    hub.start()
    wait_for(lambda: read_hosts_file(alice.hub) is not None, what="A's hosts file")
    assert not hears(alice, "B")

    # bob, a member of team no host has heard of since: his home is what A's relay kept
    rows = {m["handle"]: m for m in alice.ok("members", "team", "--json").json()}
    assert (rows["bob"]["present"], rows["bob"]["hosts"]) == (False, ["B"]), rows["bob"]
    [line] = [line for line in alice.ok("members", "team").lines if line.startswith("bob ")]
    assert "away (B)" in line, line

    # dave: in no group of alice's, his profile kept from what A's relay carried before
    said = alice.run("invite", "side", "--to", "dave")
    assert said.code == 0, said.err
    assert said.out.startswith(f"invited dave ({fingerprint(user_id(dave))}) to side")
    assert said.err.count("\n") == 1 and "B is not heard from now" in said.err, said.err

    # bob: only in alice's group files now (a relay that never carried his profile)
    hub.stop()
    (alice.hub / KEPT_FILE).unlink()
    hub.start()
    who, invited = asyncio.run(in_the_app(alice, bob))
    assert f"○ bob ({fingerprint(user_id(bob))})  writer  away" in who, who
    assert "\n" not in invited and "where bob lives is not known here" in invited, invited
    missing = alice.run("invite", "side", "--to", "dave")  # neither kept nor in a group now
    assert missing.code != 0 and missing.err.count("\n") == 1
    assert "nobody called 'dave'" in missing.err

    # B back: both invitations reach their inboxes there, and are accepted
    leaf.start()
    wait_for(leaf.link_up, what="B's link again")
    for person in (dave, bob):
        [offered] = wait_for(lambda person=person: person.ok("invitations", "--json").json(),
                             timeout=20, what=f"{person.name}'s invitation on B")
        assert offered["from"] == "alice" and offered["valid"] and offered["group"] == "side"
        person.ok("invitations", "accept", offered["id"])
    wait_for(lambda: {"bob", "dave"} <= {m["handle"] for m in alice.ok(
        "members", "side", "--json").json()}, timeout=20, what="both joins on A")
