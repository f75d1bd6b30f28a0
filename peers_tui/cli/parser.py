"""The `peers` command line: the global options, then one COMMAND from the command modules.

Each command module (tui, identity, groups, ...) adds its own commands in `add_parsers`; they
are listed here in the order `peers --help` shows them. Building the parser imports every
command module, so those import at their top only what is cheap and leave the stores (and
Textual) to the handler that runs.
"""

from __future__ import annotations

import argparse

from peers_tui import __version__
from peers_tui.cli import checks, groups, identity, invites, members, messages, tui
from peers_tui.cli.arguments import Commands, Parser

COMMAND_MODULES = (tui, identity, groups, invites, messages, members, checks)
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
    """Parse the command line, letting options and text mix freely after the command.

    Plain argparse binds an optional positional (TEXT in `send GROUP [TEXT]`) before it sees a
    later option, so `peers send team --reply-to X hello` would fail; the command's own
    parser is therefore run again in intermixed mode.
    """
    parser, commands = build_parser()
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    if args.command not in commands.parsers:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    position, skip = 0, False
    for position, token in enumerate(argv):
        if skip:
            skip = False
        elif token in OPTIONS_WITH_VALUES:
            skip = True
        elif not token.startswith("-"):
            break
    sub_args = commands.parsers[args.command].parse_intermixed_args(argv[position + 1:])
    vars(args).update(vars(sub_args))
    return args
