"""A new message at the bottom of a followed log costs the painting of its own lines, not of
every row (figure 13, issue 16).

Each new message scrolls the log, so every row shows another line: Textual's own cache (one
painted line per row) was emptied and the whole log, and its scrollbar, styled and rendered
again. The log keeps its painted lines by the line they show (widgets/message_log/painted.py)
and its scrollbar paints the same bar from the lines it painted (scrollbar.py). What they give
must be what a fresh paint gives: each test compares with one.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.widget import Widget

from peers_tui.core.account import Account
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, wait_for


@pytest.fixture
def painted_rows(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Rows painted through Textual's own path (styled and rendered), by widget class."""
    rows: Counter[str] = Counter()
    render_lines = Widget.render_lines

    def counted(self: Widget, crop: Region) -> Any:
        rows["ScrollBar" if isinstance(self, ScrollBar) else type(self).__name__] += crop.height
        return render_lines(self, crop)
    monkeypatch.setattr(Widget, "render_lines", counted)
    return rows


def history(owner: User, count: int) -> None:
    """`count` messages in the group, imported (one transaction, not `count` sends)."""
    start = int(time.time()) - 3600
    Account(owner.home, owner.hub).import_history("team", [json.dumps(
        {"id": f"o{i:03d}", "author": "old", "body": f"old {i}", "created_at": start + i})
        for i in range(count)])


def fresh(widget: Widget) -> list[Any]:
    """The widget's rows painted from scratch (Textual's own cache emptied first)."""
    widget._styles_cache.clear()
    return Widget.render_lines(widget, widget.size.region)


async def following_log(pilot: Any, app: Any, count: int) -> MessageLog:
    log = app.screen.query_one(MessageLog)
    await wait_for(pilot, lambda: len(log.views) == count and log.max_scroll_y > 0
                   and log.following and log.scroll_y == log.max_scroll_y)
    await pilot.pause(0.1)  # the frames of the opening are out
    return log


async def test_a_live_message_paints_only_its_own_lines_and_shows_at_the_bottom(
        alice: User, bob: User, team, painted_rows):
    history(alice, 60)
    writer = Account(bob.home, bob.hub)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = await following_log(pilot, app, 60)
        for n in range(3):
            painted_rows.clear()
            view = writer.send("team", f"live {n}")
            log.apply_live([view])  # what the chat screen does with what its feed read
            await wait_for(pilot, lambda: painted_rows["MessageLog"] > 0)
            await pilot.pause()
            # The new message's line (and a day rule at most), not the ~22 rows of the log.
            assert 0 < painted_rows["MessageLog"] <= 2, painted_rows
            rows = log.render_lines(log.size.region)
            assert rows[-1].text.rstrip().endswith(f"live {n}"), rows[-1].text
            assert rows == fresh(log)


async def settled(pilot: Any, painted_rows: Counter[str]) -> None:
    """Until 0.2 s go by with no ScrollBar painted (a fixed pause let a late frame of the
    opening, e.g. the footer put in place on a loaded machine, paint the bar after it)."""
    for _ in range(50):
        painted_rows.clear()
        await pilot.pause(0.2)
        if not painted_rows["ScrollBar"]:
            return


def bar_cells(bar: Any) -> list[Any]:
    """The cells the bar draws now (as Textual's ScrollBarRender draws them)."""
    render = bar.render()
    style = render.style
    return list(render.render_bar(
        size=bar.size.height, virtual_size=render.virtual_size, window_size=render.window_size,
        position=render.position, thickness=render.thickness, vertical=True,
        back_color=style.bgcolor, bar_color=style.color).segments)


