"""Publishing our profile after every successful `peers` command (core.profiles)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping

from peers_tui.core.errors import PeersError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    import argparse
    from typing import Any
    from pathlib import Path

    from peers_tui.core.identity import Keypair

HANDLE_SETTING = "handle"
PUBLISH_SETTING = "publish_profile"  # core.profiles.PUBLISH_SETTING (a test checks they agree)
PEOPLE_DIR = ".people"  # core.profiles.PEOPLE_DIR (a test checks they agree)
# The profile file as last checked or written by a lean `peers send` (cli.quick_send).
STAMP_SETTING = "profile_stamp"
# What refreshing the profile may end with: it never fails the command it follows.
IGNORED = (PeersError, OSError, sqlite3.Error, ValueError)


def refresh_profile(args: argparse.Namespace) -> None:
    """Publish or refresh our profile in the hub, unless turned off (`peers people
    --publish off`). Never fails the command it follows: a read-only hub, say, just
    leaves the profile as it was. Costs one read of personal.db (both settings at once)
    and, when the profile is up to date, one small file read."""
    from typing import cast  # (the full path: Peewee has imported typing already)

    from peers_tui.cli.inputs import open_account as account
    from peers_tui.core.models import Setting

    try:
        me = account(args)
        with me.personal.session():
            values = dict(cast("list[tuple[str, str]]", list(
                Setting.select(Setting.key, Setting.value)
                .where(Setting.key.in_([HANDLE_SETTING, PUBLISH_SETTING])).tuples())))
        publish_profile(me.paths.hub, me.keypair, values, lambda: me.handle)
    except IGNORED:
        pass


def profile_stamp(hub: str | os.PathLike[str], user_id: str, handle: str) -> str | None:
    """Our profile file's identity (hub, handle, inode, size, change times), or None when
    there is none: any write to the file, or a file put in its place, changes it."""
    try:
        info = os.lstat(os.path.join(hub, PEOPLE_DIR, f"{user_id}.json"))
    except (OSError, ValueError):
        return None
    return (f"{hub}\n{handle}\n{info.st_ino} {info.st_size} {info.st_mtime_ns} "
            f"{info.st_ctime_ns}")


def publish_profile(hub: Path, keypair: Keypair, values: Mapping[str, Any],
                    handle: Callable[[], str]) -> None:
    """Publish or refresh the profile as the settings `values` (handle, publish) say;
    `handle()` is the account's handle when no handle is stored."""
    from peers_tui.core import profiles

    if values.get(PUBLISH_SETTING) == "off":
        return
    name = handle() if values.get(HANDLE_SETTING) is None else values[HANDLE_SETTING]
    profiles.publish(hub, keypair, profiles.check_handle(name))
