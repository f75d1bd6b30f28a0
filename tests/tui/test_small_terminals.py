"""Small terminals (80x24, 60x20, 50x14: SSH sessions and tmux panes): the group list, the
switcher, the log's columns and the topic bar keep what matters whole, read from the screen
as the terminal shows it."""

from __future__ import annotations

import pytest

from rich.cells import cell_len
from peers_tui.paths import home_relative
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.search import SearchScreen
from peers_tui.screens.switcher import GroupSwitcher
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import make_app, terminal_text, wait_for

LONG = "the-infrastructure-and-platform-reliability-engineering-working-group"
WIDE = "团队讨论组🎉プロジェクト会議室"  # two cells a character
WIDE_HANDLE = "张伟大师傅"
BODY = ("hello from bob, this is a fairly long message that should wrap across several lines "
        "in a narrow terminal window without losing any words at all")


@pytest.fixture
def groups(alice: User, bob: User) -> str:
    """alice's groups with a long name and a wide one; bob, with a CJK handle, wrote BODY in
    the long one and a message in the wide one (unread for alice)."""
    alice.ok("create", LONG)
    alice.ok("create", WIDE)
    bob.ok("id", "--handle", WIDE_HANDLE)
    for group in (LONG, WIDE):
        bob.ok("join", alice.ok("invite", group).out.strip())
    bob.ok("send", LONG, BODY)
    bob.ok("send", WIDE, "你好")
    return LONG


def unspaced(text: str) -> str:
    return "".join(text.split())


def boxed_rows(text: str) -> list[str]:
    """The rows inside a modal's box (between its │ borders)."""
    return [row.split("│")[1] for row in text.splitlines() if row.count("│") == 2]


def boxed(text: str) -> str:
    return " ".join(boxed_rows(text))


async def screen_over_personal(alice: User, size: tuple[int, int], keys: list[str],
                               screen: type) -> str:
    """alice's app on her personal group, `keys` pressed once her groups are counted, shown
    as the terminal shows it once `screen` is up."""
    app = make_app(alice, "personal")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: len(app.summaries) == 3)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: isinstance(app.screen, screen))
        await pilot.pause(0.2)
        return terminal_text(app)


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (50, 14)])
async def test_the_group_list_shows_every_name_whole(alice, groups, size):
    """Ctrl+G: a long name was cut at 40 cells (at 80 columns: 'the-infrastructure-and-
    platform-reliabil', no mark it went on), and a CJK name, padded by characters, pushed its
    unread count 20 cells out of the column; the hints were cut at 60 columns."""
    text = await screen_over_personal(alice, size, ["ctrl+g"], GroupListScreen)
    assert LONG in unspaced(text) and WIDE in unspaced(text), text
    counts = [row.rstrip() for row in text.splitlines() if row.rstrip().endswith(" 1")]
    assert len(counts) == 2 and len({cell_len(row) for row in counts}) == 1, text  # a column
    assert "Esc back" in " ".join(text.split()), text


@pytest.mark.parametrize("size", [(100, 24), (80, 24), (60, 20)])
async def test_the_group_list_s_footer_shows_whole_keys_and_help(alice, groups, size):
    """The footer cut its row behind the palette's key: "^k Go to group▏" at 80 columns,
    "^f Sear▏" at 100, "esc ▏" at 60. Keys that do not fit are left out whole; F1 stays."""
    text = await screen_over_personal(alice, size, ["ctrl+g"], GroupListScreen)
    footer = text.splitlines()[-1]
    keys = footer.split("▏")[0].split()
    assert "f1 Help" in footer and footer.rstrip().endswith("^p palette"), footer
    every = ["n", "New", "j", "Join", "l", "Leave", "m", "Mute", "a", "Archive", "esc", "Back",
             "^k", "Go", "to", "group", "^g", "Groups", "^f", "Search", "f1", "Help"]
    assert keys == [word for word in every if word in keys], footer  # whole words, in order
    assert keys[:4] == ["n", "New", "j", "Join"], footer


def test_keys_that_do_not_fit_are_left_out_from_the_right_but_help():
    from peers_tui.widgets.fitting_footer import fitting

    assert fitting([5, 5, 5], [False, False, True], 15) == [True, True, True]
    assert fitting([5, 5, 5], [False, False, True], 14) == [True, False, True]
    assert fitting([5, 9, 3, 5], [False, False, False, True], 14) == [True, False, False, True]
    assert fitting([5, 5], [False, True], 4) == [False, True]


