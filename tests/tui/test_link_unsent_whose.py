"""The link line's unsent are the reader's own, as the log marks them (h-told): erin's line
read `11 unsent` beside her 8 marked, the others' 3 not hers. Now `· 2 unsent (5 on this
host)`: her own first, the host's figure beside them; `peers groups` says the same of each
group, and `relay status` stays the host's whole count. A real hub and leaf on loopback, the
hub's relay stopped so the leaf's records wait; Pilot on erin's app on the leaf."""

from __future__ import annotations

import asyncio

import pytest

from peers_tui.widgets.message_render import UNSENT_MARK
from tests.relay_helpers import bodies
from tests.relay_helpers import wait_for as wait_until
from tests.tui.test_link_indicator import link_text, marked
from tests.tui_helpers import make_app, wait_for


def sync_of(user) -> str:
    return {row["name"]: row for row in user.ok("groups", "--json").json()}["team"]["sync"]


@pytest.mark.slow
@pytest.mark.serial
async def test_the_line_counts_the_readers_own_unsent_and_the_host_beside_them(hosts):
    hub, leaf = hosts
    alice, bob, erin = hub.user("alice"), leaf.user("bob"), leaf.user("erin")
    alice.ok("create", "team")
    code = alice.ok("invite", "team", "--uses", "2").out.strip()
    hub.start()
    leaf.start()
    wait_until(leaf.link_up, what="the leaf link")
    wait_until(lambda: leaf.status().get("received"), what="the group at the hub")
    for user in (bob, erin):  # in processes of their own: the test runs its own loop
        assert user.spawn("join", code).code == 0
    alice.ok("send", "team", "hello from A")
    wait_until(lambda: "hello from A" in bodies(erin), what="A's message on B")

    app = make_app(erin, "team")
    async with app.run_test(size=(110, 24)) as pilot:
        await wait_for(pilot, lambda: "⇅ hub ✓" in link_text(app), timeout=10)
        hub.stop()  # the hub's relay goes: what B writes waits
        await wait_for(pilot, lambda: "⇅ offline " in link_text(app), timeout=10)
        for number in range(3):
            assert bob.spawn("send", "team", f"bob's {number}").code == 0
        for number in range(2):
            assert erin.spawn("send", "team", f"erin's {number}").code == 0
        await wait_for(pilot, lambda: link_text(app).endswith("· 2 unsent (5 on this host)"),
                       timeout=10)
        assert len(marked(app)) == 2 and all("erin's" in line for line in marked(app))
        assert sync_of(erin).endswith(", 2 unsent (5 on this host)"), sync_of(erin)
        assert sync_of(bob).endswith(", 3 unsent (5 on this host)"), sync_of(bob)
        await asyncio.to_thread(wait_until, lambda: leaf.status()["unsent"] == 5,
                                what="the host's whole count in relay status")

        hub.start()  # back: sent, the words go
        await wait_for(pilot, lambda: "⇅ hub ✓" in link_text(app)
                       and "unsent" not in link_text(app), timeout=20)
        await wait_for(pilot, lambda: UNSENT_MARK not in "".join(marked(app)), timeout=10)
