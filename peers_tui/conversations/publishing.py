"""Publishing our profile after every successful `peers` command (core.profiles)."""

from __future__ import annotations

import argparse
import sqlite3

from peers_tui.conversations.output import account
from peers_tui.core import profiles
from peers_tui.core.errors import PeersError


def refresh_profile(args: argparse.Namespace) -> None:
    """Publish or refresh our profile in the hub, unless turned off (`peers people
    --publish off`). Never fails the command it follows: a read-only hub, say, just
    leaves the profile as it was."""
    try:
        me = account(args)
        if me.personal.setting(profiles.PUBLISH_SETTING) == "off":
            return
        profiles.publish(me.paths.hub, me.keypair, me.handle)
    except (PeersError, OSError, sqlite3.Error, ValueError):
        pass
