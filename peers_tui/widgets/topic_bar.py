"""TopicBar: the chat screen's top line: the group, muted or not, its topic, and what is
happening in the user's other groups at the right."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from peers_tui.core.text import inert


class TopicBar(Static):
    """One line; laid out again only when something on it changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = ""  # the group's name, already one inert line (core.names)
        self.muted = False
        self.topic: str | None = None
        self.activity = ""

    def show(self, label: str, muted: bool, topic: str | None) -> None:
        self.label, self.muted, self.topic = label, muted, topic
        self.update(self.title_text())

    def show_activity(self, text: str) -> None:
        """Unread messages in the other groups (an update lays the screen out again: only on
        a change)."""
        if text != self.activity:
            self.activity = text
            self.update(self.title_text())

    def title_text(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.label} ", style="bold")
        if self.muted:
            text.append("(muted) ", style="dim")
        if self.topic:
            text.append("│ ", style="dim")
            text.append(inert(self.topic, allow_newlines=False))
        if self.activity:
            width = self.size.width or 80
            pad = max(1, width - text.cell_len - len(self.activity) - 1)
            text.append(" " * pad)
            text.append(self.activity, style="bold")
        return text
