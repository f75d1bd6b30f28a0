"""The one-line bars that change while a backfill runs (the link indicator at every page, the
earlier-messages note at every look at the link file) redraw themselves only when their text
changed, and never lay the whole screen out again: their size cannot change."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import App, ComposeResult

from peers_tui.widgets.earlier_bar import EarlierBar
from peers_tui.widgets.topic_bar import TopicBar


class Bars(App[None]):
    CSS = "TopicBar { dock: top; height: 1; } EarlierBar { height: 1; display: none; } " \
          "EarlierBar.-visible { display: block; }"

    def compose(self) -> ComposeResult:
        yield TopicBar(id="topic-bar")
        yield EarlierBar(id="earlier")


def recorded(widget: Any) -> list[bool]:
    """The `layout` of every refresh the widget asks for from now on."""
    asked: list[bool] = []
    refresh = widget.refresh

    def record(*args: Any, **kwargs: Any) -> Any:
        asked.append(bool(kwargs.get("layout", False)))
        return refresh(*args, **kwargs)
    widget.refresh = record
    return asked


async def test_a_new_link_text_redraws_the_topic_bar_without_a_layout():
    app = Bars()
    async with app.run_test(size=(80, 10)) as pilot:
        bar = app.query_one(TopicBar)
        bar.show("team", "all", "the topic")
        await pilot.pause()
        asked = recorded(bar)
        bar.show_link("⇅ hub ✓ 2 ms · receiving 12%")
        bar.show_link("⇅ hub ✓ 2 ms · receiving 12%")  # the same: nothing to do
        bar.show_link("⇅ hub ✓ 3 ms · receiving 14%")
        bar.show_activity("3 unread · Alt+A")
        await pilot.pause()
        assert asked == [False, False, False]
        assert "receiving 14%" in bar.title_text().plain
        assert "receiving 14%" in str(bar.render())


async def test_the_earlier_bar_redraws_only_when_its_note_changes():
    app = Bars()
    async with app.run_test(size=(80, 10)) as pilot:
        bar = app.query_one(EarlierBar)
        asked = recorded(bar)
        bar.show_note(0, [])  # told at every look at the link file, most of them with nothing
        bar.show_note(0, [])
        assert asked == [] and not bar.has_class("-visible")
        bar.show_note(37, ["hostB"])  # shown: that lays the screen out, once
        await pilot.pause()
        shown = len(asked)
        bar.show_note(37, ["hostB"])
        await pilot.pause()
        assert bar.has_class("-visible") and "37 earlier messages" in str(bar.render())
        assert len(asked) == shown
        bar.show_note(38, ["hostB"])
        await pilot.pause()
        assert "38 earlier messages" in str(bar.render()) and True not in asked[shown:]
        bar.show_note(0, [])
        await pilot.pause()
        assert not bar.has_class("-visible")


async def test_the_topic_bar_is_laid_out_again_for_a_new_terminal_width():
    """The line is made for the width it has when its text changes: a terminal narrowed
    afterwards cut the link off the right (a topic filled the old width: `⇅ hub ✓ 2 ms` gone
    from a 70-column tmux window until the link's text changed), and one widened left it in
    the middle (acceptance pass h-tuiacc)."""
    app = Bars()
    async with app.run_test(size=(120, 10)) as pilot:
        bar = app.query_one(TopicBar)
        bar.show("team", "all", "Planning the spring release: schedule, owners, risks and the "
                 "migration of the old servers to the new cluster")
        bar.show_link("⇅ hub ✓ 2 ms")
        await pilot.pause()
        for width in (70, 100):
            await pilot.resize_terminal(width, 10)
            await pilot.pause()
            shown = str(bar.render())
            # at the right edge (the line keeps its last column free), whole
            assert shown.endswith("⇅ hub ✓ 2 ms") and cell_len(shown) == width - 1, shown
