"""The `peers` command: no arguments starts the TUI, subcommands are for shells and bots.

This module must not import Textual (a `peers send` from a script has to stay fast); the TUI
is imported only when it is started.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import sys
from typing import Any

from peers_tui import __version__
from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class UsageError(PeersError):
    """A command line that cannot be carried out as written."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'peers {self.prog.split()[-1]} --help')"
                         if " " in self.prog else f"{message} (see 'peers --help')")


def _uses(text: str) -> int | None:
    if text.strip().lower() == "unlimited":
        return None
    return _positive_int(text)


def _expiry(text: str) -> int | None:
    """Seconds in 30m, 12h, 7d, or None for 'never': a malformed one is a usage error (exit 2)."""
    if text.strip().lower() == "never":
        return None
    from peers_tui.core.invites import parse_duration  # loaded only by `peers invite`

    try:
        return parse_duration(text)
    except PeersError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> Parser:
    parser = Parser(prog="peers", description="A keyboard-driven group chat for the terminal.")
    parser.add_argument("--version", action="version", version=f"peers {__version__}")
    parser.add_argument("--home", help="your data directory (default: $PEERS_HOME or the platform's)")
    parser.add_argument("--hub", help="the directory of group databases (default: $PEERS_HUB or HOME/groups)")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")

    open_ = sub.add_parser("open", help="start the TUI on a group")
    open_.add_argument("group")

    id_ = sub.add_parser("id", help="print your user id and handle")
    id_.add_argument("--handle", help="set your handle")
    id_.add_argument("--json", action="store_true")

    create = sub.add_parser("create", help="create a group and print its id")
    create.add_argument("name")

    groups = sub.add_parser("groups", help="list your groups, the personal group first")
    groups.add_argument("--json", action="store_true")
    groups.add_argument("--all", action="store_true", help="include archived groups")

    archive = sub.add_parser("archive", help="hide a group from your list and Alt+N (e.g. one you left)")
    archive.add_argument("group")
    archive.add_argument("--undo", action="store_true", help="show it again")

    invite = sub.add_parser("invite", help="print an invite code (or revoke one)")
    invite.add_argument("group")
    invite.add_argument("--role", default="writer",
                        help="reader, writer, admin or owner (default writer); you grant only "
                             "roles below your own, and only owners grant owner")
    invite.add_argument("--uses", type=_uses, default=1,
                        help="how many people may join with it: a number or 'unlimited' (default 1)")
    invite.add_argument("--expires", type=_expiry, default=7 * 24 * 3600,
                        help="how long it stays valid: 30m, 12h, 7d ... or 'never' (default 7d)")
    invite.add_argument("--revoke", metavar="CODE_OR_ID", help="revoke an invite instead")
    invite.add_argument("--list", action="store_true",
                        help="list the invites that could still admit someone, instead")
    invite.add_argument("--json", action="store_true", help="with --list: one JSON object a line")

    join = sub.add_parser("join", help="join a group with an invite code")
    join.add_argument("code", nargs="?", default="-", help="the code, or - to read it from stdin")

    send = sub.add_parser("send", help="post a message")
    send.add_argument("group")
    send.add_argument("text", nargs="?", default="-", help="the text, or - to read standard input")
    send.add_argument("--action", action="store_true", help="post a /me-style action")
    send.add_argument("--reply-to", metavar="MSG", help="the id (or id prefix) of the message you answer")

    log = sub.add_parser("log", help="print the last messages, oldest first")
    log.add_argument("group")
    log.add_argument("--limit", type=_positive_int, default=50)
    log.add_argument("--json", action="store_true")
    log.add_argument("--ids", action="store_true", help="show each message's id")
    log.add_argument("--follow", "-f", action="store_true",
                     help="keep running and print each new message as it is committed")

    edit = sub.add_parser("edit", help="replace the text of one of your messages")
    edit.add_argument("group")
    edit.add_argument("message", metavar="MSG")
    edit.add_argument("text", nargs="?", default="-", help="the new text, or - for standard input")

    delete = sub.add_parser("delete", help="delete a message (yours, or any if you are an admin)")
    delete.add_argument("group")
    delete.add_argument("message", metavar="MSG")

    topic = sub.add_parser("topic", help="print or (admins) set the group's topic")
    topic.add_argument("group")
    topic.add_argument("text", nargs="?")

    search = sub.add_parser("search", help="full-text search of a group's whole history")
    search.add_argument("group")
    search.add_argument("query", help='words, "a phrase", prefix*')
    search.add_argument("--limit", type=_positive_int, default=50)
    search.add_argument("--offset", type=_count, default=0,
                        help="skip this many of the newest matches (the next page)")
    search.add_argument("--json", action="store_true")

    import_ = sub.add_parser("import", help="import history from a JSON-lines file (admins)")
    import_.add_argument("group")
    import_.add_argument("file", help="JSON lines with id, author, body, created_at; - for stdin")

    export = sub.add_parser("export", help="export a group's whole history")
    export.add_argument("group")
    export.add_argument("--format", choices=("jsonl", "text"), default="jsonl")

    members = sub.add_parser("members", help="list a group's members")
    members.add_argument("group")
    members.add_argument("--all", action="store_true", help="include members who left or were removed")
    members.add_argument("--json", action="store_true")

    role = sub.add_parser("role", help="change a member's role")
    role.add_argument("group")
    role.add_argument("member")
    role.add_argument("role")

    remove = sub.add_parser("remove", help="remove a member")
    remove.add_argument("group")
    remove.add_argument("member")

    leave = sub.add_parser("leave", help="leave a group")
    leave.add_argument("group")

    verify = sub.add_parser("verify", help="check every record and chain")
    verify.add_argument("group", nargs="?")

    sub.add_parser("doctor", help="check file modes, the hub's filesystem and the databases")
    from peers_tui.relay.commands import add_relay_parser

    add_relay_parser(sub)
    return parser


