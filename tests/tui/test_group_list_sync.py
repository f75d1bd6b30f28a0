"""The group list (Ctrl+G) shows each group's sync state across hosts, the words of `peers
groups` from the same code (core.sync_column), kept up to date while it is open; with no relay
set up it reads nothing and shows no column; a long text never pushes the names off.

The hub's relay state is written as the relay writes it (`.relay/` and `.link.json`, the CLI's
and the indicator's tests' way: tests/tui/test_link_file.py), no NATS."""

from __future__ import annotations

import os
import time

from textual.widgets import OptionList

from peers_tui.core.account import Account
from peers_tui.core import frontier
from peers_tui.core.link_state import GroupSync, write_link_state
from peers_tui.screens.group_list import GroupListScreen
from tests.core.test_frontier import edit_file
from tests.tui.test_link_file import link_state
from tests.tui_helpers import make_app, wait_for

LONG_NAME = "the quarterly planning group of the north"  # 41 cells: the widest a name shows


def rows(app) -> list[str]:
    """The group list's rows as drawn on screen (the last line of each group)."""
    options = app.screen.query_one(OptionList)
    return [options.get_option_at_index(i).prompt.plain.rsplit("\n", 1)[-1]
            for i in range(options.option_count)]


def row_of(app, name: str) -> str:
    return next(row for row in rows(app) if name in row)


def cli_sync(user, name: str) -> str:
    return {row["name"]: row for row in user.ok("groups", "--json").json()}[name].get("sync", "")


async def open_list(pilot, app) -> GroupListScreen:
    await wait_for(pilot, lambda: len(app.summaries) >= 2 and app.is_idle)
    await pilot.press("ctrl+g")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
    screen = app.screen
    assert isinstance(screen, GroupListScreen)
    return screen


async def test_the_list_says_what_peers_groups_says_and_follows_it(alice, bob, team):
    """A relay stopped with records unsent: `relay not running, 2 unsent` as in `peers
    groups`; another message sent while the list is open counts at the next tick; the relay
    back with everything sent: ✓."""
    alice.ok("send", "team", "sent before")
    (alice.hub / ".relay").mkdir(mode=0o700)
    sent = len(alice.ok("log", "team", "--json").json())
    write_link_state(alice.hub, link_state(running=False, updated=time.time() - 3600,
                                           groups={team: GroupSync(sent=sent, invites=10**6)}))
    alice.ok("send", "team", "one")
    alice.ok("send", "team", "two")
    assert cli_sync(alice, "team") == "relay not running, 2 unsent"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_list(pilot, app)
        await wait_for(pilot, lambda: row_of(app, "team").endswith("relay not running, 2 unsent"))
        assert "relay" not in row_of(app, "personal")  # the personal group is not relayed
        alice.spawn("send", "team", "three")  # another process writes: read at the next tick
        await wait_for(pilot, lambda: row_of(app, "team").endswith("relay not running, 3 unsent"),
                       timeout=10)
        write_link_state(alice.hub, link_state(groups={team: GroupSync(sent=10**6)}))
        await wait_for(pilot, lambda: row_of(app, "team").endswith("✓"), timeout=10)
        assert cli_sync(alice, "team") == "✓"


async def test_a_few_states_in_the_words_of_peers_groups(alice, bob, team):
    ids = {name: alice.ok("create", name).out.strip() for name in ("gone", "arriving", "refused")}
    edit_file(alice, ids["arriving"], lambda db: frontier.begin(db, 10, 100, 90))  # a walk on
    (alice.hub / ".relay").mkdir(mode=0o700)
    write_link_state(alice.hub, link_state(up=False, since=time.time() - 72, groups={
        team: GroupSync(unsent=12, sent=10**6, unsent_by=((Account(alice.home, alice.hub).user_id,
                                                            12),)), ids["arriving"]: GroupSync(receiving=0.41),
        ids["refused"]: GroupSync(refused=1), ids["gone"]: GroupSync()}))
    expected = {name: cli_sync(alice, name) for name in ("team", "gone", "arriving", "refused")}
    assert expected["team"] == "offline 1m, 12 unsent"
    assert expected["arriving"] == "offline 1m, receiving 41%"
    assert expected["refused"] == "offline 1m, 1 refused by the hub"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_list(pilot, app)
        for name, text in expected.items():
            await wait_for(pilot, lambda name=name, text=text: row_of(app, name).endswith(text))


