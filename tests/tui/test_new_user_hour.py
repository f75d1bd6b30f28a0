"""Defects a new user met in their first hour with peers (docs/architecture.md, "A new user's
hour (h-newuser)"), each found from outside in tmux and pinned here with the real app."""

from __future__ import annotations

from peers_tui.screens.chat_hints import empty_hint
from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for


async def test_nick_in_the_app_republishes_the_profile(alice: User, bob: User, team):
    """`/nick` in the app changed the handle in every group but left the profile in the hub
    under the old one, so others' `peers people`, `/dm` completion and invitation notices
    went on naming the old handle (a first start publishes "root" for a Unix user root)."""
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/nick alicia")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("alicia" in n.message for n in app._notifications))
    listed = {row["handle"] for row in bob.ok("people", "--json").rows()}
    assert "alicia" in listed and "alice" not in listed


def _hint(user: User, hub_is_default: bool) -> tuple[str, ...]:
    from peers_tui.core.account import Account

    account = Account(user.home, user.home / "groups" if hub_is_default else user.hub)
    entry = account.entries()[0]
    return empty_hint(entry, account, account.store(entry), entry.name, True)


def test_personal_hint_names_the_shared_hub_it_is_in(alice: User):
    """With PEERS_HUB set to a shared directory, the personal group's empty log still said
    "others can join your groups only through a shared PEERS_HUB", as if none were set."""
    shared = " ".join(_hint(alice, hub_is_default=False))
    assert "only through a shared PEERS_HUB" not in shared
    assert "/invite" in shared
    own = " ".join(_hint(alice, hub_is_default=True))
    assert "only through a shared PEERS_HUB" in own


def test_every_command_help_says_what_it_does_and_what_group_is(alice: User):
    """`peers create --help` (and every other command's) printed only a usage line and bare
    argument names ("group", "--json"), never what the command does or what GROUP may be."""
    from peers_tui.cli.parser import build_parser

    _, commands = build_parser()
    for name, parser in commands.parsers.items():
        assert parser.description, f"peers {name} --help says nothing of what it does"
        for action in parser._actions:
            if action.dest in ("group", "json"):
                assert action.help, f"peers {name} --help: {action.dest} unexplained"
    text = alice.ok("help", "send").out
    assert "post a message" in text and "exact name" in text


async def test_after_leaving_the_composer_offers_archiving_not_leave(alice: User, bob: User, team):
    """Once bob left, the composer said "commands such as /leave still work", and /leave
    answers "there is nothing to leave"; archiving (Ctrl+G, a) is what is left to do."""
    bob.ok("send", "team", "bye")
    bob.ok("leave", "team")
    app = make_app(bob, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: not app.chat.can_post)
        shown = str(app.chat.composer.placeholder)
        assert "(left)" in shown and "/leave" not in shown and "Ctrl+G, a" in shown


def _log_cells(app) -> list:
    """The styles of the log's cells on its first message's line, as the screen has them."""
    from peers_tui.widgets import MessageLog

    log = app.screen.query_one(MessageLog)
    line = next(index for index, strip in enumerate(log.rendered_lines) if "hello" in strip.text)
    return [segment.style for segment in log.render_line(line - int(log.scroll_y))
            if segment.text.strip()]


async def test_the_log_is_drawn_in_the_theme_and_follows_a_theme_change(alice: User, bob: User,
                                                                         team):
    """In solarized-light the log's times, `--` events and `│` bars were plain white (the
    partial style of `$text-muted`, "auto 60%", unresolved) and its text had no colours of
    its own (the terminal's, whatever the theme): white on a light terminal. And `/theme`
    left the lines already drawn in the old theme's colours until a restart."""
    from textual.color import Color

    bob.ok("send", "team", "hello there")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("hello" in s.text for s in
                                          app.chat.message_log.rendered_lines))
        app.theme = "solarized-light"
        await pilot.pause(0.3)
        light = Color.parse("#fdf6e3").rich_color
        await wait_for(pilot, lambda: all(s is not None and s.bgcolor == light
                                          for s in _log_cells(app)))
        time_style = _log_cells(app)[0]
        assert time_style.color != Color.parse("#ffffff").rich_color
        app.theme = "textual-dark"
        await pilot.pause(0.3)
        dark = Color.parse("#121212").rich_color
        await wait_for(pilot, lambda: all(s.bgcolor == dark for s in _log_cells(app)))
        assert _log_cells(app)[0].color != time_style.color  # muted anew for the dark one


async def test_the_composer_hint_is_never_cut_mid_sentence(alice: User, bob: User, team):
    """At 50 columns the composer said "Message team  (Enter sends, Alt+Enter or Ctrl+J:",
    cut; where the whole hint does not fit, its first part alone is shown."""
    app = make_app(alice, "team")
    async with app.run_test(size=(50, 15)) as pilot:
        composer = app.chat.composer
        await wait_for(pilot, lambda: composer.scrollable_content_region.width > 0)
        await pilot.pause(0.2)
        shown = str(composer.placeholder)
        assert shown == "Message team", shown
        await pilot.resize_terminal(120, 30)
        await wait_for(pilot, lambda: "Enter sends" in str(composer.placeholder))


def test_creating_a_second_group_of_a_name_says_so(alice: User, bob: User, team):
    """`peers create team` beside a group called team made a second one silently; every
    `peers send team` after it failed as ambiguous. The create now says so, with the ids."""
    result = alice.ok("create", "team")
    new_id = result.out.strip()
    assert "2 groups called team" in result.err and new_id[:10] in result.err
    assert team[:10] in result.err
    assert not alice.ok("create", "other").err


async def test_typing_a_command_in_selection_mode_goes_to_the_composer(alice: User, bob: User,
                                                                      team):
    """In selection mode, `/invitations` typed as if in the composer ran selection keys: `a`
    opened the reaction picker (Enter then reacted), `c` copied. A character no key of the
    log takes now ends the selection and starts the composer with it."""
    from peers_tui.widgets import Composer, MessageLog

    bob.ok("send", "team", "hello")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: bool(log.views) and not log.busy)
        await pilot.press("alt+s")
        await wait_for(pilot, lambda: log.selected is not None)
        await pilot.press("/", "i", "n", "v", "i", "t", "a", "t", "i", "o", "n", "s")
        await pilot.pause(0.2)
        assert isinstance(app.focused, Composer) and log.selected is None
        assert app.chat.composer.text == "/invitations"
        assert app.screen is app.chat  # no reaction picker
