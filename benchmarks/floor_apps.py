"""The floors of the terminal figures: the least a Textual app can do, run as a script.

`python benchmarks/floor_apps.py paint TEXT` paints one line (TEXT) and waits: from process
start to TEXT on screen is the floor of `peers open` and of a cold start (the interpreter
starting, importing Textual and asyncio, the first layout and paint), with nothing of peers.

`python benchmarks/floor_apps.py echo` shows one focused text area configured and sized as
peers' composer is (a `TextArea`, soft wrap, no line numbers, compact, one line high and
growing to eight, the terminal's width; a full-screen one would repaint 39 lines a key
where the composer repaints one): a key typed into its
terminal until that key is on screen is the floor of the composer's echo and of any key's
path through tmux, Textual's input thread, its message queue, a repaint and the terminal.

It is run as a file, not as a module of the `benchmarks` package, so that it imports nothing
but Textual. A hang-up ends it at once, so that the benchmark's pane can be reused without
waiting on Textual's exit (the hang-up is not timed).
"""

from __future__ import annotations

import os
import signal
import sys

from textual.app import App, ComposeResult
from textual.widgets import Static, TextArea


READY = "bench-floor-echo"


class PaintOneLine(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.text)


class EchoKeys(App[None]):
    CSS = "TextArea { height: auto; min-height: 1; max-height: 8; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield Static(READY)  # how the benchmark knows the app is up before it types
        yield TextArea(soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                       compact=True)


def main() -> None:
    signal.signal(signal.SIGHUP, lambda *_: os._exit(0))
    kind = sys.argv[1]
    app = PaintOneLine(sys.argv[2]) if kind == "paint" else EchoKeys()
    app.run()


if __name__ == "__main__":
    main()
