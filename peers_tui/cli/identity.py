"""`peers id`: who you are here, and the handle others see."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands
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
    if args.json:
        out_json({"id": me.user_id, "handle": me.handle, "fingerprint": fingerprint(me.user_id)})
    else:
        out(f"{me.user_id} {shown_name(me.handle)}")
    return EXIT_OK
