"""Combining marks stacked on one character in the TUI (core.marks): a handle, group name,
topic and body with 40 on one character, signed past every check, show at most four a
character in the log, the author column, the roster, the topic bar, the group list and a
notification; typing such a name is refused with a notification."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from textual.widgets import Input, OptionList, Static

from peers_tui.core.marks import MAX_MARKS
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.prompt import PromptScreen
from peers_tui.widgets import RosterPanel
from tests.conftest import User
from tests.hostile_names import ZALGO, stacked, zalgo_group
from tests.tui.test_tui_hostile_names import notes, plain, tmux_capture, tmux_open, tmux_wait
from tests.tui_helpers import log_bodies, make_app, screen_text, terminal_text, type_text, wait_for

REFUSED = f"stacks 40 combining marks on one character, the limit is {MAX_MARKS}"


async def test_forged_names_topic_and_body_show_at_most_four_marks_a_character(alice: User,
                                                                               bob: User):
    group = zalgo_group(alice, bob)
    app = make_app(alice, group)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        chat = app.chat
        bodies = ["hello" + "\u0302" * 40, "topic" + "\u0303" * 40]  # a topic is a message too
        await wait_for(pilot, lambda: log_bodies(app) == bodies)
        roster = chat.query_one(RosterPanel).query_one("#roster-body", Static)
        await wait_for(pilot, lambda: "zed" in plain(roster.render()))
        log = screen_text(app)
        assert "zed" + "\u0301" * MAX_MARKS + " │ hello" + "\u0302" * MAX_MARKS in log
        topic_bar = plain(chat.query_one("#topic-bar", Static).render())
        assert "g" + "\u0301" * MAX_MARKS in topic_bar and "topic" + "\u0303" * MAX_MARKS in topic_bar
        for what, text in {"log": log, "topic bar": topic_bar, "roster": plain(roster.render()),
                           "composer": str(chat.composer.placeholder),
                           "screen": terminal_text(app)}.items():
            assert 0 < stacked(text) <= MAX_MARKS, (what, text)
        # the stored record is as signed: the view holds all forty
        assert log_bodies(app) == bodies

        # a notification quoting the group's name
        await type_text(pilot, "/mute")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("notify mute" in n for n in notes(app)))
        [note] = [n for n in notes(app) if "notify mute" in n]
        assert note.startswith("g" + "\u0301" * MAX_MARKS + ":") and stacked(note) == MAX_MARKS

        # the group list
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, GroupListScreen)
        listed = app.screen.query_one(OptionList)
        names = [plain(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert any("g" + "\u0301" * MAX_MARKS in name for name in names), names
        assert all(stacked(name) <= MAX_MARKS for name in names), names
        assert stacked(terminal_text(app)) <= MAX_MARKS

        # typing such a name is refused with a notification: a group name, then a handle
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = ZALGO
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(f"group name {REFUSED}" in n for n in notes(app)))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chat)
        chat.composer.load_text(f"/nick {ZALGO}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(f"handle {REFUSED}" in n for n in notes(app)))
        chat.composer.load_text(f"/topic {ZALGO}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(f"topic {REFUSED}" in n for n in notes(app)))
        assert all("\n" not in n for n in notes(app) if REFUSED in n)
        assert app.is_running


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_in_tmux_a_forged_name_and_body_keep_at_most_four_marks_a_cell(alice: User, bob: User):
    """tmux keeps several marks a cell (its capture shows them): the app now sends four."""
    group = zalgo_group(alice, bob)
    tmux = tmux_open(alice, group, f"peers-marks-{os.getpid()}", 120, 30)
    try:
        screen = tmux_wait(tmux, lambda s: "│ hello" in s and "zed" in s, "no log")
        assert "zed" + "\u0301" * MAX_MARKS in screen and "hello" + "\u0302" * MAX_MARKS in screen
        assert stacked(screen) <= MAX_MARKS, screen
        assert stacked(tmux_capture(tmux, "-e")) <= MAX_MARKS
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)
