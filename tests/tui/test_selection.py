"""Selection mode: Alt+S (or a click) selects a message; Up/Down/PgUp/PgDn/Home/End move it
across windows of a long history; keys act on the selected message."""

from __future__ import annotations

from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.widgets import Composer, MessageLog
from tests.conftest import User
from tests.tui.test_chat_paging import import_numbered
from tests.tui_helpers import log_bodies, make_app, screen_text, wait_for


def selected_body(app) -> str | None:
    view = app.screen.query_one(MessageLog).selected
    return view.body if view is not None else None


def selected_in_view(log: MessageLog) -> bool:
    line = log.line_layout.line_of(log.selected_id or "")
    top = int(log.scroll_y)
    return line is not None and top <= line < top + log.scrollable_content_region.height


async def settled(pilot, log: MessageLog) -> None:
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: not log.busy)
    await pilot.pause(0.05)


async def start_selecting(pilot, count: int) -> MessageLog:
    app = pilot.app
    log = app.screen.query_one(MessageLog)
    await wait_for(pilot, lambda: len(log_bodies(app)) >= count and not log.busy)
    await pilot.press("alt+s")
    await wait_for(pilot, lambda: log.selected is not None)
    return log


async def test_selection_walks_across_window_boundaries_both_ways(alice: User, team, tmp_path):
    import_numbered(alice, "team", 3000, tmp_path)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = await start_selecting(pilot, 20)
        assert selected_body(app) == "message 2999" and app.focused is log
        first_loaded = log.views[0].id
        await pilot.press(*["up"] * 150)  # faster than windows load: the rest is owed
        await wait_for(pilot, lambda: selected_body(app) == "message 2849")
        await settled(pilot, log)
        assert log.selected_id < first_loaded  # an older window was loaded to get there
        assert selected_in_view(log)
        await pilot.press("pageup")
        await wait_for(pilot, lambda: selected_body(app) != "message 2849")
        await settled(pilot, log)
        assert selected_in_view(log)
        await pilot.press("home")
        await wait_for(pilot, lambda: selected_body(app) == "message 0")
        await settled(pilot, log)
        assert selected_in_view(log)
        last_loaded = log.views[-1].id
        await pilot.press(*["down"] * 150)
        await wait_for(pilot, lambda: selected_body(app) == "message 150")
        await settled(pilot, log)
        assert log.selected_id > last_loaded and selected_in_view(log)  # a newer window
        await pilot.press("end")
        await wait_for(pilot, lambda: selected_body(app) == "message 2999")
        await settled(pilot, log)
        assert selected_in_view(log)
        await pilot.press("escape")
        await wait_for(pilot, lambda: log.selected is None)
        assert isinstance(app.focused, Composer)


async def test_keys_held_down_faster_than_windows_load_all_count(alice: User, team, tmp_path):
    """A held key arrives as fast as the terminal repeats it: each Up while an older window
    was loading set the moves still owed to its own one, so all but the last were lost and
    the selection stopped short (Pilot's presses wait for the app between keys: never seen)."""
    from textual import events

    import_numbered(alice, "team", 3000, tmp_path)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = await start_selecting(pilot, 20)
        for _ in range(150):  # queued at once, as the driver posts a burst of repeats
            app.post_message(events.Key("up", None))
        await wait_for(pilot, lambda: selected_body(app) == "message 2849", timeout=15)
        await settled(pilot, log)
        assert selected_body(app) == "message 2849" and selected_in_view(log)
        for _ in range(40):
            app.post_message(events.Key("down", None))
        await wait_for(pilot, lambda: selected_body(app) == "message 2889", timeout=15)


async def test_a_click_selects_the_message_under_the_mouse(alice: User, team):
    for n in range(3):
        alice.ok("send", "team", f"note {n}")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: len(log_bodies(app)) == 3 and not log.busy)
        await pilot.pause(0.1)
        line = log.line_layout.line_of(log.views[1].id) - int(log.scroll_y)
        await pilot.click(MessageLog, offset=(30, line))
        await wait_for(pilot, lambda: selected_body(app) == "note 1")
        assert app.focused is log
        selected = log.get_component_rich_style("message-log--selected", partial=True).bgcolor
        assert selected is not None

        def backgrounds(message_index: int) -> set:
            line = log.line_layout.line_of(log.views[message_index].id)
            return {segment.style.bgcolor for segment in log.rendered_lines[line]
                    if segment.style is not None}
        assert backgrounds(1) == {selected}  # the highlight, drawn on the selected message only
        assert selected not in backgrounds(0) | backgrounds(2)


