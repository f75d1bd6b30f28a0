"""Snapshots of every screen, from the real app on fixed sample data with a fixed clock."""

from __future__ import annotations

import os
import time

import pytest

from peers_tui.app import PeersApp
from peers_tui.core import frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.link_state import GroupSync, LinkState, write_link_state
from peers_tui.demo import build_demo
from peers_tui.testing.settle import settle
from peers_tui.widgets import Composer, MessageLog, RosterPanel


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The sample hub. HOME is its root: the first screen shows the hub as ~/hub."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("HOME", str(tmp_path / "demo"))
    time.tzset()
    yield build_demo(tmp_path / "demo")
    monkeypatch.delenv("TZ")
    time.tzset()


def chat_app(demo, group: str = "release-crew") -> PeersApp:
    return demo.app(group)


class TestChatScreen:
    def test_wide_with_roster(self, demo, snap_compare):
        """The chat screen at 120x30: day separators, read marker, edits, a forged message."""
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=settle)

    def test_narrow_80x24_hides_the_roster(self, demo, snap_compare):
        assert snap_compare(chat_app(demo), terminal_size=(80, 24), run_before=settle)

    def test_composer_with_multiline_draft(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            composer = pilot.app.screen.query_one(Composer)
            composer.insert("first line")
            await pilot.press("ctrl+j")
            composer.insert("second line")
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=run_before)

    def test_empty_personal_group(self, demo, snap_compare):
        assert snap_compare(chat_app(demo, "personal"), terminal_size=(100, 24), run_before=settle)

    def test_link_indicator_and_an_unsent_message(self, demo, snap_compare):
        """A hub with a relay: the link at the right of the topic bar, alice's last message
        not yet at the hub marked ⋯ (the link file frozen: up, 2 ms, her last message unsent)."""
        account = demo.account("alice")
        group = account.resolve("release-crew")
        mine = [v for v in account.store(group).recent(50) if v.author_id == account.user_id]
        (demo.hub / ".relay").mkdir(mode=0o700)
        write_link_state(demo.hub, LinkState(
            host="laptop", role="leaf", pid=os.getpid(), running=True, updated=time.time(),
            up=True, since=time.time(), rtt_ms=2.2, to="hub1",
            groups={group.id: GroupSync(unsent=1, sent=mine[-1].rowid - 1,
                                         unsent_by=((account.user_id, 1),))}))
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=settle)


class TestOtherScreens:
    def test_group_list(self, demo, snap_compare):
        """Unread counts, the mention mark, the personal group first."""
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("ctrl+g")
            await pilot.pause()
        # Opened on "book club": release-crew keeps its unread count and mention mark (the
        # group that is open has been read, so it shows none).
        assert snap_compare(chat_app(demo, "book club"), terminal_size=(100, 24),
                            run_before=run_before)

    def test_group_list_with_the_sync_column(self, demo, snap_compare):
        """Across hosts: each group's sync state as `peers groups` says it (the link file
        frozen: up, 12 of release-crew's records unsent, book club's history arriving)."""
        account = demo.account("alice")
        ids = {entry.name: entry.id for entry in account.entries()}
        # book club's file mid-walk too: the column asks the file's frontier of a group the
        # relay calls receiving (core.sync_column)
        store = GroupStore(demo.hub / f"{ids['book club']}.db", ids["book club"])
        with store.session(), store.db.atomic():
            frontier.begin(store.db, 10**6, 100, 90)
        store.close()
        (demo.hub / ".relay").mkdir(mode=0o700)
        write_link_state(demo.hub, LinkState(
            host="laptop", role="leaf", pid=os.getpid(), running=True, updated=time.time(),
            up=True, since=time.time(), rtt_ms=2.2, to="hub1",
            groups={ids["release-crew"]: GroupSync(unsent=12, sent=10**6,
                                                    unsent_by=((account.user_id, 12),)),
                    ids["book club"]: GroupSync(receiving=0.41, sent=10**6)}))

        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("ctrl+g")
            for _ in range(500):
                await pilot.pause(0.01)
                sync = getattr(pilot.app.screen, "sync", None)  # (none before the column)
                if sync is None or sync.texts is not None:
                    break
            await pilot.pause()
        assert snap_compare(chat_app(demo, "book club"), terminal_size=(100, 24),
                            run_before=run_before)

    def test_search_results(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("ctrl+f")
            await pilot.press(*"staging")
            for _ in range(200):
                await pilot.pause(0.01)
                if pilot.app.screen.query_one("#search-results").option_count == 2:
                    break
            pilot.app.screen.query_one("#search-input").cursor_blink = False
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=run_before)

    def test_help(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("f1")
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(120, 40), run_before=run_before)

    def test_group_switcher(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("ctrl+k", *"boo")
            pilot.app.screen.query_one("#switcher-input").cursor_blink = False
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(100, 24), run_before=run_before)

    def test_wide_200x60(self, demo, snap_compare):
        assert snap_compare(chat_app(demo), terminal_size=(200, 60), run_before=settle)

    def test_new_group_prompt(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("ctrl+g", "n", *"design review")
            pilot.app.screen.query_one("#prompt-input").cursor_blink = False
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(100, 24), run_before=run_before)


