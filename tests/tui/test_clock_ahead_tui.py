"""The app of a user whose clock runs a day past the hub's signs nothing (docs/relay.md, "A
writer's clock bounded by its host's relay (h-clockcap)"): carol's app on leaf C, its
process's clock 26 h fast (encoding.fixed_clock: the clock every record of this process is
signed by; C's relay, another process, at the host's right clock), says why in a "Not sent"
notification, the words of `peers send`, and writes nothing; with her clock right her message
reaches hub A. Three hosts, real relays. On main it was signed, and refused at the hub."""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import fixed_clock, now_ms
from tests.cli.test_relay_ahead_clock import REFUSED_26H, rows_of, stamped
from tests.relay_helpers import bodies, three_hosts
from tests.relay_helpers import wait_for as wait_until
from tests.tui_helpers import log_bodies, make_app, screen_text, type_text, wait_for

pytestmark = pytest.mark.slow
HOUR = 3_600_000


@pytest.fixture
def three(tmp_path):
    with three_hosts(tmp_path) as made:  # (outside the test's event loop: joins run here)
        yield made


async def test_the_app_a_day_ahead_of_its_hosts_relay_sends_nothing_and_says_why(three):
    (hub, b, c), group_id = three
    carol = c.users["carol"]
    wait_until(lambda: stamped(c), what="C's relay's clock stamp")
    rows = rows_of(c, group_id)
    app = make_app(carol, "team")
    async with app.run_test(size=(110, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: "welcome" in screen_text(app), timeout=10)
        with fixed_clock(now_ms() + 26 * HOUR):
            await type_text(pilot, "from tomorrow")
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications))
        [told] = [n for n in app._notifications if n.title == "Not sent"]
        assert "peers: " + told.message == REFUSED_26H
        assert rows_of(c, group_id) == rows and "from tomorrow" not in log_bodies(app)
        assert app.chat.composer.text == "from tomorrow"  # kept, to send again
        app.chat.composer.load_text("")
        await type_text(pilot, "carol with her clock right")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "carol with her clock right" in log_bodies(app))
    wait_until(lambda: "carol with her clock right" in bodies(hub.users["alice"]), timeout=20,
               what="carol's on A")
    assert "from tomorrow" not in bodies(hub.users["alice"])