async def test_reply_key_starts_a_reply_to_the_selected_message(alice: User, bob: User, team):
    bob.ok("send", "team", "question from bob")
    alice.ok("send", "team", "something else")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 2)
        await pilot.press("up", "r")
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: composer.text.startswith("/reply "))
        assert app.focused is composer and app.screen.query_one(MessageLog).selected is None
        await pilot.press(*"answer", "enter")
        await wait_for(pilot, lambda: len(log_bodies(app)) == 3)
    log = alice.ok("log", "team", "--json").json()
    assert log[2]["body"] == "answer" and log[2]["reply_to"] == log[0]["id"]


async def test_edit_key_and_alt_e_load_your_message_for_edit(alice: User, bob: User, team):
    alice.ok("send", "team", "mine")
    bob.ok("send", "team", "theirs")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 2)
        await pilot.press("e")  # bob's: refused, nothing in the composer
        await pilot.pause(0.1)
        composer = app.screen.query_one(Composer)
        assert composer.text == ""
        await pilot.press("up", "e")
        await wait_for(pilot, lambda: composer.text.startswith("/edit "))
        assert composer.text.endswith(" mine")
        await pilot.press(*" and more", "enter")
        await wait_for(pilot, lambda: "mine and more" in log_bodies(app))
        await pilot.press("alt+e")  # from the composer: the last message of mine
        await wait_for(pilot, lambda: composer.text.endswith(" mine and more"))
        await pilot.press(*"!", "enter")
        await wait_for(pilot, lambda: "mine and more!" in log_bodies(app))


async def test_delete_key_asks_and_deletes_yours(alice: User, bob: User, team):
    alice.ok("send", "team", "oops")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 1)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "oops" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: any(v.deleted for v in app.chat.log_views()))
        # The selection stays on it, still yours: `e` said "you can only edit your own
        # messages"; what stands in the way is that it is deleted (h-newuser).
        await pilot.press("e")
        await wait_for(pilot, lambda: any("deleted" in n.message for n in app._notifications))
        assert not any("your own" in n.message for n in app._notifications)


async def test_a_writer_cannot_delete_someone_elses_message(alice: User, bob: User, team):
    alice.ok("send", "team", "alice's")
    app = make_app(bob, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 1)
        await pilot.press("d")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("only admins" in n.message for n in app._notifications)


async def test_copy_key_copies_the_selected_message(alice: User, bob: User, team):
    bob.ok("send", "team", "copy me")
    bob.ok("send", "team", "not me")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 2)
        await pilot.press("up", "c")
        await wait_for(pilot, lambda: app.clipboard == "copy me")



async def test_a_folded_message_shows_whole_while_it_is_selected(alice: User, bob: User, team):
    bob.ok("send", "team", "\n".join(f"row {n:02}" for n in range(1, 31)))
    alice.ok("send", "team", "after it")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 60)) as pilot:
        await start_selecting(pilot, 2)
        log = app.screen.query_one(MessageLog)
        assert "row 30" not in screen_text(app) and "more lines" in screen_text(app)
        await pilot.press("up")
        await wait_for(pilot, lambda: selected_body(app) is not None
                       and selected_body(app).startswith("row 01"))
        await wait_for(pilot, lambda: "row 30" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: log.selected is None)
        await wait_for(pilot, lambda: "row 30" not in screen_text(app))


def footer_text(app) -> str:
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return " ".join(str(key.render()) for key in footer.children)


async def test_the_footer_shows_the_selection_keys_while_selecting(alice: User, team):
    """A new user pressed Alt+S and saw a highlight, with the same footer as before: nothing
    said that r, e, d, c, a, w, o and g act on it. They are shown while a message is selected,
    and leave with the selection."""
    alice.ok("send", "team", "hello")
    app = make_app(alice, "team")
    async with app.run_test(size=(160, 30)) as pilot:
        await start_selecting(pilot, 1)
        await wait_for(pilot, lambda: "Reply" in footer_text(app))
        for label in ("Reply", "Edit", "Delete", "Copy", "React", "Who", "Link", "Go to"):
            assert label in footer_text(app), label
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.screen.query_one(Composer))
        await wait_for(pilot, lambda: "Reply" not in footer_text(app))
        assert "Search" in footer_text(app)
