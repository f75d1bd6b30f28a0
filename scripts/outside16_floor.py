"""Floors of the outside check of issue 16, written apart from benchmarks/floor_apps.py.

python outside16_floor.py paint   -> an App whose only widget is a Static painting one line
python outside16_floor.py input   -> an App with one focused Input (a key's echo)
python outside16_floor.py area    -> an App with one focused compact TextArea, one line high

The painted text is assembled at run time so that the command line typed into the shell
never holds it (the poller would see it before the app ran).
"""
import sys

from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TextArea

MARK = "-".join(["FLOOR", "UP", sys.argv[1].upper()])


class Floor(App[None]):
    CSS = "TextArea { height: auto; min-height: 1; max-height: 8; }"

    def compose(self) -> ComposeResult:
        yield Static(MARK)
        if sys.argv[1] == "input":
            yield Input()
        elif sys.argv[1] == "area":
            yield TextArea(soft_wrap=True, show_line_numbers=False, compact=True)


if __name__ == "__main__":
    Floor().run()
