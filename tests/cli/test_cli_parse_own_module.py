"""A command line builds the parsers of its own command's module alone (cli.parser.modules_for):
building every module's cost each command ~7 ms (and imported every module). What it is
parsed as, and what `--help`, `--version` and every usage error print, is what the whole
parser makes of it."""

from __future__ import annotations

import pytest

from peers_tui.cli.arguments import UsageError, parse_command_line
from peers_tui.cli.parser import (COMMAND_MODULES, COMMANDS, OPTIONS_WITH_VALUES, build_parser,
                                  parse)
from tests.cli.test_app_start_parse import printed_by_python


def whole_parse(argv: list[str]):
    parser, commands = build_parser()
    return parse_command_line(parser, commands, argv, OPTIONS_WITH_VALUES)


def outcome(parse_line, argv: list[str], capsys) -> tuple[object, str, str]:
    """What parsing `argv` gives or raises, and what it printed."""
    try:
        result: object = ("parsed", vars(parse_line(argv)))
    except UsageError as exc:
        result = ("usage error", str(exc))
    except SystemExit as exc:
        result = ("exit", exc.code)
    printed = capsys.readouterr()
    return result, printed.out, printed.err


LINES = [
    ["send", "team", "hi", "--reply-to", "x"], ["send", "team", "--action", "waves"],
    ["--home", "h", "log", "team", "--json"], ["--home=h", "--hub", "x", "relay", "status"],
    ["--hub=x", "--home", "send", "log", "team"],
    ["--hub", "verify", "members", "team"], ["relay"], ["relay", "init", "--hub"],
    ["relay", "init"], ["relay", "bogus"], ["relay", "--json", "status"], ["open"],
    ["open", "a", "b"], ["verify"], ["invitations", "accept", "x"], ["members", "team", "--all"],
    ["log"], ["log", "team", "extra", "words"], ["send", "team", "--bogus"],
    ["invite", "team", "--uses", "0"], ["react", "team", "-1", "x"],
    # what is read before the command, or an unknown command: the whole list of commands
    ["-h"], ["--help"], ["--he"], ["--version"], ["--ho", "h", "send", "t", "x"], ["bogus"],
    ["--home", "h", "bogus"], [""], ["-5", "log"], ["--home"], ["--home", "-x", "send"],
    ["--bogus", "send", "team"], ["--", "log", "team"], ["log", "-h"], ["relay", "--help"],
    ["relay", "status", "-h"], ["--home", "h", "send", "-h"], ["doctor", "--json", "-h"],
    ["-h", "send"], ["--home", "h", "--version", "log"], ["--hub", "x", "--hub=y", "--bogus"],
]


@pytest.mark.parametrize("argv", LINES, ids=" ".join)
def test_a_line_parses_and_prints_as_with_every_command_module(argv: list[str], capsys):
    assert outcome(parse, argv, capsys) == outcome(whole_parse, argv, capsys)


def test_each_module_adds_the_commands_listed_for_it():
    for module in COMMAND_MODULES:
        _, commands = build_parser((module,))
        assert tuple(name for name in commands.parsers if " " not in name) == COMMANDS[module]


def test_a_command_imports_no_other_command_module():
    code = ("import sys\n"
            "from peers_tui.cli.parser import parse\n"
            "parse(['--home', 'h', 'log', 'team', '--json'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('peers_tui.cli.')\n"
            f"             and m.split('.')[-1] in {COMMAND_MODULES!r}))\n")
    assert printed_by_python(code) == "['peers_tui.cli.messages', 'peers_tui.cli.tui']"
