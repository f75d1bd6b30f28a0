"""What commands read besides their own arguments: the user's account (from --home and --hub)
and text from standard input."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from peers_tui.cli.output import say
from peers_tui.core.errors import PeersError

if TYPE_CHECKING:
    import argparse
    from peers_tui.core.account import Account

ACCOUNT_ATTRIBUTE = "_account"  # where a command line keeps its Account


def open_account(args: argparse.Namespace) -> Account:
    """The account in --home (or $PEERS_HOME, or the platform's place) with its hub: made once
    per command line, and shared with what runs after the command (publishing the profile)."""
    # Imported here, not above: `peers --help` and usage errors never need the stores.
    from peers_tui.core.account import Account
    from peers_tui.paths import home_dir, hub_dir

    made = getattr(args, ACCOUNT_ATTRIBUTE, None)
    if isinstance(made, Account):
        return made
    home = home_dir(args.home)
    made = Account(home, hub_dir(home, args.hub))
    setattr(args, ACCOUNT_ATTRIBUTE, made)
    return made


def read_input(value: str, what: str) -> str:
    """`value`, or standard input when it is '-' (one trailing newline dropped)."""
    if value != "-":
        return value
    if sys.stdin is None or sys.stdin.closed:
        raise PeersError(f"no {what} given and no standard input to read it from")
    if sys.stdin.isatty():
        # Otherwise the command seems to hang: say what it waits for, and how to end it.
        say(f"peers: reading the {what} from the terminal; end it with Ctrl+D on a line of "
            f"its own (or give the {what} as an argument)")
    try:
        data = sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise PeersError(f"standard input is not valid UTF-8 ({exc.reason})") from exc
    return data[:-1] if data.endswith("\n") else data
