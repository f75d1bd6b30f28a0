"""The whole app: group switching keys, the group list, slash commands, search, the bell,
the window title and themes."""

from __future__ import annotations

import pytest

from peers_tui.app import PeersApp
from peers_tui.config import load_config
from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.help import HelpScreen
from peers_tui.screens.search import SearchScreen
from peers_tui.screens.switcher import GroupSwitcher
from peers_tui.widgets import Composer, MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, screen_text, send_all, submit, type_text, wait_for


def make_app(user: User, group: str | None = None) -> PeersApp:
    return build_app(Account(user.home, user.hub), group, config_file=user.home / "config.toml")


@pytest.fixture
def three_groups(alice: User, bob: User, team) -> User:
    alice.ok("create", "second")
    alice.ok("create", "third")
    return alice


def current(app: PeersApp) -> str:
    return app.chat.entry.name


async def ready(pilot) -> None:
    await wait_for(pilot, lambda: bool(pilot.app.summaries))


async def test_alt_digits_and_alt_arrows_switch_groups(three_groups: User):
    app = make_app(three_groups, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("alt+1")
        assert current(app) == "personal"
        await pilot.press("alt+3")
        assert current(app) == "second"
        await pilot.press("alt+down")
        assert current(app) == "third"
        await pilot.press("alt+down")
        assert current(app) == "personal"  # wraps around
        await pilot.press("alt+up", "alt+up")
        assert current(app) == "second"
        await pilot.press("alt+9")  # no ninth group: nothing happens
        assert current(app) == "second"


async def test_switching_keeps_each_groups_draft_and_shows_its_messages(three_groups: User,
                                                                      bob: User):
    bob.ok("send", "team", "only in team")
    app = make_app(three_groups, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["only in team"])
        await type_text(pilot, "draft for team")
        await pilot.press("alt+3")
        await wait_for(pilot, lambda: app.chat.query_one(MessageLog).loaded)
        assert log_bodies(app) == [] and app.chat.composer.text == ""
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: log_bodies(app) == ["only in team"])
        assert app.chat.composer.text == "draft for team"


async def test_alt_a_goes_to_mentions_first_then_unread(three_groups: User, bob: User,
                                                       carol: User):
    alice = three_groups
    carol.ok("join", alice.ok("invite", "second").out)
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        bob.spawn("send", "team", "plain news")
        carol.spawn("send", "second", "hey @alice look")
        await wait_for(pilot, lambda: {s.name: (s.unread, s.mentions) for s in app.summaries}
                       .items() >= {("second", (1, 1)), ("team", (1, 0))})
        await pilot.press("alt+a")
        assert current(app) == "second"
        await pilot.press("alt+a")
        assert current(app) == "team"


async def test_mention_in_another_group_rings_the_bell_and_titles_the_window(
        three_groups: User, bob: User, monkeypatch):
    app = make_app(three_groups, "second")
    bells = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        bob.spawn("send", "team", "hi @alice")
        await wait_for(pilot, lambda: bells == [1])
        assert app.window_title == "peers (1)"
        assert "1 unread, 1 @" in str(app.chat.query_one("#topic-bar").render())
        # muted groups stay silent
        Account(three_groups.home, three_groups.hub).set_notify("team", "mute")
        bob.spawn("send", "team", "again @alice")
        await wait_for(pilot, lambda: [s.mentions for s in app.summaries if s.name == "team"] == [2])
        assert bells == [1]


