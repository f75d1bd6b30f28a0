"""The `peers` command line: the global options, then one COMMAND from the command modules.

Each command module (tui, identity, groups, ...) adds its own commands in `add_parsers`; they
are listed here in the order `peers --help` shows them. Building the parser imports every
command module, so those import at their top only what is cheap and leave the stores (and
Textual) to the handler that runs.
"""

from __future__ import annotations

import argparse
from importlib import import_module

from peers_tui import __version__
from peers_tui.cli import tui
from peers_tui.cli.app_line import app_line
from peers_tui.cli.arguments import CommandModule, Commands, Parser, parse_command_line

# The command modules under peers_tui.cli, imported when a parser with their commands is built.
COMMAND_MODULES: tuple[str, ...] = (
    "tui", "identity", "groups", "invites", "messages", "reactions", "members", "people",
    "checks", "relay")
OPTIONS_WITH_VALUES = ("--home", "--hub")


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> tuple[Parser, Commands]:
    parser = Parser(prog="peers", description="A keyboard-driven group chat for the terminal.")
    parser.add_argument("--version", action="version", version=f"peers {__version__}")
    parser.add_argument("--home", help="your data directory (default: $PEERS_HOME or the platform's)")
    parser.add_argument("--hub", help="the directory of group databases (default: $PEERS_HUB or HOME/groups)")
    parser.set_defaults(handler=tui.start)  # `peers` alone starts the TUI
    commands = Commands(parser)
    for name in modules:
        module: CommandModule = import_module(f"peers_tui.cli.{name}")
        module.add_parsers(commands)
    return parser, commands


def parse(argv: list[str]) -> argparse.Namespace:
    """`argv` (without the program's name) as arguments; `.handler` runs the command.

    The app's two command lines are read without building a parser: the other command
    modules and their parsers cost ~10 ms, and the app's own parser ~3.5 ms more, against a
    start measured beside a bare Textual app (issue 16). What they are read as is what the
    whole parser makes of them (tests/cli/test_app_start_parse.py)."""
    line = app_line(argv)  # (cli.app_line)
    if line is not None:
        return line
    parser, commands = build_parser()
    return parse_command_line(parser, commands, argv, OPTIONS_WITH_VALUES)
