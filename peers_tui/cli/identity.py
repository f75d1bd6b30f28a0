"""`peers id`: who you are here, and the handle others see."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands
from peers_tui.cli.handle_waits import waiting_lines
from peers_tui.cli.inputs import open_account
from peers_tui.cli.output import EXIT_OK, out, out_json, say
from peers_tui.core.names import shown_name
from peers_tui.core.text import inert


def add_parsers(commands: Commands) -> None:
    id_ = commands.add("id", show_id, help="print your user id and handle")
    id_.add_argument("--handle", help="set your handle")
    id_.add_argument("--json", action="store_true")


def show_id(args: argparse.Namespace) -> int:
    from peers_tui.core.identity import fingerprint

    me = open_account(args)
    if args.handle is not None:
        me.set_handle(args.handle)
        _, failed = me.spread_handle()
        for line in failed:
            say(f"peers: warning: handle not yet changed in {inert(line, allow_newlines=False)}")
    from peers_tui.relay.held_peek import handle_changes  # plain os and json

    entries = me.entries()
    kept = handle_changes([(entry.db_path.parent, entry.id, entry.personal)
                           for entry in entries], me.user_id)
    if args.json:
        out_json({"id": me.user_id, "handle": me.handle, "fingerprint": fingerprint(me.user_id)}
                 | ({"handle_changes": kept} if kept else {}))
    else:
        out(f"{me.user_id} {shown_name(me.handle)}")
    names = {entry.id: inert(shown_name(entry.name), allow_newlines=False) for entry in entries}
    for line in waiting_lines(kept, names) if args.handle is None else ():
        say(f"peers: {line}")  # (a change made by this command said so in its warnings)
    return EXIT_OK