async def test_ctrl_k_fuzzy_switcher(three_groups: User):
    app = make_app(three_groups, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+k")
        assert isinstance(app.screen, GroupSwitcher)
        await pilot.press(*"thr", "enter")
        assert current(app) == "third" and app.screen is app.chat


async def test_group_list_screen_opens_mutes_reorders_and_shows_state(three_groups: User,
                                                                     bob: User):
    alice = three_groups
    bob.ok("leave", "team")
    app = make_app(bob, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, GroupListScreen)
        text = str(app.screen.query_one("#group-list").get_option_at_index(1).prompt)
        assert "team" in text and "left" in text
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+g")
        await pilot.press("down", "m")  # team: all -> mentions
        await wait_for(pilot, lambda: [s.notify for s in app.summaries if s.name == "team"] == ["mentions"])
        await pilot.press("shift+down")  # team moves below second
        await wait_for(pilot, lambda: [s.name for s in app.summaries][1:] == ["second", "team", "third"])
        await pilot.press("escape")
        assert app.screen is app.chat
        await pilot.press("f2")
        await pilot.press("down", "down", "enter")
        assert current(app) == "team"


async def test_group_list_creates_and_joins(alice: User, bob: User, team):
    code = alice.ok("invite", "team").out.strip()
    app = make_app(bob, "personal")
    Account(bob.home, bob.hub)  # bob has no groups but personal...
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+g", "n")
        await pilot.press(*"fresh", "enter")
        await wait_for(pilot, lambda: current(app) == "fresh")
    assert "fresh" in [g["name"] for g in bob.ok("groups", "--json").json()]
    del code


@pytest.mark.parametrize("command, check", [
    ("/topic new topic here", lambda u: u.ok("topic", "team").out.strip() == "new topic here"),
    ("/role bob reader", lambda u: {m["handle"]: m["role"] for m in u.ok("members", "team", "--json").json()}["bob"] == "reader"),
    ("/remove bob", lambda u: "bob" not in [m["handle"] for m in u.ok("members", "team", "--json").json()]),
    ("/create brand-new", lambda u: "brand-new" in [g["name"] for g in u.ok("groups", "--json").json()]),
    ("/mute", lambda u: {g["name"]: g["notify"] for g in u.ok("groups", "--json").json()}["team"] == "mute"),
    ("/me dances", lambda u: u.ok("log", "team", "--json").json()[-1]["kind"] == "action"),
])
async def test_slash_commands_act(alice: User, bob: User, team, command, check):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await type_text(pilot, command)
        await pilot.press("enter")
        if command.startswith(("/remove", "/leave", "/delete")):  # these ask first
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
        await wait_for(pilot, lambda: check(alice))


async def test_reply_edit_delete_and_copy_by_position(alice: User, bob: User, team):
    bob.ok("send", "team", "question from bob")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 1)
        for line in ("/reply answer", "mine one", "mine two"):
            await submit(pilot, line, lambda: len(log_bodies(app)) >= 2)
        await wait_for(pilot, lambda: len(log_bodies(app)) == 4)
        await submit(pilot, "/edit -2 mine one, fixed",
                     lambda: "mine one, fixed" in log_bodies(app))
        await submit(pilot, "/delete", lambda: isinstance(app.screen, ConfirmScreen))
        assert "mine two" in str(app.screen.query_one("#confirm-detail").render())  # names it
        await pilot.press("n")  # cancelled: nothing happens
        await pilot.pause(0.2)
        assert not any(v.deleted for v in app.chat.log_views())
        await submit(pilot, "/delete", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: any(v.deleted for v in app.chat.log_views()))
        await type_text(pilot, "/copy")
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == "mine one, fixed"
    log = alice.ok("log", "team", "--json").json()
    assert log[1]["reply_to"] == log[0]["id"] and log[1]["body"] == "answer"


async def test_invite_command_copies_the_code(alice: User, carol: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await submit(pilot, "/invite reader 1 1d", lambda: app.clipboard.startswith("peers1:"))
        code = app.clipboard
    carol.ok("join", code)
    roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
    assert roles["carol"] == "reader"


@pytest.mark.parametrize("command, message", [
    ("/frobnicate", "unknown command"),
    ("/role bob", "usage: /role"),
    ("/role bob emperor", "unknown role"),
    ("/edit -9 nothing", "no message of yours"),
    ("/theme no-such-theme", "unknown theme"),
    ("/remove nobody", "no member"),
    ("/leave other-group", "/leave takes no arguments"),
    ("/who everyone", "/who takes no arguments"),
])
async def test_bad_commands_get_a_clear_message(alice: User, bob: User, team, command, message):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await ready(pilot)
        await submit(pilot, command, lambda: any(message in n.message for n in app._notifications))


async def test_tab_completes_slash_commands(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, "/inv")
        await pilot.press("tab")  # /invitations, /invite: one, then the other
        assert app.chat.composer.text == "/invitations "
        await pilot.press("tab")
        assert app.chat.composer.text == "/invite "


async def test_search_from_the_ui_jumps_to_the_message(alice: User, bob: User, team):
    send_all(bob, "team", (f"filler {i}" if i != 3 else "the needle is here" for i in range(150)))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.chat.query_one(MessageLog)
        # A screenful, then a window of scrollback: the oldest messages are not loaded.
        await wait_for(pilot, lambda: len(log_bodies(app)) > 100 and not log.busy)
        assert "the needle is here" not in log_bodies(app)
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"needl")
        await wait_for(pilot, lambda: app.screen.query_one("#search-results").option_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "the needle is here" in log_bodies(app))
        assert log.highlight_id == next(v.id for v in log.views if v.body == "the needle is here")
        assert "the needle is here" in screen_text(app)


