"""`peers react GROUP MSG EMOJI` and `peers reactions GROUP MSG`."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account as account
from peers_tui.cli.output import out, out_json
from peers_tui.core.names import shown_handle



def add_parsers(commands: Commands) -> None:
    react = commands.add("react", cmd_react,
                         help="react to a message with an emoji (again: take it back)")
    react.add_argument("group")
    react.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N: the Nth newest")
    react.add_argument("emoji", help="one emoji, e.g. 👍 🎉 ❤️ 😄 🚀 👀")
    reactions = commands.add("reactions", cmd_reactions, help="who reacted to a message, with what")
    reactions.add_argument("group")
    reactions.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N")
    reactions.add_argument("--json", action="store_true")


def cmd_react(args: argparse.Namespace) -> int:
    from peers_tui.core.message_targets import react
    from peers_tui.core.reactions import reacted, summary

    me = account(args)
    view = react(me, args.group, args.message, args.emoji)
    emoji = args.emoji.strip()
    done = "reacted" if reacted(view.reactions, me.user_id, emoji) else "took back"
    out(f"{done} {emoji} on {view.id}" + (f"  ({summary(view.reactions)})" if view.reactions
                                          else ""))
    return 0


def cmd_reactions(args: argparse.Namespace) -> int:
    from peers_tui.core.message_targets import reactors

    view, found = reactors(account(args), args.group, args.message)
    if args.json:
        out_json({"id": view.id, "reactions": {emoji: [
            {"id": r.user_id, "handle": r.handle, "fingerprint": r.fingerprint} for r in people]
            for emoji, people in found}})
        return 0
    if not found:
        out("(no reactions)")
    for emoji, people in found:
        out(f"{emoji} {len(people)}  " + ", ".join(
            f"{shown_handle(r.handle)} ({r.fingerprint})" for r in people))
    return 0
