"""Publishing our profile after every successful `peers` command (core.profiles)."""

from __future__ import annotations

import argparse
import sqlite3
from typing import cast

from peers_tui.cli.inputs import open_account as account
from peers_tui.core import profiles
from peers_tui.core.errors import PeersError
from peers_tui.core.models import Setting

HANDLE_SETTING = "handle"


def refresh_profile(args: argparse.Namespace) -> None:
    """Publish or refresh our profile in the hub, unless turned off (`peers people
    --publish off`). Never fails the command it follows: a read-only hub, say, just
    leaves the profile as it was. Costs one read of personal.db (both settings at once)
    and, when the profile is up to date, one small file read."""
    try:
        me = account(args)
        with me.personal.session():
            values = dict(cast("list[tuple[str, str]]", list(
                Setting.select(Setting.key, Setting.value)
                .where(Setting.key.in_([HANDLE_SETTING, profiles.PUBLISH_SETTING])).tuples())))
        if values.get(profiles.PUBLISH_SETTING) == "off":
            return
        handle = me.handle if values.get(HANDLE_SETTING) is None else values[HANDLE_SETTING]
        profiles.publish(me.paths.hub, me.keypair, profiles.check_handle(handle))
    except (PeersError, OSError, sqlite3.Error, ValueError):
        pass
