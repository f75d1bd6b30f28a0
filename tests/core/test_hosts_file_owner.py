"""The files the relay writes for its host's people (`.presence-hosts.json`, who is on
which host; `.presence-people.json`, the profiles it kept) are believed only when they are
plain files of the relay's owner (seventeenth attack pass, h-attack17). Any user of the hub
may write a file of that name: on main a planted hosts file put bob "present on hostX" in
alice's `peers members`, roster and `/who`, made a hub without a relay look federated, and
named the host a voided record came from (`whereabouts.home_of`). Run as root, the planted
file is chowned to another uid (skipped otherwise), as tests/core/test_relay_notes.py does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.host_presence import HOSTS_FILE, read_hosts_file
from peers_tui.core.whereabouts import home_of
from tests.conftest import User

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another uid needs root")


def plant(hub: Path, bob_id: str) -> Path:
    path = hub / HOSTS_FILE
    path.write_text(json.dumps({"v": 1, "here": "A", "written": time.time(), "hosts": [
        {"v": 1, "host": "hostX", "present": [bob_id], "home": [bob_id],
         "seen": time.time()}]}))
    return path


@needs_root
def test_a_hosts_file_of_another_user_is_not_the_relays(alice: User, bob: User, hub: Path):
    alice.ok("create", "team")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    bob_id = Account(bob.home, hub).user_id
    (hub / ".relay").mkdir(mode=0o700)  # the relay's, of this (root) user
    path = plant(hub, bob_id)
    view = read_hosts_file(hub)  # the relay's own file is read
    assert view is not None and view.others[0].host == "hostX"
    os.chown(path, 12345, 12345)  # another user's
    assert read_hosts_file(hub) is None
    assert home_of(hub, bob_id) is None
    [row] = [m for m in alice.ok("members", "team", "--json").json() if m["handle"] == "bob"]
    assert row["hosts"] == [] and not row["present"], row


def test_no_hosts_file_is_believed_where_no_relay_runs(alice: User, hub: Path):
    alice.ok("create", "team")
    alice_id = Account(alice.home, hub).user_id
    plant(hub, alice_id)
    assert read_hosts_file(hub) is None
