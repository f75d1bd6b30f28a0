"""EarlierBar: a line above the log when messages older than those on screen arrived late
(from another host after a cut, put in their place by the relay): how many, from where."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from peers_tui.core.link_words import hosts_phrase


class EarlierBar(Static):
    def __init__(self, *, id: str | None = None,
                 on_unmount: Callable[[], None] | None = None,
                 on_click: Callable[[], None] | None = None) -> None:
        super().__init__(id=id)
        self._when_gone = on_unmount  # what watches for the bar's news stops with it
        self._when_clicked = on_click  # goes to the oldest of the late messages
        self._line = ""  # what it says ("" hidden)

    def on_unmount(self) -> None:
        if self._when_gone is not None:
            self._when_gone()

    def on_click(self) -> None:
        if self._line and self._when_clicked is not None:
            self._when_clicked()

    def show_note(self, count: int, hosts: list[str]) -> None:
        """`↑ 37 earlier messages arrived from hostB`; a count of 0 hides the bar. Host names
        are shown through core.names (they come from a file every user may write)."""
        noun = "message" if count == 1 else "messages"
        line = f" ↑ {count} earlier {noun} arrived{hosts_phrase(hosts)} (PgUp; click: go there)" if count else ""
        if line == self._line:
            return  # the link watcher tells it at every change of the link file: most say nothing new
        self._line = line
        self.set_class(count > 0, "-visible")  # showing or hiding it lays the screen out
        # One line whatever it says (styles/app.tcss): a new text never changes its size.
        self.update(Text(line, no_wrap=True, overflow="ellipsis"), layout=False)