@pytest.mark.parametrize("size", [(80, 24), (50, 14)])
async def test_the_switcher_shows_every_name_whole(alice, groups, size):
    """Ctrl+K: names were cut at 24 cells in a box of 56."""
    text = await screen_over_personal(alice, size, ["ctrl+k"], GroupSwitcher)
    assert LONG in unspaced(boxed(text)), text


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_a_wide_handle_keeps_the_log_s_columns(alice, groups, size):
    """bob's handle '张伟大师傅' (10 cells, 5 characters) was padded by characters: his
    bar stood 5 cells right of everyone's and the end of each of his lines went past the edge
    ('a fairly long mess')."""
    app = make_app(alice, LONG)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.screen.query(MessageLog)
                       and BODY in [v.body for v in app.screen.query_one(MessageLog).views])
        await pilot.pause(0.2)
        text = terminal_text(app)
    bars = {cell_len(row[:row.index("│")]) for row in text.splitlines()
            if "│" in row and row.index("│") < 40 and not row.startswith(" " + LONG[:8])}
    assert len(bars) == 1, text
    assert set(BODY.split()) <= set(text.split()), text


@pytest.mark.parametrize("width", [120, 80, 60])
async def test_the_topic_bar_keeps_its_right_side_with_a_long_topic(alice, groups, width):
    """A long topic (or name) pushed the other groups' unread count ('1 unread · Alt+A') and
    the relay's link past the right edge: now the topic is cut with '…' before them."""
    alice.ok("topic", LONG, "a very long topic about the migration of every production "
             "database to the new cluster: read the runbook first, twice, and ask in here")
    app = make_app(alice, LONG)
    async with app.run_test(size=(width, 24)) as pilot:
        # the topic comes with the group's first read, the count with the others' (either
        # first: a loaded tui lane showed the count beside the bare name)
        await wait_for(pilot, lambda: "unread" in terminal_text(app).splitlines()[0]
                       and "…" in terminal_text(app).splitlines()[0])
        first = terminal_text(app).splitlines()[0]
    assert first.rstrip().endswith("1 unread · Alt+A"), first
    assert "…" in first, first


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_search_results_show_their_last_line(alice, team, size):
    """Ctrl+F: the results' heights were counted at the list's width before its scrollbar
    came, and drawn 2 cells narrower: a result folding onto one more line lost it (the end
    of a message, at 60 columns); the status line was cut ('Enter jumps to the messa')."""
    for n in range(12):
        alice.ok("send", "team", f"needle {n} " + "lorem ipsum dolor " * n + f"end{n}")
    app = make_app(alice, "team")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.screen.query(MessageLog))
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"needle")
        await wait_for(pilot, lambda: "12 results" in terminal_text(app))
        await pilot.pause(0.3)
        text = terminal_text(app)
    rows = boxed_rows(text)
    assert "Enter jumps to the message" in " ".join(" ".join(rows).split()), text  # status
    starts = [n for n, row in enumerate(rows) if " alice: needle " in row]
    assert len(starts) >= 2, text
    for here, after in zip(starts, starts[1:]):
        shown = " ".join(rows[here:after])
        number = shown.split(" alice: needle ")[1].split()[0]
        assert f"end{number}" in shown.split(), text


@pytest.mark.parametrize("size", [(60, 20), (50, 14)])
async def test_a_long_answer_shows_whole_in_a_note(alice, team, make_user, size):
    """/who of a group of 8 was a notification taller than the screen: its first lines (the
    group, '8 members', the user's own line) were cut at the top, with no way to scroll. A
    short answer stays a notification."""
    from tests.tui_helpers import type_text
    try:
        from peers_tui.screens.note import NoteScreen
    except ImportError:  # on main before this branch: the notification alone
        NoteScreen = type(None)  # noqa: N806

    for name in ("carol", "dave", "erin", "frank", "grace", "heidi"):
        make_user(name).ok("join", alice.ok("invite", "team").out.strip())
    app = make_app(alice, "team")
    async with app.run_test(size=size, notifications=True) as pilot:  # toasts drawn
        await wait_for(pilot, lambda: app.screen.query(MessageLog))
        await type_text(pilot, "/who")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "8 members" in " ".join(
            [n.message for n in app._notifications] + [getattr(app.screen, "message", "")]), 5)
        await pilot.pause(0.5)
        text = terminal_text(app)
        assert "team: 8 members" in text and "alice" in text, text
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await type_text(pilot, "/topic")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app._notifications) > 0, 5)
        assert not isinstance(app.screen, NoteScreen)


