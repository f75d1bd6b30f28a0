"""`peers` and `peers open GROUP` are parsed by the app's own commands alone (issue 16: the
other command modules and their parsers cost ~10 ms of a start measured against a bare
Textual app), to exactly what the whole parser makes of them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from peers_tui.cli.arguments import UsageError, parse_command_line
from peers_tui.cli.parser import OPTIONS_WITH_VALUES, build_parser, parse


@pytest.mark.parametrize("argv", [[], ["open", "team"], ["open", "two words"], ["open", "open"],
                                  ["open", "send"], ["open", ""]])
def test_the_app_s_command_lines_parse_as_the_whole_parser_parses_them(argv: list[str]):
    parser, commands = build_parser()
    assert vars(parse(argv)) == vars(parse_command_line(parser, commands, argv,
                                                        OPTIONS_WITH_VALUES))


@pytest.mark.parametrize("argv", [["open"], ["open", "a", "b"], ["open", "--help-me"]])
def test_other_shapes_still_meet_the_whole_parser(argv: list[str]):
    with pytest.raises(UsageError):
        parse(argv)


def printed_by_python(code: str) -> str:
    """What `code` prints in a fresh interpreter (its imports are its own)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_starting_the_app_imports_no_other_command_module():
    others = [f"peers_tui.cli.{name}" for name in ("identity", "groups", "invites", "messages",
                                                   "reactions", "members", "people", "checks",
                                                   "relay")]
    code = ("import sys\n"
            "from peers_tui.cli.parser import parse\n"
            "parse(['open', 'team']); parse([])\n"
            f"print(sorted(set({others!r}) & set(sys.modules)))\n")
    assert printed_by_python(code) == "[]"


@pytest.mark.parametrize("argv", [[], ["open", "team"]])
def test_the_app_s_command_lines_build_no_parser(argv: list[str], monkeypatch):
    """Building even the app's own parser (argparse's actions, help formatting, the
    subparsers) is ~3.5 ms of a start measured against a bare Textual app (issue 16)."""
    from peers_tui.cli.arguments import Parser

    built: list[object] = []
    plain_init = Parser.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        plain_init(self, *args, **kwargs)

    monkeypatch.setattr(Parser, "__init__", counted)
    # the parsers built afresh, not those the suite keeps per thread (conftest)
    monkeypatch.setattr("peers_tui.cli.parser.build_parser", build_parser)
    args = parse(argv)
    assert args.handler.__name__ == "start"
    assert built == []


def test_the_app_s_command_lines_run_without_argparse(tmp_path):
    """argparse (with gettext) and the parser's helpers are ~3.5 ms of a start measured
    against a bare Textual app (issue 16): `peers` and `peers open GROUP` reach the app
    without them (the app itself is replaced here by what records the modules loaded)."""
    code = ("import sys, types\n"
            "import peers_tui.cli.tui as tui\n"
            "tty = types.SimpleNamespace(isatty=lambda: True)\n"
            "tui.sys = types.SimpleNamespace(stdout=tty, stdin=tty)\n"
            "loaded = []\n"
            "tui.run_app = lambda args, me, entry: loaded.append(set(sys.modules)) or 0\n"
            "from peers_tui.cli import main\n"
            "for argv in (['open', 'team'], []):\n"
            "    assert main(argv) == 0\n"
            "print(len(loaded), sorted({'argparse', 'gettext', 'peers_tui.cli.arguments',\n"
            "                           'peers_tui.cli.parser'} & loaded[-1]))\n")
    env = {**os.environ, "PEERS_HOME": str(tmp_path / "home"), "PEERS_HUB": str(tmp_path / "hub")}
    made = subprocess.run([sys.executable, "-m", "peers_tui", "create", "team"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 []"
