"""Hostile handles and group names, written as an attacker with a modified client would:
signed with the user's own key and stored straight into the files, past every input check
(through peers_tui.testing.forge)."""

from __future__ import annotations

import os

from peers_tui.core.account import Account
from peers_tui.core.database import create_file
from peers_tui.core.encoding import b32
from peers_tui.core.group_store import GROUP_FILE_MODE, GroupStore, group_id_of
from peers_tui.core.models import GroupInfo
from peers_tui.core.records import sign
from peers_tui.testing.forge import Forger
from tests.conftest import User

FAKE_LINE = "2020-01-01 00:00 <alice> pay"
# Markup, a title-setting escape, a bidi override, a zero-width space and a newline followed
# by a fake log line: every way a name could act instead of show, in a valid (<= 64) handle.
HOSTILE = f"x[/][@click=quit]\x1b]2;owned\x07\u202e\u200b[b]\n{FAKE_LINE}"


def found_group(user: User, name: str, handle: str | None = None) -> str:
    """A group whose genesis record carries `name` unchecked, listed in `user`'s Groups.

    (peers_tui.testing.forge.found_group fails on today's personal.db: its raw INSERT into
    `groups` gives no `notify`, a NOT NULL column.)"""
    account = Account(user.home, user.hub)
    genesis = sign(account.keypair, "genesis", None, {"name": name, "handle": handle or user.name,
                                                      "nonce": b32(os.urandom(10))})
    group_id = group_id_of(genesis)
    user.hub.mkdir(parents=True, exist_ok=True)
    path = user.hub / f"{group_id}.db"
    create_file(path, GROUP_FILE_MODE)
    store = GroupStore(path, group_id)
    with store.session(create=True):
        GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
    store.close()
    account.personal.add_group(group_id, name, path)
    return group_id


def set_handle(user: User, group_id: str, handle: str) -> None:
    """`user` signs a change of their own handle to `handle` and appends it to the file."""
    Forger(user.home).set_handle(user.hub / f"{group_id}.db", group_id, handle)