class TestPeopleScreens:
    def test_invitations(self, demo, snap_compare):
        """bob's invitations after alice invited him to book club by name (he is told, too)."""
        from peers_tui.core.direct import invite_to
        from peers_tui.core.profiles import publish
        from peers_tui.screens.invitations import InvitationsScreen

        for name in ("alice", "bob"):
            publish(demo.hub, demo.account(name).keypair, name)
        invite_to(demo.account("alice"), "book club", "bob")

        async def run_before(pilot):
            await settle(pilot)
            for _ in range(500):
                await pilot.pause(0.01)
                if pilot.app.invitations.offered:
                    break
            pilot.app.screen.query_one(Composer).insert("/invitations")
            await pilot.press("enter")
            for _ in range(500):
                await pilot.pause(0.01)
                if isinstance(pilot.app.screen, InvitationsScreen) and pilot.app.screen.offered:
                    break
            await pilot.pause()
        assert snap_compare(demo.app("release-crew", name="bob"), terminal_size=(100, 24),
                            run_before=run_before)


def _conversation_extras(demo) -> None:
    """Reactions on carol's report, a long message from bob, and a removal dmitri forged,
    at fixed times after the demo's last message (so the picture is the same every time)."""
    from peers_tui.core.encoding import fixed_clock
    from peers_tui.demo import MINUTE, START
    from peers_tui.testing.forge import Forger

    later = START + 24 * 60 * MINUTE + 40 * MINUTE
    accounts = {name: demo.account(name) for name in ("alice", "bob", "carol")}
    stores = {name: account.store(account.resolve("release-crew"))
              for name, account in accounts.items()}
    report = next(view for view in stores["bob"].recent(20)
                  if view.body.startswith("Rehearsal passed"))
    with fixed_clock(later):
        stores["bob"].react(accounts["bob"].keypair, report.id, "👍")
        stores["alice"].react(accounts["alice"].keypair, report.id, "👍")
        stores["bob"].react(accounts["bob"].keypair, report.id, "🎉")
        stores["bob"].post(accounts["bob"].keypair, "\n".join(
            f"{n:02}. step {n} of the release runbook" for n in range(1, 26)), "text", None)
    group = stores["bob"].group_id
    Forger(demo.home("dmitri")).change(demo.hub / f"{group}.db", group, "remove",
                                       accounts["bob"].user_id, t=later + MINUTE)


class TestLogConversations:
    def test_reactions_a_folded_message_and_a_forged_removal(self, demo, snap_compare):
        """Reactions under a message, a long message folded at 20 lines ("… 5 more
        lines"), a removal a reader forged flagged in its place, never an event. (The joins
        and the mention bar are in test_wide_with_roster.)"""
        _conversation_extras(demo)
        assert snap_compare(chat_app(demo), terminal_size=(120, 50), run_before=settle)


class TestBufferList:
    """The groups at the left from 120 columns (test_wide_with_roster and test_wide_200x60
    show it too; test_narrow_80x24_hides_the_roster, not)."""

    def test_marks_and_the_open_group(self, demo, snap_compare):
        """Opened on book club, muted: release-crew, mentions only, keeps its unread count and
        mention mark; the topic bar names book club's level."""
        account = demo.account("alice")
        account.set_notify("release-crew", "mentions")
        account.set_notify("book club", "mute")
        assert snap_compare(chat_app(demo, "book club"), terminal_size=(120, 24),
                            run_before=settle)


class TestSelection:
    def test_selected_message_is_highlighted(self, demo, snap_compare):
        """Alt+S, then Up twice: the third newest message is highlighted."""
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("alt+s", "up", "up")
            await settle(pilot)
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=run_before)

    def test_reaction_picker(self, demo, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("alt+s", "a")
            await settle(pilot)
            pilot.app.screen.query_one("#reaction-input").cursor_blink = False
            await pilot.pause()
        assert snap_compare(chat_app(demo), terminal_size=(120, 30), run_before=run_before)
