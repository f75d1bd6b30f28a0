"""`peers` and `peers open GROUP`: the full-screen app, the only command that loads Textual."""

from __future__ import annotations

import argparse
import sys

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account
from peers_tui.core.errors import PeersError


def add_parsers(commands: Commands) -> None:
    open_ = commands.add("open", start, help="start the TUI on a group")
    open_.add_argument("group")


def start(args: argparse.Namespace) -> int:
    """Run the app (on GROUP for `peers open`) until the user quits."""
    me = open_account(args)
    group = getattr(args, "group", None)  # `peers` alone has no GROUP argument
    entry = me.resolve(group) if group else None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise PeersError("the peers TUI needs a terminal; use the subcommands in scripts "
                         "(peers --help)")
    from peers_tui.config import config_path
    from peers_tui.factory import build_app  # Textual: loaded by this command alone

    try:
        build_app(me, entry, config_file=config_path(args.home)).run()
    finally:
        me.close()  # the stores the app opened
    return 0