async def test_help_screen_lists_every_key_and_command(alice: User, team):
    from peers_tui.commands.registry import COMMANDS, KEYS
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.chat.query_one(MessageLog).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
    bindings = [b.key for b in PeersApp.BINDINGS]
    described = " ".join(k.label for k in KEYS).lower()
    for key in ("alt+a", "ctrl+k", "ctrl+g", "ctrl+f", "f1", "ctrl+c"):
        assert any(key in b for b in bindings) and key.replace("ctrl+", "ctrl+") in described
    assert {c.name for c in COMMANDS} >= {"create", "join", "invite", "leave", "members", "role",
                                          "remove", "topic", "me", "reply", "edit", "delete",
                                          "search", "mute", "theme", "help", "quit"}


async def test_question_mark_is_typed_in_the_composer(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("question_mark")
        assert app.chat.composer.text == "?" and app.screen is app.chat


async def test_theme_is_remembered_in_the_config_file(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, "/theme nord")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "nord"
    assert load_config(alice.home / "config.toml").theme == "nord"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.theme == "nord"


async def test_command_palette_lists_commands_and_groups(alice: User, team):
    from peers_tui.commands.palette import PeersCommands
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        labels = [label for label, _, _ in PeersCommands(app.screen)._entries()]
        assert "/search [QUERY]" in labels and "Go to team" in labels
        await pilot.press("ctrl+p", *"/topic")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.composer.text == "/topic ")


async def test_usable_at_80x24_and_200x60(alice: User, bob: User, team):
    bob.ok("send", "team", "hello")
    for size in ((80, 24), (200, 60)):
        app = make_app(alice, "team")
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: log_bodies(app) == ["hello"])
            assert app.chat.query_one(Composer).region.width > 0
            assert "bob │ hello" in screen_text(app)


async def test_invite_dialog_shows_the_code_lists_and_revokes(alice: User, carol: User, team):
    from textual.widgets import Label, OptionList

    from peers_tui.screens.confirm import ConfirmScreen
    from peers_tui.screens.invites import InvitesScreen
    from tests.tui_helpers import type_text
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await submit(pilot, "/invite reader", lambda: isinstance(app.screen, InvitesScreen)
                       and bool(app.screen.query("#invite-code")))  # composed (late under load)
        dialog = app.screen
        label = dialog.query_one("#invite-code", Label)
        await wait_for(pilot, lambda: "peers1:" in str(label.render()))
        code = str(label.render())
        assert code.startswith("peers1:") and "1 use" in dialog.terms
        options = dialog.query_one(OptionList)
        await wait_for(pilot, lambda: len(dialog.invites) == 1)
        await pilot.pause(0.3)  # the dialog stays until dismissed
        assert app.screen is dialog
        options.highlighted = 0
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is dialog and not dialog.invites)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, InvitesScreen))
    assert "revoked" in carol.fails("join", code).err


async def test_l_in_the_group_list_asks_before_leaving(alice: User, bob: User, team):
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        app.screen.query_one("OptionList").highlighted = 1  # team (the personal group is 0)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                       and bool(app.screen.query("Label")))
        assert "team" in str(app.screen.query_one("Label").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        assert bob.ok("members", "team", "--json").json()  # still a member
        assert "bob" in [m["handle"] for m in alice.ok("members", "team", "--json").json()]
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "bob" not in [
            m["handle"] for m in alice.ok("members", "team", "--json").json()])


async def test_nick_changes_the_handle_everywhere_at_once(alice: User, bob: User, team):
    from peers_tui.widgets import RosterPanel
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await type_text(pilot, "/nick alicia")
        await pilot.press("enter")
        roster = app.chat.query_one(RosterPanel)
        await wait_for(pilot, lambda: "alicia" in roster.handles)
    assert "alicia" in [m["handle"] for m in bob.ok("members", "team", "--json").json()]
    assert alice.ok("id").out.split()[1] == "alicia"


