"""Conversations in the CLI: reactions, people, invitations by name and direct messages.

`add_parsers(subparsers)` adds the commands to `peers`; `handler(args)` says which function
runs a parsed command line of theirs (None for the CLI's own commands). Handlers are loaded
only when their command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    react = sub.add_parser("react", help="react to a message with an emoji (again: take it back)")
    react.add_argument("group")
    react.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N: the Nth newest")
    react.add_argument("emoji", help="one emoji, e.g. 👍 🎉 ❤️ 😄 🚀 👀")

    reactions = sub.add_parser("reactions", help="who reacted to a message, with what")
    reactions.add_argument("group")
    reactions.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N")
    reactions.add_argument("--json", action="store_true")

    people = sub.add_parser("people", help="the people who published a profile in this hub")
    people.add_argument("--json", action="store_true")
    people.add_argument("--publish", choices=("on", "off"),
                        help="publish your profile (the default) or take it down")

    invitations = sub.add_parser("invitations", help="invitations sent to you by name")
    invitations.add_argument("action", nargs="?", choices=("list", "accept", "decline"),
                             default="list")
    invitations.add_argument("id", nargs="?", help="the invitation's id (or its start)")
    invitations.add_argument("--json", action="store_true")

    dm = sub.add_parser("dm", help="the direct conversation with someone (the TUI without TEXT)")
    dm.add_argument("person", help="their handle, fingerprint or id")
    dm.add_argument("text", nargs="?", help="a message to send (- to read standard input)")

    invite = sub.choices.get("invite")
    if invite is not None:
        invite.add_argument("--to", metavar="PERSON",
                            help="deliver the invite to someone by name (sealed to their key)")
    log = sub.choices.get("log")
    if log is not None:
        log.add_argument("--no-events", action="store_true",
                         help="messages only: leave out joins, leaves and other membership events")


def handler(args: argparse.Namespace) -> Handler | None:
    """The function that runs this command line, if it is one of these commands."""
    command = args.command
    if command in ("react", "reactions"):
        from peers_tui.conversations import reacting

        return reacting.cmd_react if command == "react" else reacting.cmd_reactions
    if command in ("people", "invitations", "dm") or (command == "invite" and getattr(args, "to", None)):
        from peers_tui.conversations import people_cli

        return {"people": people_cli.cmd_people, "invitations": people_cli.cmd_invitations,
                "dm": people_cli.cmd_dm, "invite": people_cli.cmd_invite_to}[command]
    return None


def after_command(args: argparse.Namespace) -> None:
    """What every successful `peers` command does last: publish or refresh our profile."""
    from peers_tui.conversations.publishing import refresh_profile

    refresh_profile(args)
