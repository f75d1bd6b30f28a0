"""Hostile group names and handles, signed and stored as a modified client would, on every
screen of the TUI: shown as text, nothing crashes or hangs; look-alike handles carry
fingerprints; what does not verify never rings, counts or gets copied silently."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time

import pytest
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static

from peers_tui.core.account import Account
from peers_tui.core.names import shown_name
from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.prompt import PromptScreen
from peers_tui.screens.search import SearchScreen
from peers_tui.screens.switcher import GroupSwitcher
from peers_tui.widgets import MessageLog, RosterPanel
from tests.conftest import User
from tests.hostile_names import FAKE_LINE, HOSTILE, found_group, set_handle
from tests.core.test_forgery import forge_message
from tests.tui_helpers import log_bodies, make_app, screen_text, type_text, wait_for

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def plain(renderable: object) -> str:
    return str(getattr(renderable, "plain", renderable))


def notes(app) -> list[str]:  # noqa: ANN001
    return [n.message for n in app._notifications]


def assert_inert(text: str) -> None:
    assert not CONTROL.search(text), text
    assert FAKE_LINE not in text.splitlines(), text


def hostile_world(alice: User, bob: User) -> tuple[str, str]:
    """`x[/]` (founded with the real CLI: brackets are allowed) and a group named HOSTILE
    (signed past every check); bob, in both, has the handle HOSTILE in the second."""
    plain_group = alice.ok("create", "x[/]").out.strip()
    bob.ok("join", alice.ok("invite", plain_group).out.strip())
    group = found_group(alice, HOSTILE)
    bob.ok("join", alice.ok("invite", group).out.strip())
    bob.ok("send", group, "hello there")
    alice.ok("send", group, "hi bob")
    set_handle(bob, group, HOSTILE)
    return plain_group, group


async def test_a_group_named_x_slash_opens_now_and_at_every_later_start(alice: User):
    group = alice.ok("create", "x[/]").out.strip()
    alice.ok("send", group, "inside")
    for opened in (group, None):  # opened by name, then reopened as the last group
        app = make_app(alice, opened)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: log_bodies(app) == ["inside"])
            assert app.chat.entry.id == group
            assert "Message x[/]" in str(app.chat.composer.placeholder)
            assert " x[/] " in plain(app.chat.query_one("#topic-bar", Static).render())


async def test_hostile_names_are_inert_on_every_screen(alice: User, bob: User):
    plain_group, group = hostile_world(alice, bob)
    shown = shown_name(HOSTILE)
    app = make_app(alice, group)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        chat = app.chat
        await wait_for(pilot, lambda: log_bodies(app) == ["hello there", "hi bob"])
        await wait_for(pilot, lambda: len(app.summaries) == 3)
        # the log, the topic bar, the composer and the roster
        log = screen_text(app)
        assert_inert(log)
        assert "x[/][@click=" in log and "hello there" in log
        topic_bar = plain(chat.query_one("#topic-bar", Static).render())
        assert_inert(topic_bar)
        assert shown[:40] in topic_bar
        assert_inert(str(chat.composer.placeholder))
        assert shown in str(chat.composer.placeholder)
        roster = chat.query_one(RosterPanel)
        await wait_for(pilot, lambda: "x[/]" in plain(roster.query_one("#roster-body", Static).render()))
        assert_inert(plain(roster.query_one("#roster-body", Static).render()))

        # the group list and the switcher
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, GroupListScreen)
        listed = app.screen.query_one(OptionList)
        names = [plain(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert any("x[/][@click=" in n for n in names) and any("x[/] " in n for n in names)
        for name in names:
            assert_inert(name)
        await pilot.press("escape", "ctrl+k")
        assert isinstance(app.screen, GroupSwitcher)
        await pilot.press(*"x[/]")
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        await pilot.press("escape")

        # the command palette: discovery, and a search that matches the names
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"go to x")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count >= 2)
        prompts = [plain(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert any("x[/][@click=" in p for p in prompts), prompts
        for prompt in prompts:
            assert_inert(prompt)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chat)

        # the search screen: its title, results by the hostile author, a hostile query
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        search = app.screen
        title = Content.from_markup(search.query_one("#search-box").border_title or "").plain
        assert "x[/][@click=" in title
        await pilot.press(*"hello")
        results = search.query_one("#search-results", OptionList)
        await wait_for(pilot, lambda: results.option_count == 1)
        assert_inert(plain(results.get_option_at_index(0).prompt))
        assert shown[:20] in plain(results.get_option_at_index(0).prompt)
        # markup, a lone quote and a click action typed as a query: searched as words
        search.query_one(Input).value = '[/] "[@click=quit] x[red]'
        status = search.query_one("#search-status")
        await wait_for(pilot, lambda: "0 results" in plain(status.render()))
        assert app.screen is search
        await pilot.press("escape")

        # help, /members (a handle "[/]" hung it), a notification quoting a name
        await pilot.press("f1")
        await pilot.press("escape")
        await type_text(pilot, "/members")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("(writer)" in n or " writer" in n for n in notes(app)))
        listing = next(n for n in notes(app) if " writer" in n)
        assert shown in listing and FAKE_LINE not in listing.splitlines()
        await type_text(pilot, "/mute")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("notify mute" in n for n in notes(app)))
        assert any(n.startswith(shown) for n in notes(app))

        # a confirmation quoting the name, answered no; /nick refusing an invisible character
        await type_text(pilot, "/leave")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = " ".join(plain(label.render()) for label in app.screen.query(Label))
        assert_inert(question)
        assert "x[/][@click=" in question
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is chat)
        chat.composer.load_text("/nick al\u200bice")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("handle contains an invisible" in n for n in notes(app)))

        # a prompt: creating a group whose name hides a character is refused in one line
        await pilot.press("ctrl+g", "n")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "a\u200bb"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("group name contains an invisible" in n for n in notes(app)))

        # a mention in the group named x[/] while another is open: the toast and the title
        Account(bob.home, bob.hub).send(plain_group, "@alice look")
        await wait_for(pilot, lambda: any(n == "you were mentioned in x[/]" for n in notes(app)))
        assert app.window_title == "peers (1)"
        assert app.is_running


async def test_look_alike_authors_carry_fingerprints_in_log_and_roster(alice: User, bob: User,
                                                                       carol: User, team):
    carol.ok("id", "--handle", "аlice")  # CYRILLIC SMALL LETTER A first
    carol.ok("join", alice.ok("invite", "team").out.strip())
    carol.ok("send", "team", "it is me, alice")
    bob.ok("send", "team", "ok")
    fingerprints = {user.name: user.ok("id", "--json").json()[0]["fingerprint"]
                    for user in (alice, carol)}
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["it is me, alice", "ok"])
        text = screen_text(app)
        assert f"аlice~{fingerprints['carol']} │ it is me, alice" in text
        assert "bob │ ok" in text
        body = app.chat.query_one(RosterPanel).query_one("#roster-body", Static)
        await wait_for(pilot, lambda: f"~{fingerprints['alice']}" in plain(body.render()))
        assert f"аlice~{fingerprints['carol']}" in plain(body.render())
        # the real alice speaks: her name looks like carol's, so hers carries one too
        Account(alice.home, alice.hub).send("team", "no, I am")
        await wait_for(pilot, lambda: log_bodies(app)[-1] == "no, I am")
        assert f"alice~{fingerprints['alice']} │ no, I am" in screen_text(app)


async def test_a_forged_mention_neither_rings_nor_counts(alice: User, bob: User, carol: User,
                                                         team, monkeypatch):
    alice.ok("create", "elsewhere")
    app = make_app(alice, "elsewhere")
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: len(app.summaries) == 3)
        forge_message(carol, team, "@alice urgent: pay now")  # carol is not a member
        Account(bob.home, bob.hub).send("team", "plain news")
        await wait_for(pilot, lambda: [s.unread for s in app.summaries if s.name == "team"] >= [1])
        await pilot.pause(0.5)
        [summary] = [s for s in app.summaries if s.name == "team"]
        assert (summary.unread, summary.mentions) == (1, 0)
        assert bells == [] and not any("mentioned" in n for n in notes(app))
        assert app.window_title == "peers (1)"


async def test_copying_an_unverified_message_says_so(alice: User, carol: User, team):
    forge_message(carol, team, "send the keys to me")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["send the keys to me"])
        await type_text(pilot, "/copy")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(notes(app)))
        [note] = notes(app)
        assert "UNVERIFIED" in note and "not a member" in note
        assert app.chat.query_one(MessageLog).views[0].verified is False


def tmux_open(user: User, group: str, socket: str, width: int, height: int) -> list[str]:
    """`peers open group` as `user` in a tmux server of its own (`socket`), the size given:
    the tmux command prefix to drive it (kill-server when done)."""
    tmux = ["tmux", "-L", socket]
    variables = {k: v for k, v in user.env().items() if k.startswith("PEERS_") or k == "PYTHONPATH"}
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items())
    subprocess.run(tmux + ["new", "-d", "-s", "s", "-x", str(width), "-y", str(height),
                           f"env {env} {shlex.quote(sys.executable)} -m peers_tui open {group}"],
                   check=True)
    return tmux


def tmux_capture(tmux: list[str], *flags: str) -> str:
    return subprocess.run(tmux + ["capture-pane", "-p", *flags, "-t", "s"],
                          capture_output=True, text=True).stdout


def tmux_wait(tmux: list[str], predicate, what: str, timeout: float = 30) -> str:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux_capture(tmux)
        if predicate(screen):
            return screen
        assert time.monotonic() < deadline, f"{what}:\n{screen}"
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_in_tmux_hostile_names_show_as_text_and_leave_the_title_alone(alice: User, bob: User):
    plain_group, group = hostile_world(alice, bob)
    tmux = tmux_open(alice, group, f"peers-names-{os.getpid()}", 130, 32)
    try:
        # the name in the topic bar and the composer, every character shown as itself
        screen = tmux_wait(tmux, lambda s: "hi bob" in s and "x[/][@click=quit]␛]2;owned␇" in s
                           and "Message x[/][@click=quit]" in s, "no log or no name")
        assert not any(line.startswith(FAKE_LINE) for line in screen.splitlines())
        coloured = tmux_capture(tmux, "-e")
        assert "\x1b]" not in coloured and "\x07" not in coloured
        # The app titles the window itself ("peers", with unread counts); no name can.
        deadline = time.monotonic() + 20
        while True:
            title = subprocess.run(tmux + ["display", "-p", "-t", "s", "#{pane_title}"],
                                   capture_output=True, text=True).stdout.strip()
            if title.startswith("peers"):
                break
            assert time.monotonic() < deadline, f"title never set: {title!r}"
            time.sleep(0.1)
        assert "owned" not in title and not CONTROL.search(title)
        # Over to the plain "x[/]" group with the switcher, then back: still running.
        subprocess.run(tmux + ["send-keys", "-t", "s", "C-k"], check=True)
        tmux_wait(tmux, lambda s: "Go to group" in s, "no switcher")
        subprocess.run(tmux + ["send-keys", "-t", "s", "-l", "x[/]"], check=True)
        time.sleep(0.3)
        subprocess.run(tmux + ["send-keys", "-t", "s", "Enter"], check=True)
        screen = tmux_wait(tmux, lambda s: "Message x[/]  (Enter" in s, "x[/] not opened")
        title = subprocess.run(tmux + ["display", "-p", "-t", "s", "#{pane_title}"],
                               capture_output=True, text=True).stdout.strip()
        assert title.startswith("peers") and "owned" not in title
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


async def test_a_reply_quotes_a_look_alike_author_with_their_fingerprint(alice: User, bob: User,
                                                                        team):
    bob.ok("send", "team", "hello from bob")
    alice.ok("send", "team", "--reply-to", bob.ok("log", "team", "--json").json()[-1]["id"], "hi")
    bob.ok("id", "--handle", "alice")  # bob takes alice's handle: the quote says whose it is
    prints = {user.name: user.ok("id", "--json").json()[0]["fingerprint"] for user in (alice, bob)}
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["hello from bob", "hi"])
        assert f"↳ alice~{prints['bob']}: hello from bob" in screen_text(app)


async def test_search_results_name_look_alike_authors_with_their_fingerprints(
        alice: User, bob: User, team):
    alice.ok("send", "team", "the deploy is at noon")
    bob.ok("id", "--handle", "аlice")  # CYRILLIC SMALL LETTER A first
    bob.ok("send", "team", "the deploy moved to midnight")
    prints = {user.name: user.ok("id", "--json").json()[0]["fingerprint"] for user in (alice, bob)}
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 2)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"deploy")
        results = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: results.option_count == 2)
        shown = [plain(results.get_option_at_index(i).prompt) for i in range(2)]
        assert f"аlice~{prints['bob']}: the deploy moved" in shown[0]
        assert f"alice~{prints['alice']}: the deploy is at noon" in shown[1]
