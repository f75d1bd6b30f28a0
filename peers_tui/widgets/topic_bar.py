"""TopicBar: the chat screen's top line: the group, its notify level, its topic, and what is
happening in the user's other groups at the right."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from peers_tui.core.states import NotifyLevel
from peers_tui.core.text import inert
from peers_tui.widgets.group_label import notify_badge


class TopicBar(Static):
    """One line; redrawn only when something on it changed, never laid out again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = ""  # the group's name, already one inert line (core.names)
        self.notify_level = NotifyLevel.ALL
        self.topic: str | None = None
        self.activity = ""
        self.link = ""  # the relay's link (core.link_words.indicator), "" without a relay

    def show(self, label: str, notify: str, topic: str | None) -> None:
        """`notify`: the group's NotifyLevel ("mentions only" and "muted" are shown)."""
        self.label, self.notify_level, self.topic = label, NotifyLevel.read(notify), topic
        self._redraw()

    def show_activity(self, text: str) -> None:
        """Unread messages in the other groups (redrawn only on a change)."""
        if text != self.activity:
            self.activity = text
            self._redraw()

    def show_link(self, text: str) -> None:
        """The link to the hub at the far right (`⇅ hub ✓ 2 ms`); "" shows nothing."""
        if text != self.link:
            self.link = text
            self._redraw()

    def on_resize(self) -> None:
        # The line is made for its width: without this, a terminal narrowed after the last
        # change cut the link off the right, and one widened left it mid-line.
        self._redraw()

    def _redraw(self) -> None:
        # One docked line whatever it says (styles/app.tcss): a new text never changes its
        # size, so the screen is not laid out again. With a relay the link's round trip and
        # a backfill's progress change it every second or page; a layout of the whole screen
        # each time was most of what a backfill cost the app's event loop.
        self.update(self.title_text(), layout=False)

    def title_text(self) -> Text:
        """The group, its notify level and topic, and at the right the other groups' activity
        and the link: those keep their place whatever the topic's length, and the left part
        is cut to the room left with "…" (the whole topic: /topic)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.label} ", style="bold")
        badge = notify_badge(self.notify_level)
        if badge:
            text.append(f"({badge}) ", style="dim")
        if self.topic:
            text.append("│ ", style="dim")
            text.append(inert(self.topic, allow_newlines=False))
        link = ("  " if self.activity else "") + self.link if self.link else ""
        if self.activity or link:
            width = self.size.width or 80
            right = cell_len(self.activity) + cell_len(link) + 1
            if text.cell_len + 1 + right > width:
                text.truncate(max(1, width - right - 1), overflow="ellipsis")
            text.append(" " * max(1, width - text.cell_len - right))
            text.append(self.activity, style="bold")
            text.append(link, style="dim" if "✓" in link else "bold")
        return text
