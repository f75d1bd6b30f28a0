"""`peers` and `peers open GROUP`: the app's two command lines, read without argparse.

Building even the app's own parser costs ~3.5 ms, and importing argparse (with gettext) and
the parser's helpers ~3.5 ms more, of a start measured against a bare Textual app (issue 16).
These two lines are read here into what the whole parser makes of them (the same attributes,
compared by tests/cli/test_app_start_parse.py); every other line goes to cli.parser."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, cast  # typing: imported by Textual already

if TYPE_CHECKING:
    import argparse


def starts_the_app(argv: list[str]) -> bool:
    """`peers` or `peers open GROUP` alone: parsed as the whole parser parses them by the
    app's own commands alone (`open`; no other command's parser is consulted for these)."""
    return not argv or (len(argv) == 2 and argv[0] == "open" and not argv[1].startswith("-"))


def app_line(argv: list[str]) -> argparse.Namespace | None:
    """What the whole parser makes of `argv` when it starts the app, else None."""
    if not starts_the_app(argv):
        return None
    from peers_tui.cli.tui import start

    line = (SimpleNamespace(home=None, hub=None, command=None, handler=start) if not argv
            else SimpleNamespace(home=None, hub=None, command="open", handler=start,
                                 group=argv[1]))
    # Used as an argparse.Namespace is: by attribute and by vars() (argparse not imported).
    return cast("argparse.Namespace", line)
