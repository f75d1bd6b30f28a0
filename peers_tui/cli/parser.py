"""The `peers` command line: the global options, then one COMMAND from the command modules.

Each command module (tui, identity, groups, ...) adds its own commands in `add_parsers`; they
are listed here in the order `peers --help` shows them. Building the parser imports every
command module, so those import at their top only what is cheap and leave the stores (and
Textual) to the handler that runs.
"""

from __future__ import annotations

import argparse

from peers_tui import __version__
from peers_tui.cli import (
    checks, groups, identity, invites, members, messages, people, reactions, tui,
)
from peers_tui.cli.arguments import CommandModule, Commands, Parser, parse_command_line

COMMAND_MODULES: tuple[CommandModule, ...] = (
    tui, identity, groups, invites, messages, reactions, members, people, checks)
OPTIONS_WITH_VALUES = ("--home", "--hub")


def build_parser() -> tuple[Parser, Commands]:
    parser = Parser(prog="peers", description="A keyboard-driven group chat for the terminal.")
    parser.add_argument("--version", action="version", version=f"peers {__version__}")
    parser.add_argument("--home", help="your data directory (default: $PEERS_HOME or the platform's)")
    parser.add_argument("--hub", help="the directory of group databases (default: $PEERS_HUB or HOME/groups)")
    parser.set_defaults(handler=tui.start)  # `peers` alone starts the TUI
    commands = Commands(parser)
    for module in COMMAND_MODULES:
        module.add_parsers(commands)
    return parser, commands


def parse(argv: list[str]) -> argparse.Namespace:
    """`argv` (without the program's name) as arguments; `.handler` runs the command."""
    parser, commands = build_parser()
    return parse_command_line(parser, commands, argv, OPTIONS_WITH_VALUES)
