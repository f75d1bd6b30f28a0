"""The buffer list: the user's groups at the left of a wide chat screen, live, clickable,
toggled with F3 and remembered; and the notify level and the mention mark shown on every list
of groups (the buffer list, the group list, the switcher, the topic bar)."""

from __future__ import annotations

from textual.widgets import OptionList

from peers_tui.core.account import Account
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.switcher import GroupSwitcher
from peers_tui.widgets.buffer_list import BufferList
from peers_tui.widgets.topic_bar import TopicBar
from tests.conftest import User
from tests.hostile_names import FAKE_LINE, HOSTILE, found_group
from tests.tui_helpers import make_app, type_text, wait_for


def buffer_list(app) -> BufferList:  # noqa: ANN001
    return app.chat.query_one(BufferList)


def shown(app) -> bool:  # noqa: ANN001
    """On screen: displayed, with room (hidden by CSS below 120 columns or with F3)."""
    widget = buffer_list(app)
    return widget.display and widget.region.width > 0


def rows(app) -> list[str]:  # noqa: ANN001
    """The buffer list's lines as drawn."""
    widget = buffer_list(app)
    return [widget.render_line(y).text.rstrip() for y in range(len(widget.summaries))]


def row_of(app, name: str) -> str:  # noqa: ANN001
    return next(row for row in rows(app) if name in row)


def marks(app, name: str) -> list[str]:  # noqa: ANN001
    """What the row of the group `name` (one word) shows after it: `["@only", "2", "@"]`."""
    words = row_of(app, name).split()
    return words[words.index(name) + 1:]


def counted(app) -> bool:  # noqa: ANN001
    """The first count is shown (before it the rows are the listed names alone)."""
    return buffer_list(app).counted and app.is_idle


def options(screen) -> list[str]:  # noqa: ANN001
    listed = screen.query_one(OptionList)
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


async def test_shown_at_120_and_200_columns_and_absent_at_80(alice: User, team):
    for width, expected in ((120, True), (200, True), (80, False), (119, False)):
        app = make_app(alice, "team")
        async with app.run_test(size=(width, 30)) as pilot:
            await wait_for(pilot, lambda: counted(app))
            assert shown(app) is expected, width
            if expected:
                assert [row.split()[1] for row in rows(app)] == ["personal", "team"]
                assert buffer_list(app).current == team


async def test_a_new_user_with_only_the_personal_group_sees_it_listed(alice: User):
    """A first start: no group but the personal one. The list at the left showed nothing at
    all (the watcher's first look had no group to report, so nothing was ever counted)."""
    app = make_app(alice)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert shown(app)
        assert [row.split()[1] for row in rows(app)] == ["personal"]


async def test_hidden_when_the_terminal_shrinks_and_back_when_it_grows(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(130, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert shown(app)
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: not shown(app))
        await pilot.resize_terminal(160, 30)
        await wait_for(pilot, lambda: shown(app))
        assert "team" in row_of(app, "team")


async def test_counts_and_the_mention_mark_follow_another_process_live(alice: User, bob: User,
                                                                       team):
    """Bob's real `peers send` processes post to team while alice reads her personal group:
    her buffer list shows the unread count, then the mention mark, without a key pressed."""
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert marks(app, "team") == []  # nothing unread
        assert bob.spawn("send", "team", "morning all").code == 0
        await wait_for(pilot, lambda: marks(app, "team") == ["1"])
        assert bob.spawn("send", "team", "@alice can you look?").code == 0
        await wait_for(pilot, lambda: marks(app, "team") == ["2", "@"])
        # Under a dialog the chat screen keeps its list current too.
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupSwitcher))
        assert bob.spawn("send", "team", "and one more").code == 0
        await wait_for(pilot, lambda: marks(app, "team") == ["3", "@"])


async def test_the_open_group_is_in_view_far_down_a_long_list(alice: User):
    account = Account(alice.home, alice.hub)
    for n in range(40):
        account.create_group(f"g{n:02d}")
    app = make_app(alice, "g35")
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: counted(app) and len(buffer_list(app).summaries) == 41)
        widget = buffer_list(app)
        row = [s.label for s in widget.summaries].index("g35")
        await wait_for(pilot, lambda: widget.scroll_y <= row < widget.scroll_y
                       + widget.size.height)
        await pilot.resize_terminal(80, 20)
        await pilot.press("alt+1")  # personal, at the top, while the list is hidden
        await wait_for(pilot, lambda: app.chat.entry.personal)
        await pilot.resize_terminal(120, 20)
        await wait_for(pilot, lambda: shown(app) and widget.scroll_y == 0)


async def test_the_open_group_is_in_view_after_the_list_grew_under_a_dialog(alice: User):
    """The list grew from a few rows to more than fit while a dialog covered the chat screen:
    a covered screen is not laid out, so the scroll had to wait for its layout (it was asked
    for at once, found no scrollbar yet and did nothing; CI saw the same race at start-up)."""
    account = Account(alice.home, alice.hub)
    for n in range(3):
        account.create_group(f"g{n:02d}")
    app = make_app(alice, "g02")
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: counted(app) and len(buffer_list(app).summaries) == 4)
        widget = buffer_list(app)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupSwitcher))
        for n in range(3, 40):
            account.create_group(f"g{n:02d}")
        account.move("g02", 50)  # to the end of the list, far below the first screenful
        await wait_for(pilot, lambda: len(widget.summaries) == 41
                       and widget.summaries[-1].label == "g02")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, GroupSwitcher))
        await wait_for(pilot, lambda: widget.scroll_y <= 40 < widget.scroll_y
                       + widget.size.height)


