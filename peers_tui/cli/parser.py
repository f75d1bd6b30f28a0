"""The `peers` command line: the global options, then one COMMAND from the command modules.

Each command module (tui, identity, groups, ...) adds its own commands in `add_parsers`; they
are listed here in the order `peers --help` shows them. A command line builds only the parsers
of its command's module (`modules_for`), and imports only that module: importing and building
them all took ~110 ms of a `peers log` (~27 ms now; docs/performance.md). Each
command module imports at its top only what is cheap and leaves the stores (and Textual) to the
handler that runs.
"""

from __future__ import annotations

import argparse
from importlib import import_module

from peers_tui import __version__
from peers_tui.cli import tui
from peers_tui.cli.app_line import app_line
from peers_tui.cli.arguments import (CommandModule, Commands, Parser, explain_shared,
                                    parse_command_line)

# The command modules under peers_tui.cli, each with the words of the commands it adds (checked
# against what it adds: tests/cli/test_cli_parse_own_module.py).
COMMANDS: dict[str, tuple[str, ...]] = {
    "tui": ("open",), "identity": ("id",), "groups": ("create", "groups", "archive"),
    "invites": ("invite", "join"),
    "messages": ("send", "log", "edit", "delete", "topic", "search", "import", "export"),
    "reactions": ("react", "reactions"), "members": ("members", "role", "remove", "leave"),
    "people": ("people", "invitations", "dm"), "checks": ("verify", "doctor"),
    "relay": ("relay",), "help": ("help",)}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS)
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
    explain_shared(commands)
    return parser, commands


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The command modules whose parsers parse `argv` as the whole parser does: the module of
    its command, when the command's word comes after nothing but --home and --hub (with their
    values); otherwise every one. argparse reads the options before the command alike with any
    set of commands, and hands everything after a known command's word to that command's own
    parser; only what is read before a command (`--help`, `--version`, an abbreviated or
    unknown option) or an unknown command prints or names the list of commands."""
    value_next = False
    for token in argv:
        if value_next:
            value_next = False
        elif token in OPTIONS_WITH_VALUES:
            value_next = True
        elif not token.startswith(tuple(f"{option}=" for option in OPTIONS_WITH_VALUES)):
            return next(((module,) for module, words in COMMANDS.items() if token in words),
                        COMMAND_MODULES)  # its command's, or (an option, an unknown word) all
    return COMMAND_MODULES


def parse(argv: list[str]) -> argparse.Namespace:
    """`argv` (without the program's name) as arguments; `.handler` runs the command.

    The app's two command lines are read without building a parser: the other command
    modules and their parsers cost ~10 ms, and the app's own parser ~3.5 ms more, against a
    start measured beside a bare Textual app (issue 16). What they are read as is what the
    whole parser makes of them (tests/cli/test_app_start_parse.py); so is every other line,
    parsed by its own command's module alone (tests/cli/test_cli_parse_own_module.py)."""
    line = app_line(argv)  # (cli.app_line)
    if line is not None:
        return line
    parser, commands = build_parser(modules_for(argv))
    return parse_command_line(parser, commands, argv, OPTIONS_WITH_VALUES)
