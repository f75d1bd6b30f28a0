"""The registry a command module adds its commands to: a command is tied to the function that
runs it, and a command family (`peers relay serve`) parses like a plain command."""

from __future__ import annotations

import argparse

import pytest

from peers_tui.cli.arguments import Commands, Parser, UsageError, parse_command_line
from peers_tui.cli.parser import build_parser, parse
from tests.conftest import User


def post(args: argparse.Namespace) -> int:
    return 0


def status(args: argparse.Namespace) -> int:
    return 0


def relay_cli() -> tuple[Parser, Commands]:
    """A root parser with a --home option and a two-command family, as a module would add it."""
    parser = Parser(prog="peers")
    parser.add_argument("--home")
    commands = Commands(parser)
    relay = commands.add_family("relay", help="talk to a relay")
    post_ = relay.add("post", post, help="post through the relay")
    post_.add_argument("room")
    post_.add_argument("text", nargs="?", default="-")
    post_.add_argument("--urgent", action="store_true")
    relay.add("status", status, help="say whether the relay answers")
    return parser, commands


def test_every_command_of_peers_is_tied_to_its_own_handler():
    root, commands = build_parser()
    handlers = {name: parser.get_default("handler") for name, parser in commands.parsers.items()}
    assert "send" in handlers and "doctor" in handlers
    assert len(set(handlers.values())) == len(handlers)
    assert parse(["send", "team", "--action", "waves"]).handler is handlers["send"]
    assert parse([]).handler is root.get_default("handler") is handlers["open"]  # the TUI


def test_a_family_command_runs_its_handler_with_options_and_text_mixed():
    parser, commands = relay_cli()
    args = parse_command_line(parser, commands,
                              ["--home", "h", "relay", "post", "lobby", "--urgent", "hi"],
                              options_with_values=("--home",))
    assert (args.handler, args.command, args.room, args.text, args.urgent, args.home) == (
        post, "relay post", "lobby", "hi", True, "h")
    assert parse_command_line(parser, commands, ["relay", "status"]).handler is status


def test_a_family_alone_or_with_extra_words_is_a_one_line_usage_error():
    parser, commands = relay_cli()
    with pytest.raises(UsageError, match=r"required: COMMAND \(see 'peers relay --help'\)"):
        parse_command_line(parser, commands, ["relay"])
    with pytest.raises(UsageError,
                       match=r"unrecognized arguments: extra \(see 'peers relay post --help'\)"):
        parse_command_line(parser, commands, ["relay", "post", "lobby", "hi", "extra"])


def test_an_unknown_option_before_the_command_is_a_usage_error(alice: User, team):
    result = alice.fails("--bogus", "send", "team", "--action", "waves")
    assert result.code == 2
    assert result.err.strip() == "peers: unrecognized arguments: --bogus (see 'peers --help')"
    assert alice.ok("log", "team", "--json").json() == []  # nothing was sent
    parser, commands = relay_cli()
    with pytest.raises(UsageError, match=r"unrecognized arguments: --loud \(see 'peers --help'\)"):
        parse_command_line(parser, commands, ["relay", "--loud", "post", "lobby", "--urgent", "x"])


def test_help_as_a_command_prints_what_help_options_print(alice: User, capsys):
    """`peers help` was "invalid choice: 'help'"; git and docker take it."""
    result = alice.run("help")
    printed = result.out + capsys.readouterr().out
    assert result.code == 0 and "usage: peers" in printed and "relay" in printed
    result = alice.run("help", "relay", "init")
    printed = result.out + capsys.readouterr().out
    assert result.code == 0 and "usage: peers relay init" in printed
    assert "no command 'nosuch'" in alice.fails("help", "nosuch").err