def _at_least(least: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
    return value


def _count(text: str) -> int:
    """0 or more."""
    return _at_least(0, text)


def _positive_int(text: str) -> int:
    return _at_least(1, text)


def out(line: str) -> None:
    """Print untrusted text to stdout with every control character made visible."""
    print(inert(line))


def out_json(data: dict[str, Any]) -> None:
    # ensure_ascii keeps escapes, bidi controls and C1 codes out of the raw byte stream.
    print(json.dumps(data, ensure_ascii=True, sort_keys=False))


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse the command line, letting options and text mix freely after the subcommand.

    Plain argparse binds an optional positional (TEXT in `send GROUP [TEXT]`) before it sees a
    later option, so `peers send team --reply-to X hello` would fail; the subcommand's own
    parser is therefore run again in intermixed mode.
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if args.command not in subparsers.choices:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    position, skip = 0, False
    for position, token in enumerate(argv):
        if skip:
            skip = False
        elif token in ("--home", "--hub"):
            skip = True
        elif not token.startswith("-"):
            break
    sub_args = subparsers.choices[args.command].parse_intermixed_args(argv[position + 1:])
    vars(args).update(vars(sub_args))
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
        return run(args)
    except UsageError as exc:
        print(f"peers: {inert(str(exc), allow_newlines=False)}", file=sys.stderr)
        return EXIT_USAGE
    except PeersError as exc:
        print(f"peers: {inert(str(exc), allow_newlines=False)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_PROBLEMS
    except sqlite3.Error as exc:
        print(f"peers: database error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"peers: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_PROBLEMS


def run(args: argparse.Namespace) -> int:
    from peers_tui import subcommands

    if args.command in (None, "open"):
        return subcommands.start_tui(args)  # the app resumes collecting after its first paint
    gc.enable()  # paused by the launcher for start-up (peers_tui.launch)
    from peers_tui.relay.commands import guard_membership, run_ordered  # one order across hosts

    guard_membership(args)
    handler = getattr(args, "handler", None) or getattr(subcommands, f"cmd_{args.command}")
    return run_ordered(args, handler)
