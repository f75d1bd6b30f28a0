"""`peers react GROUP MSG EMOJI` and `peers reactions GROUP MSG`."""

from __future__ import annotations

import argparse

from peers_tui.conversations.output import account, out, out_json
from peers_tui.core.message_actions import react, reactors
from peers_tui.core.names import shown_name
from peers_tui.core.reactions import reacted, summary


def cmd_react(args: argparse.Namespace) -> int:
    me = account(args)
    view = react(me, args.group, args.message, args.emoji)
    emoji = args.emoji.strip()
    done = "reacted" if reacted(view.reactions, me.user_id, emoji) else "took back"
    out(f"{done} {emoji} on {view.id}" + (f"  ({summary(view.reactions)})" if view.reactions
                                          else ""))
    return 0


def cmd_reactions(args: argparse.Namespace) -> int:
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
            f"{shown_name(r.handle)} ({r.fingerprint})" for r in people))
    return 0