def test_a_history_complete_in_the_file_is_not_receiving_whatever_the_relay_last_wrote(
        alice, bob, team):
    """The relay writes a backfill's progress every few seconds and its end up to a second
    after the walk closed the file's frontier: meanwhile its `.link.json` still says 59%. The
    file is the truth: ✓ once its frontier is gone, the relay's share while it is there."""
    (alice.hub / ".relay").mkdir(mode=0o700)
    write_link_state(alice.hub, link_state(groups={team: GroupSync(sent=10**6, receiving=0.59)}))
    assert cli_sync(alice, "team") == "✓"
    edit_file(alice, team, lambda db: frontier.begin(db, 10, 100, 90))
    assert cli_sync(alice, "team") == "receiving 59%"


async def test_no_relay_no_column_and_nothing_read(alice, bob, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_list(pilot, app)
        await pilot.pause(0.3)
        assert screen.syncs is None and screen.sync.timer is None
        assert not [w for w in app.workers if w.group == "group-sync"]
        assert all("✓" not in row and "relay" not in row for row in rows(app))


async def test_a_long_text_is_cut_and_the_names_stay_at_80_and_120_columns(alice, bob, team):
    from peers_tui.core.link_state import TOKEN_SHARED

    long_id = alice.ok("create", LONG_NAME).out.strip()
    (alice.hub / ".relay").mkdir(mode=0o700)
    write_link_state(alice.hub, link_state(up=False, since=time.time() - 72, problem=TOKEN_SHARED,
                                           groups={long_id: GroupSync(unsent=12, refused=1)}))
    whole = cli_sync(alice, LONG_NAME)
    # None of the 12 alice's: the group's on this host (h-told)
    assert whole == ("offline 1m (token used by another host), 12 unsent on this host,"
                     " 1 refused by the hub")
    for width in (80, 120):
        app = make_app(alice, "team")
        async with app.run_test(size=(width, 24)) as pilot:
            await open_list(pilot, app)
            await wait_for(pilot, lambda: "offline" in row_of(app, "north"))
            drawn = [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]
            first = next(i for i, line in enumerate(drawn) if "the quarterly" in line)
            # The name whole (folded at its column's width), the sync text beside its last
            # line, cut with … where the room ends: never the name, never past the edge.
            assert drawn[first].split(maxsplit=1)[1] + " north" == f"{LONG_NAME}"
            last = drawn[first + 1]
            assert last.split(maxsplit=1)[0] == "north"
            shown = last.split(maxsplit=1)[1]
            assert shown.endswith("…") and whole.startswith(shown[:-1]), shown
            assert len(shown) >= (20 if width == 80 else 60)
            assert all(len(line) <= width for line in drawn)


async def test_a_handle_change_kept_for_the_hub_shows_as_in_peers_groups(alice, bob, team):
    """A handle change of alice's kept on this host for the hub (relay.held's file, as the
    relay keeps one while the link is down): `handle unsent` in the list as in `peers
    groups` (relay.held_peek.handle_changes, the same call)."""
    import json

    held = alice.hub / ".relay" / "held"
    held.mkdir(parents=True, mode=0o700)
    write_link_state(alice.hub, link_state(groups={team: GroupSync(sent=10**6, invites=10**6)}))
    user_id = Account(alice.home, alice.hub).user_id
    (held / f"{team}.{user_id}.json").write_text(json.dumps({"group": team, "text": "x"}))
    assert cli_sync(alice, "team") == "handle unsent"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_list(pilot, app)
        await wait_for(pilot, lambda: row_of(app, "team").endswith("handle unsent"))
        (held / f"{team}.{user_id}.json").unlink()  # the hub has it: read at the next tick
        await wait_for(pilot, lambda: row_of(app, "team").endswith("✓"), timeout=10)
