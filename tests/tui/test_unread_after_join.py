"""The TUI's lists after `peers join` on a new host: the backfilled history (with its @mentions
of the joiner) lights up no badge once the newest message is read; a message posted live on
another host does, and so does a late one from a host that was cut off, mention included.
Real relays and nats-servers on loopback (tests/cli/test_relay_backfill_unread.py)."""

from __future__ import annotations

import pytest

from peers_tui.screens.group_list import GroupListScreen
from tests.cli.test_relay_backfill_unread import joined, stored_id  # noqa: F401 (joined: the fixture)
from tests.core.test_joined_history import taken_out
from tests.relay_helpers import wait_for as wait_until
from tests.tui.test_buffer_list import counted, marks, options
from tests.tui_helpers import make_app, wait_for


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
        # no count, no mark after the name (the sync column, `✓`, comes after them)
        assert listed.split()[1:] in (["team"], ["team", "✓"]), listed
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


async def test_a_backfilled_page_makes_no_earlier_messages_note_but_a_late_one_does(
        alice, bob, team):
    """alice's log shows the top of a half-received history (where the backfill's pages come
    in): a page of history arriving above it is no "earlier messages arrived" note; bob's
    message with an old id, stored late by the live path, is."""
    import json
    import time

    from peers_tui.core import frontier
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.link_state import RELAY_DIR
    from peers_tui.core.models import Message
    from peers_tui.relay import apply, backfill_state
    from peers_tui.widgets import MessageLog
    from tests.tui.test_link_indicator import earlier_note
    from tests.tui_helpers import log_bodies

    start = int(time.time()) - 3600
    Account(alice.home, alice.hub).import_history("team", [json.dumps(
        {"id": f"o{i}", "author": "old", "body": f"old {i}", "created_at": start + i})
        for i in range(300)])
    alice.ok("role", "team", "bob", "admin")  # imports are an admin's
    Account(bob.home, bob.hub).import_history("team", [json.dumps(
        {"id": "b0", "author": "old", "body": "bob's old one", "created_at": start - 600})])
    alice.ok("send", "team", "the newest")
    (alice.hub / RELAY_DIR).mkdir()  # a relay set up here: the log's late-arrival note is on
    store = GroupStore(alice.hub / f"{team}.db", team)
    with store.session(), store.db.atomic():
        page = taken_out(store, Message.body.in_([f"old {i}" for i in range(100)]))
        late = taken_out(store, Message.body == "bob's old one")
        floor = Message.get(Message.body == "old 100")
        frontier.begin(store.db, 302, 100, 90)
        frontier.lower(store.db, {str(floor.author): int(floor.author_seq)})
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: bool(log_bodies(app)) and not log.busy)
        log.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: log.window.at_oldest and not log.busy)
        await pilot.pause(0.5)
        backfill_state.expect_history(store, page)  # as relay/backfill.py does
        apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
        await wait_for(pilot, lambda: "old 0" in log_bodies(app))
        await pilot.pause(0.5)
        assert earlier_note(app) == ""
        apply.apply_records(alice.hub, team, late, create=False, hub_order=True, store=store)
        await wait_for(pilot, lambda: "1 earlier message arrived" in earlier_note(app))
    store.close()
