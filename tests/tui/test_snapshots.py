"""Snapshots of every screen, from the real app on fixed sample data with a fixed clock."""

from __future__ import annotations

import time

import pytest

from peers_tui.app import PeersApp
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
