"""`peers help [COMMAND]`: what `peers --help` or `peers COMMAND --help` prints, as git and
docker take it (a new user's `peers help` was "invalid choice: 'help'")."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands
from peers_tui.cli.output import EXIT_OK
from peers_tui.core.errors import PeersError


def add_parsers(commands: Commands) -> None:
    show = commands.add("help", show_help, help="this help, or a command's: peers help relay init")
    show.add_argument("topic", nargs="*", metavar="COMMAND")


def show_help(args: argparse.Namespace) -> int:
    from peers_tui.cli.parser import build_parser  # every command's parser: only for help

    parser, commands = build_parser()
    name = " ".join(args.topic)
    found = commands.parsers.get(name) if name else parser
    if found is None:
        raise PeersError(f"no command {name!r}: 'peers help' lists them")
    found.print_help()
    return EXIT_OK