async def test_who_reacted_shows_whole_at_50x14(alice, team, make_user):
    """Selection mode, w: the reactors were a notification cut at the screen's top when
    there were more than it could show (the first emoji and who gave it lost)."""
    alice.ok("send", "team", "ship it?")
    emojis = ["👍", "🎉", "❤️", "🚀", "👀", "😄", "😕"]
    people = ["carol_the_release_manager", "dave_from_the_platform_team",
              "erin_who_runs_staging", "frank_the_database_person",
              "grace_on_call_this_week", "heidi_writes_the_changelog"]
    alice.ok("react", "team", "-1", emojis[0])
    for name, emoji in zip(people, emojis[1:]):
        person = make_user(name)
        person.ok("join", alice.ok("invite", "team").out.strip())
        person.ok("react", "team", "-1", emoji)
    app = make_app(alice, "team")
    async with app.run_test(size=(50, 14), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.screen.query(MessageLog)
                       and app.screen.query_one(MessageLog).views)
        await pilot.press("alt+s")
        await pilot.pause(0.3)
        await pilot.press("w")
        await wait_for(pilot, lambda: "heidi" in " ".join(
            [n.message for n in app._notifications] + [getattr(app.screen, "message", "")]), 5)
        await pilot.pause(0.5)
        text = unspaced(terminal_text(app))
    assert "👍alice" in text and "carol_the_release_manager" in text, text


@pytest.mark.parametrize("size", [(80, 24), (50, 14)])
async def test_the_leave_question_names_the_whole_group(alice, groups, size):
    """l in the group list asks 'Leave NAME?': a long name was cut at the box's edge, no
    mark it went on ('Leave the-infrastructure-and-platform-rel' at 50 columns)."""
    from peers_tui.screens.confirm import ConfirmScreen

    text = await screen_over_personal(alice, size, ["ctrl+g", "down", "l"], ConfirmScreen)
    inside = boxed(text)
    assert f"Leave{LONG}?" in unspaced(inside), text
    assert "n / Esc: no" in inside, text


@pytest.mark.parametrize("size", [(60, 20), (50, 14)])
async def test_the_invites_screen_keeps_its_keys_in_sight(alice, groups, size):
    """/invite with two invites already out: the new code and the list pushed the key hints
    (c copy, r revoke, Esc close) below the box, out of sight at 60x20."""
    from peers_tui.screens.invites import InvitesScreen
    from tests.tui_helpers import type_text

    for _ in range(2):
        alice.ok("invite", LONG, "--uses", "5")
    app = make_app(alice, LONG)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.screen.query(MessageLog))
        await type_text(pilot, "/invite")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InvitesScreen))
        await wait_for(pilot, lambda: "peers1:" in terminal_text(app))
        await pilot.pause(0.3)
        text = terminal_text(app)
    inside = boxed(text)
    assert "Esc close" in " ".join(inside.split()), text


async def test_the_log_keeps_room_for_the_text_at_30_columns(alice, team):
    """Below 45 columns the author column (up to 16 cells) and the time left the text 5
    cells at 30 columns, and it was cropped at the edge ('wind' for 'window'): the column
    narrows so the text keeps 20."""
    body = "narrow terminal window without losing any words"
    alice.ok("id", "--handle", "alice_the_release_manager")
    alice.ok("send", "team", body)
    app = make_app(alice, "team")
    async with app.run_test(size=(30, 10)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(MessageLog)
                       and body in [v.body for v in app.screen.query_one(MessageLog).views])
        await pilot.pause(0.2)
        text = terminal_text(app)
    assert set(body.split()) <= set(text.split()), text


@pytest.mark.parametrize("size", [(60, 20), (50, 14)])
async def test_the_empty_personal_group_s_hints_show_whole(alice, size):
    """A new user's first screen at a tmux pane's width: every word of what to do next and
    the hub's path are on screen (at 60 columns they ran off the right edge, cut)."""
    app = make_app(alice, "personal")
    async with app.run_test(size=size) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log.window.loaded)
        await pilot.pause(0.1)
        shown = unspaced(terminal_text(app))
    hub = home_relative(alice.hub)
    for hint in ("/create NAME: a new group", "/join CODE: join one", "F1: help",
                 "(others who share this hub join a group of yours with a code from /invite)"):
        assert unspaced(hint) in shown, hint
    assert unspaced(f"hub: {hub}") in shown


def test_centred_lines_cut_a_long_path_and_wide_characters_by_cells():
    from peers_tui.widgets.message_render import centred_lines

    path = "hub: /" + "x" * 70
    lines = centred_lines(path, 30)
    assert all(cell_len(line) == 30 for line in lines)
    assert unspaced("".join(lines)) == unspaced(path)
    assert [line.strip() for line in centred_lines(WIDE, 1)] == list(WIDE)  # no endless loop
    assert centred_lines("a  ·  b", 0) == []
