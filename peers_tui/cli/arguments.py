"""The argparse pieces every command module uses: the parser class, the registry of commands,
the parse that lets options and text mix, and the checked value types.

A usage mistake is one line on stderr and exit 2, like every other error: `Parser.error`
raises `UsageError` instead of printing argparse's usage block and exiting itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from typing import NoReturn, Protocol

from peers_tui.core.errors import PeersError

Handler = Callable[[argparse.Namespace], int]
"""What a command does: the parsed arguments in, the exit code out."""


class UsageError(PeersError):
    """A command line that cannot be carried out as written."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Commands:
    """The commands under a parser. Each command module adds its own: `add` ties a command to
    the function that runs it (`args.handler`), `add_family` makes a command of commands
    (`peers relay serve`). `parsers` holds every runnable command's parser by its full name
    (`send`, `relay serve`), which is also `args.command` once parsed."""

    def __init__(self, parser: Parser, *, words: tuple[str, ...] = (),
                 parsers: dict[str, Parser] | None = None, required: bool | None = None) -> None:
        # A family's own name alone runs nothing, unless it was given a handler of its own.
        self._choices = parser.add_subparsers(
            dest="command", parser_class=Parser, metavar="COMMAND",
            required=bool(words) if required is None else required)
        self.words = words
        self.parsers: dict[str, Parser] = {} if parsers is None else parsers

    def add(self, name: str, handler: Handler, help: str) -> Parser:
        """A new command NAME, run by `handler`; add its arguments to the parser returned."""
        # The help line is also the --help's description: `peers create --help` printed only
        # the usage and bare argument names, never what the command does (h-newuser).
        parser = self._choices.add_parser(name, help=help, description=help)
        full_name = " ".join((*self.words, name))
        parser.set_defaults(handler=handler, command=full_name)
        self.parsers[full_name] = parser
        return parser

    def add_family(self, name: str, help: str, handler: Handler | None = None,
                   description: str | None = None) -> Commands:
        """A new command NAME whose own commands are added to the result (`NAME ACTION ...`).
        Its options belong to its commands: `peers relay status --json`, not `relay --json`.
        With a `handler`, NAME alone runs it (`peers relay` runs the relay): `description`
        says so in its --help."""
        parser = self._choices.add_parser(name, help=help, description=description)
        full_name = " ".join((*self.words, name))
        family = Commands(parser, words=(*self.words, name), parsers=self.parsers,
                          required=handler is None)
        if handler is not None:  # after its commands' choice exists, so it is that default too
            parser.set_defaults(handler=handler, command=full_name)
            self.parsers[full_name] = parser
        return family


# What the arguments many commands share mean, for the --help of those that leave it unsaid.
SHARED_HELP = {
    "group": "the group: its exact name in your list, its id or an id prefix (4+ characters)",
    "json": "one JSON object a line",
    "member": ("the member: their exact handle, handle~fingerprint as shown beside a look-alike, "
               "or their fingerprint (an id prefix of 8+ characters) or id"),
}


def explain_shared(commands: Commands) -> None:
    """Give each command's GROUP, MEMBER and --json the help they share, where none is given."""
    for parser in commands.parsers.values():
        for action in parser._actions:
            if action.help is None and action.dest in SHARED_HELP:
                action.help = SHARED_HELP[action.dest]


class CommandModule(Protocol):
    """A module of commands (peers_tui.cli.messages, ...): it adds them, with their handlers."""

    def add_parsers(self, commands: Commands) -> None: ...


def parse_command_line(parser: Parser, commands: Commands, argv: list[str],
                       options_with_values: Collection[str] = ()) -> argparse.Namespace:
    """Parse `argv`, letting options and text mix freely after the command.

    Plain argparse binds an optional positional (TEXT in `send GROUP [TEXT]`) before it sees a
    later option, so `peers send team --reply-to X hello` would fail; the command's own parser
    is therefore run again in intermixed mode on what follows the command's name.
    `options_with_values` are the options before the command that take a value (`--home H`).
    """
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    if args.command not in commands.parsers:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    words_left = len(args.command.split())
    position, skip = 0, False
    for position, token in enumerate(argv):
        if skip:
            skip = False
        elif token in options_with_values:
            skip = True
        elif not token.startswith("-"):
            words_left -= 1
            if not words_left:
                break
    before_command = argv[:position]  # only the command's own arguments are parsed again
    stray = [token for token in extra if token in before_command]
    if stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    own_args = commands.parsers[args.command].parse_intermixed_args(argv[position + 1:])
    vars(args).update(vars(own_args))
    return args


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