async def test_a_click_opens_the_group_and_highlights_it(alice: User, team):
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert buffer_list(app).current != team
        row = [s.id for s in buffer_list(app).summaries].index(team)
        assert await pilot.click(BufferList, offset=(6, row))
        await wait_for(pilot, lambda: app.chat.entry.id == team)
        assert buffer_list(app).current == team
        assert app.screen is app.chat  # the composer keeps the focus: the list takes none
        assert app.focused is not None and app.focused.id == "composer"


async def test_f3_hides_it_and_the_choice_outlives_the_app(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        await type_text(pilot, "half a message")  # F3 works from the composer
        await pilot.press("f3")
        await wait_for(pilot, lambda: not shown(app))
        assert app.chat.composer.text == "half a message"
        await wait_for(pilot, lambda: not any(w.group == "buffer-list-setting"
                                              for w in buffer_list(app).workers))
    assert Account(alice.home, alice.hub).ui_state.buffer_list_shown() is False
    app = make_app(alice, "team")
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert not shown(app)  # hidden from the first frame on, however wide
        await pilot.press("f3")
        await wait_for(pilot, lambda: shown(app))
        await wait_for(pilot, lambda: Account(alice.home, alice.hub).ui_state
                       .buffer_list_shown())


async def test_f3_on_a_narrow_terminal_says_why_and_changes_nothing(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        await pilot.press("f3")
        await wait_for(pilot, lambda: any("120 columns" in n.message
                                          for n in app._notifications))
        assert not buffer_list(app).has_class("-off")
    assert Account(alice.home, alice.hub).ui_state.buffer_list_shown() is True


async def test_the_notify_level_shows_on_every_list_and_the_topic_bar(alice: User, bob: User,
                                                                      team):
    """Mentions only and muted, the two levels that are not the default, are marked where the
    group is listed and on the open group's topic bar; a mention still shows its mark."""
    account = Account(alice.home, alice.hub)
    account.set_notify("team", "mentions")
    bob.ok("send", "team", "@alice a question for you")
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert marks(app, "team") == ["@only", "1", "@"]
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        listed = next(row for row in options(app.screen) if "team" in row)
        assert listed.split()[-4:] == ["1", "@", "mentions", "only"]
        await pilot.press("escape", "ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupSwitcher))
        assert any(row.endswith("mentions only") and "team" in row
                   for row in options(app.screen))
        await pilot.press("escape")
        app.chat.run_command("/mute")  # personal: all -> mute, from the chat screen
        await wait_for(pilot, lambda: "(muted)" in str(app.chat.query_one(TopicBar).render()))
        await wait_for(pilot, lambda: marks(app, "personal") == ["muted"])
        app.chat.run_command("/mute mentions")
        await wait_for(pilot, lambda: "(mentions only)"
                       in str(app.chat.query_one(TopicBar).render()))
        await wait_for(pilot, lambda: marks(app, "personal") == ["@only"])


async def test_a_reply_to_us_is_a_mention_in_the_group_list_and_the_buffer_list(
        alice: User, bob: User, team):
    """core.mentions counts a reply to one of our messages as a mention, handle or not: the
    group list and the buffer list mark the group with `@` beside its count."""
    ours = alice.ok("send", "team", "who can review the release notes?").out.strip()
    bob.ok("send", "team", "nothing to do with you")
    bob.ok("send", "team", "--reply-to", ours, "I can, after lunch")
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        assert marks(app, "team") == ["2", "@"]
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupListScreen))
        listed = next(row for row in options(app.screen) if "team" in row)
        assert listed.split()[-2:] == ["2", "@"]


async def test_hostile_group_names_show_as_text(alice: User):
    found_group(alice, HOSTILE)
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app) and len(buffer_list(app).summaries) == 2)
        drawn = "\n".join(rows(app))
        assert "\x1b" not in drawn and "\u202e" not in drawn and FAKE_LINE not in drawn
        assert len(rows(app)) == 2  # the newline in the name made no second line
        assert app.is_running  # `[@click=quit]` is text, not an action


async def test_a_switch_draws_only_the_two_rows_whose_highlight_moved(alice: User, team):
    """Figure 1 (issue 16): a switch drew every row of the list again through Textual's
    styles (~2 ms of the switch's frame); only the row left and the row opened change."""
    ids = {name: alice.ok("create", name).out.strip() for name in ("one", "two", "three")}
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app))
        await pilot.pause(0.3)
        widget = buffer_list(app)
        drawn: list[int] = []
        draw = widget.render_line

        def counting(y: int):  # noqa: ANN202
            drawn.append(y)
            return draw(y)

        widget.render_line = counting  # type: ignore[method-assign]
        two = ids["two"]
        before, after = widget._row_of(team), widget._row_of(two)
        from peers_tui.messages import OpenGroup

        app.post_message(OpenGroup(two))
        await wait_for(pilot, lambda: app.chat.entry.id == two and counted(app))
        await pilot.pause(0.3)
        assert widget.current == two
        assert sorted(set(drawn)) == sorted({before, after}), drawn
        assert "two" in row_of(app, "two") and rows(app)[after] != rows(app)[before]


async def test_a_conversation_follows_the_partners_new_handle(alice: User, bob: User, hub):
    """bob renames himself robert: alice's list names their conversation robert, as a
    query window follows a nick change (it stayed "bob" for good)."""
    hub.mkdir(parents=True, exist_ok=True)
    for user in (alice, bob):
        user.ok("people")
    alice.ok("dm", "bob", "hi bob")
    bob.ok("dm", "alice", "hi alice")
    app = make_app(alice, "bob")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: counted(app) and "bob" in row_of(app, "bob"))
        bob.ok("id", "--handle", "robert")
        await wait_for(pilot, lambda: any("robert" in row for row in rows(app)))
        assert not any(row.split()[1:2] == ["bob"] for row in rows(app))
        assert "robert" in app.chat.query_one(TopicBar).render_line(0).text
