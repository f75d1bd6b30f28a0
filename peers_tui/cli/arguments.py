"""The argparse pieces every command module uses: the parser class, the registry of commands
and the checked value types.

A usage mistake is one line on stderr and exit 2, like every other error: `Parser.error`
raises `UsageError` instead of printing argparse's usage block and exiting itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from peers_tui.core.errors import PeersError

Handler = Callable[[argparse.Namespace], int]
"""What a command does: the parsed arguments in, the exit code out."""


class UsageError(PeersError):
    """A command line that cannot be carried out as written."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'peers {self.prog.split()[-1]} --help')"
                         if " " in self.prog else f"{message} (see 'peers --help')")


class Commands:
    """The `peers COMMAND` subparsers. Each command module adds its commands with `add`, which
    ties the command to its handler; `parsers` keeps each command's own parser by name."""

    def __init__(self, parser: Parser) -> None:
        self._choices = parser.add_subparsers(dest="command", parser_class=Parser,
                                              metavar="COMMAND")
        self.parsers: dict[str, Parser] = {}

    def add(self, name: str, handler: Handler, help: str) -> Parser:
        """A new command `peers NAME`, run by `handler`; add its arguments to the result."""
        parser = self._choices.add_parser(name, help=help)
        parser.set_defaults(handler=handler)
        self.parsers[name] = parser
        return parser


def at_least(least: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
    return value


def count(text: str) -> int:
    """0 or more."""
    return at_least(0, text)


def positive_int(text: str) -> int:
    """1 or more."""
    return at_least(1, text)