async def test_the_scrollbar_is_rendered_again_only_when_its_bar_changes(
        alice: User, bob: User, team, painted_rows):
    history(alice, 300)
    writer = Account(bob.home, bob.hub)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["old 299"]
                       and log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y)
        await settled(pilot, painted_rows)  # the frames of the opening are out
        bar = log.vertical_scrollbar
        painted_rows.clear()
        bar.refresh()  # nothing changed: the same bar, from the same lines
        await pilot.pause(0.1)
        assert painted_rows["ScrollBar"] == 0, painted_rows
        assert bar.render_lines(bar.size.region) == fresh(bar)
        seen = set(bar_cells(bar))  # every row of the bar as it was painted at the opening
        for n in range(4):
            # One more line moves the thumb by a fraction of an eighth of a cell: mostly the
            # same bar. Rendered through Textual again exactly when it shows a row never
            # painted before (another eighth at an end of the thumb); else from those rows.
            painted_rows.clear()
            log.apply_live([writer.send("team", f"live {n}")])
            await wait_for(pilot, lambda: painted_rows["MessageLog"] > 0)
            await pilot.pause()
            cells = set(bar_cells(bar))
            assert (painted_rows["ScrollBar"] > 0) == bool(cells - seen), n
            seen |= cells
            assert bar.render_lines(bar.size.region) == fresh(bar)
            await pilot.pause()
        painted_rows.clear()
        log.scroll_to(y=log.max_scroll_y // 2, animate=False, immediate=True)
        await wait_for(pilot, lambda: painted_rows["ScrollBar"] > 0)  # the thumb moved up
        await pilot.pause()
        assert bar.render_lines(bar.size.region) == fresh(bar)


async def test_painted_lines_follow_a_theme_change_and_a_selection(
        alice: User, team):
    history(alice, 40)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = await following_log(pilot, app, 40)
        before = log.render_lines(log.size.region)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause(0.2)
        after = log.render_lines(log.size.region)
        assert after == fresh(log)
        assert after != before  # the colours changed: nothing painted before was given back
        await pilot.press("alt+s")  # selection mode: the newest message highlighted
        await wait_for(pilot, lambda: log.selecting)
        await pilot.pause(0.1)
        assert log.render_lines(log.size.region) == fresh(log)


async def test_the_senders_own_message_coming_back_costs_no_layout(
        alice: User, team, painted_rows, monkeypatch):
    """The sender's log gets its own message twice, from its echo (MessageSent) and from its
    live feed: the second, the same message, was laid out again with every line."""
    from peers_tui.widgets.message_log.layout import LineLayout

    history(alice, 40)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = await following_log(pilot, app, 40)
        view = Account(alice.home, alice.hub).send("team", "mine")
        log.apply_live([view])
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["mine"])
        await pilot.pause(0.1)
        laid_out: list[str] = []
        build = LineLayout.build
        monkeypatch.setattr(LineLayout, "build", lambda self, *args, **kwargs: (
            laid_out.append("build"), build(self, *args, **kwargs))[1])
        painted_rows.clear()
        log.apply_live([view])  # the same message again
        await pilot.pause(0.1)
        assert laid_out == [] and painted_rows["MessageLog"] == 0, (laid_out, painted_rows)
        edited = view.replace(body="mine, edited", edited=True)
        log.apply_live([edited])  # a message that changed is laid out again, as before
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["mine, edited"])
        assert laid_out
        await pilot.pause()
        assert "mine, edited (edited)" in log.render_lines(log.size.region)[-1].text


async def test_painted_lines_kept_stay_a_few_screens_however_far_one_scrolls(alice: User, team):
    from peers_tui.widgets.message_log.painted import MAX_KEPT

    history(alice, 300)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["old 299"]
                       and log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y)
        log.focus()
        for _ in range(20):
            await pilot.press("pageup")
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: not log.busy)
        await pilot.pause(0.1)
        assert len(log._painted._painted) <= MAX_KEPT + log.size.height
        assert log.render_lines(log.size.region) == fresh(log)


async def test_the_echo_of_a_message_laid_out_while_looking_back_brings_the_log_down(
        alice: User, team):
    """The live feed can lay the sender's message out while the log looks back; the echo
    (MessageSent) follows the log again and must bring that message into view."""
    from peers_tui.messages import MessageSent

    history(alice, 60)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = await following_log(pilot, app, 60)
        log.focus()
        await pilot.press("pageup")
        await wait_for(pilot, lambda: not log.following)
        view = Account(alice.home, alice.hub).send("team", "sent while looking back")
        log.apply_live([view])  # the live feed, first
        await pilot.pause(0.1)
        assert log.scroll_y < log.max_scroll_y
        app.chat.post_message(MessageSent(team, view))  # the echo
        await wait_for(pilot, lambda: log.following and log.scroll_y == log.max_scroll_y)
        await pilot.pause()
        assert "sent while looking back" in log.render_lines(log.size.region)[-1].text


async def test_a_moved_thumb_is_put_together_from_rows_painted_before(
        alice: User, team, painted_rows):
    """The scrollbar of a log that scrolls is painted from the rows it painted before (track,
    thumb, the eighths at its ends) once it has shown them: the same lines as a fresh paint
    at every place of the thumb, and no row through Textual on the way back."""
    history(alice, 300)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["old 299"]
                       and log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y)
        await settled(pilot, painted_rows)  # the frames of the opening are out
        bar = log.vertical_scrollbar
        places = [log.max_scroll_y * k // 12 for k in range(12, -1, -1)]
        through_textual = []
        for _ in range(2):  # down the log, then the same way again
            rows = 0
            for y in places:
                painted_rows.clear()
                log.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
                await pilot.pause()
                rows += painted_rows["ScrollBar"]  # counted before fresh() paints its own
                assert bar.render_lines(bar.size.region) == fresh(bar), y
            through_textual.append(rows)
        # The first pass painted its rows; the second found each among them.
        assert through_textual[0] > 0 and through_textual[1] == 0, through_textual
