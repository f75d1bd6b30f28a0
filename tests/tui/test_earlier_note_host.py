"""The late-arrivals note keeps naming the host its messages came from while it shows (eighth
acceptance pass): the relay's link file holds only its last few arrivals
(`link_state.MAX_ARRIVALS`), so on a busy group the batch the note counts left the file within
seconds and the note went on as "27 earlier messages arrived", its host forgotten."""

from __future__ import annotations

import pytest

from peers_tui.core.link_state import read_link_state
from tests.relay_helpers import bodies, team_joined_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui.test_link_indicator import earlier_note, link_text
from tests.tui_helpers import make_app, wait_for


@pytest.mark.slow
@pytest.mark.serial
async def test_the_note_names_its_host_after_the_arrival_left_the_link_file(hosts):
    hub, leaf = hosts
    alice, bob = team_joined_on_two_hosts(hub, leaf, spawn=True)  # the test runs its own loop

    app = make_app(bob, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: "⇅ hub ✓" in link_text(app), timeout=10)
        hub.stop()
        await wait_for(pilot, lambda: "⇅ offline " in link_text(app), timeout=10)
        for number in range(3):
            alice.ok("send", "team", f"late {number}")
        for number in range(25):
            bob.ok("send", "team", f"filler {number}")
        hub.start()
        await wait_for(pilot, lambda: "3 earlier messages arrived from A" in earlier_note(app),
                       timeout=20)
        late = {line["id"] for line in alice.ok("log", "team", "--json").json()
                if line.get("body", "").startswith("late ")}

        def late_batch_gone() -> bool:
            state = read_link_state(leaf.hub)
            arrivals = state.arrivals if state is not None else ()
            return len(arrivals) > 0 and all(arrival.newest < min(late) or arrival.oldest > max(late)
                                             for arrival in arrivals)

        # A busy group: each of alice's new messages arrives on its own, and the batch of the
        # late ones leaves the relay's file.
        for number in range(60):
            alice.ok("send", "team", f"busy {number}")
            if number >= 32 and late_batch_gone():
                break
        await wait_for(pilot, lambda: "busy" in " ".join(bodies(bob)[-1:]), timeout=10)
        wait_until(late_batch_gone, what="the late batch gone from the link file")
        await pilot.pause(2.5)  # the link file read again by the screen's ticks
        assert "3 earlier messages arrived from A" in earlier_note(app), earlier_note(app)
