"""The TUI's lists after `peers join` on a new host: the backfilled history (with its @mentions
of the joiner) lights up no badge once the newest message is read; a message posted live on
another host does, and so does a late one from a host that was cut off, mention included.
Real relays and nats-servers on loopback (tests/cli/test_relay_backfill_unread.py)."""

from __future__ import annotations

import pytest

from peers_tui.screens.group_list import GroupListScreen
from tests.cli.test_relay_backfill_unread import joined_with_history, stored_id
from tests.relay_helpers import stop_all, wait_for as wait_until
from tests.tui.test_buffer_list import counted, marks, options
from tests.tui_helpers import make_app, wait_for


@pytest.fixture
def joined(tmp_path):
    hosts, proxy, made = joined_with_history(tmp_path)
    made["hosts"], made["proxy"] = hosts, proxy
    yield made
    stop_all(hosts)
    proxy.close()


def team_counts(app) -> tuple[int, int] | None:  # noqa: ANN001
    summary = next((s for s in app.unread.summaries if s.name == "team"), None)
    return None if summary is None else (summary.unread, summary.mentions)


@pytest.mark.slow
async def test_the_group_list_shows_no_backfilled_history_but_live_and_late_messages(joined):
    alice, carol, dave, group_id = joined["alice"], joined["carol"], joined["dave"], joined["group_id"]
    _, b, c = joined["hosts"]
    dave.ok("create", "side")
    app = make_app(dave, "side")  # team is not on screen: its badge counts
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app) and team_counts(app) is not None)
        assert team_counts(app) == (0, 0)  # 2,500 backfilled, 25 naming dave
        assert marks(app, "team") == []
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        listed = next(row for row in options(app.screen) if "team" in row)
        assert listed.split()[-1] == "team", listed  # no count, no mark after the name
        await pilot.press("escape")

        alice.ok("send", "team", "live from A")
        await wait_for(pilot, lambda: marks(app, "team") == ["1"], timeout=20)

        joined["proxy"].cut()
        wait_until(lambda: not c.link_up(), what="C to see the cut")
        carol.ok("send", "team", "late from C for @dave")
        alice.ok("send", "team", "A after the cut")
        await wait_for(pilot, lambda: marks(app, "team") == ["2"], timeout=20)
        joined["proxy"].restore()
        await wait_for(pilot, lambda: marks(app, "team") == ["3", "@"], timeout=40)
        assert team_counts(app) == (3, 1)
        assert str(stored_id(b, group_id, "late from C for @dave")) < str(
            stored_id(b, group_id, "A after the cut"))  # an old id, stored late
