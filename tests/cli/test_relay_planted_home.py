"""A profile file planted in another host's hub keeps no invitation from its person
(seventeenth attack pass, h-attack17).

A host's relay carries the invitations lying in this hub's inboxes of people who do not live
here; "live here" was any file named after them in `<hub>/.people/` (the directory every user
of the hub publishes their profile into). eve, any Unix user of hub A (or anyone who can write
the hub directory), copied bob's signed profile (public: every host's entry carries it) into
A's `.people/`: A's relay then took bob for one of its own, stopped carrying invitations to
him, and alice's `peers invite --to bob` said nothing of it. bob, on B, never got one.
"""

from __future__ import annotations

import shutil

import pytest

from peers_tui.core.account import Account
from peers_tui.core.federation_people import known_people
from peers_tui.core.profiles import PEOPLE_DIR
from tests.cli.test_relay_presence import hosts  # noqa: F401 (two hosts, quick heartbeats)
from tests.relay_helpers import wait_for

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize("planted", ["copy", "empty"])
def test_a_copied_profile_keeps_no_invitation_from_its_person(hosts, planted):
    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    alice.ok("create", "side")
    for host in hosts:
        host.start()
    wait_for(leaf.link_up, what="B's link")
    wait_for(lambda: "bob" in {k.profile.handle for k in known_people(alice.hub)},
             what="bob heard on A")
    bob_id = Account(bob.home, bob.hub).user_id
    planted_at = hub.hub / PEOPLE_DIR / f"{bob_id}.json"
    if planted == "copy":
        shutil.copyfile(leaf.hub / PEOPLE_DIR / f"{bob_id}.json", planted_at)
    else:
        planted_at.write_text("")
    sent = alice.run("invite", "side", "--to", "bob")
    assert sent.code == 0, sent.err
    wait_for(lambda: any(i["from"] == "alice" for i in bob.ok("invitations", "--json").json()),
             timeout=20, what="alice's invitation in bob's inbox on B")
    bob.ok("invitations", "accept", bob.ok("invitations", "--json").json()[0]["id"])
    wait_for(lambda: "bob" in {m["handle"] for m in alice.ok("members", "side", "--json").json()},
             timeout=20, what="bob in 'side' on A")
