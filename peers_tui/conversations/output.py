"""What the conversation commands share: the Account of a command line and how they print.

The same few lines as the CLI's own (peers_tui.cli.out/out_json, subcommands.account), kept
here so these commands import nothing of the CLI that wires them in (no import cycle).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from peers_tui.core.account import Account
from peers_tui.core.text import inert
from peers_tui.paths import home_dir, hub_dir

ACCOUNT_ATTRIBUTE = "_account"  # as peers_tui.subcommands.account keeps it


def account(args: argparse.Namespace) -> Account:
    """The Account of this command line: made once, and shared with what runs after the
    command (publishing the profile) so it is not opened twice."""
    made = getattr(args, ACCOUNT_ATTRIBUTE, None)
    if isinstance(made, Account):
        return made
    home = home_dir(args.home)
    made = Account(home, hub_dir(home, args.hub))
    setattr(args, ACCOUNT_ATTRIBUTE, made)
    return made


def out(line: str) -> None:
    """Untrusted text to stdout, every control character made visible."""
    print(inert(line))


def out_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=True, sort_keys=False))


def warn(line: str) -> None:
    print(f"peers: {inert(line, allow_newlines=False)}", file=sys.stderr)
