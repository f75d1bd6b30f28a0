"""EarlierBar: a line above the log when messages older than those on screen arrived late
(from another host after a cut, put in their place by the relay): how many, from where."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from peers_tui.core.link_words import hosts_phrase


class EarlierBar(Static):
    def show_note(self, count: int, hosts: list[str]) -> None:
        """`↑ 37 earlier messages arrived from hostB`; a count of 0 hides the bar. Host names
        are shown through core.names (they come from a file every user may write)."""
        self.set_class(count > 0, "-visible")
        if count:
            noun = "message" if count == 1 else "messages"
            self.update(Text(f" ↑ {count} earlier {noun} arrived{hosts_phrase(hosts)} (PgUp)",
                             no_wrap=True, overflow="ellipsis"))
        else:
            self.update("")