async def test_a_group_you_left_can_be_archived_from_the_group_list(alice: User, bob: User, team):
    bob.ok("leave", "team")
    app = make_app(bob, "personal")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.summaries) == 2)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        app.screen.query_one("OptionList").highlighted = 1
        await pilot.press("a")
        await wait_for(pilot, lambda: [s.name for s in app.summaries] == ["personal"])
    assert "team" not in bob.ok("groups").out


async def test_two_groups_of_one_name_are_told_apart(alice: User, tmp_path):
    from peers_tui.screens.switcher import GroupSwitcher
    from textual.widgets import OptionList
    first = alice.ok("create", "team").out.strip()
    second = alice.ok("create", "team").out.strip()
    names = [g["name"] for g in alice.ok("groups", "--json").json()]
    assert names.count("team") == 2
    app = make_app(alice, second)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        assert f"team · {second[:6]}" in str(app.chat.query_one("#topic-bar").render())
        await wait_for(pilot, lambda: len(app.summaries) == 3)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupSwitcher))
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(first[:6] in line for line in shown) and any(second[:6] in line for line in shown)
async def test_offsets_count_from_the_newest_and_bad_ones_are_refused(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await ready(pilot)
        for line in ("first", "second", "third", "fourth"):
            await type_text(pilot, line)
            await pilot.press("enter")
        await wait_for(pilot, lambda: len(log_bodies(app)) == 4)

        async def run(command: str) -> None:
            await type_text(pilot, command)
            await pilot.press("enter")

        def deleted() -> list[str]:
            return [v.body for v in app.chat.log_views() if v.deleted]

        async def confirm() -> None:  # deleting asks first
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")

        await run("/delete 2")  # the second newest: "third"
        await confirm()
        await wait_for(pilot, lambda: len(deleted()) == 1)
        assert [v.deleted for v in app.chat.log_views()] == [False, False, True, False]
        await run("/delete -1")  # the newest: "fourth"
        await confirm()
        await wait_for(pilot, lambda: len(deleted()) == 2)
        assert [v.deleted for v in app.chat.log_views()] == [False, False, True, True]
        for bad in ("/reply -0 hi", "/delete 0", "/delete x", "/copy -0", "/edit -0 text"):
            app._notifications.clear()
            await run(bad)
            await wait_for(pilot, lambda: any("not a message number" in n.message
                                              for n in app._notifications))
        await run("/delete 1 2")
        await wait_for(pilot, lambda: any("usage: /delete [N|ID]" in n.message
                                          for n in app._notifications))
        await pilot.pause(0.3)
    assert [row["body"] for row in alice.ok("log", "team", "--json").json()
            if not row["deleted"]] == ["first", "second"]


async def test_groups_created_and_joined_elsewhere_appear_at_once(alice: User, bob: User, team):
    """The CLI (or another TUI of the same user) adds groups to personal.db: the running app
    lists them, counts them, watches them and switches to them by Alt+N."""
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.summaries) == 2)
        bob.ok("create", "bobs-own")
        await wait_for(pilot, lambda: [s.name for s in app.summaries][-1:] == ["bobs-own"],
                       timeout=5)
        alice.ok("create", "elsewhere")
        bob.ok("join", alice.ok("invite", "elsewhere").out.strip())
        await wait_for(pilot, lambda: "elsewhere" in [s.name for s in app.summaries], timeout=5)
        alice.ok("send", "elsewhere", "hello bob")  # a new group is watched: counted live
        await wait_for(pilot, lambda: next(s.unread for s in app.summaries
                                           if s.name == "elsewhere") == 1, timeout=5)
        index = [s.name for s in app.summaries].index("elsewhere")
        await pilot.press(f"alt+{index + 1}")
        await wait_for(pilot, lambda: app.chat.entry.name == "elsewhere")


@pytest.mark.parametrize("key", ["ctrl+k", "ctrl+g", "f1", "ctrl+f", "ctrl+p"])
async def test_a_dialog_opened_again_is_not_stacked_and_one_esc_closes_it(alice: User, team,
                                                                          key):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: app.screen is not app.chat)
        dialog = app.screen
        for _ in range(5):
            await pilot.press(key)
        await pilot.pause(0.1)
        assert app.screen is dialog and len(app.screen_stack) == 3  # default, chat, dialog
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat)


async def test_another_dialog_replaces_the_open_one(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        for key in ("ctrl+k", "ctrl+g", "f1", "ctrl+k", "ctrl+p", "ctrl+f"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert len(app.screen_stack) == 3, key
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat)
