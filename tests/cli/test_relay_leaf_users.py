"""Every Unix user of a leaf host, not only the relay's own (docs/relay.md, "Every user of a
leaf (h-leafusers)").

The relay runs as the test's user (root) and owns `<hub>/.relay/` (0700); the others are real
Unix users of the hub's group (tests/system_helpers.py) who cannot read it, and whose copy of
peers has no NATS client at all. They reach the federation's hub through their relay's desk
(`<hub>/.relay-desk.sock`, relay/desk.py).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import system_helpers as system
from tests.relay_helpers import Host, federation, stop_all, wait_for

pytestmark = pytest.mark.slow


@contextmanager
def leaf_with_users(unix_site: Path) -> Iterator[tuple[list[Host], Path]]:
    """Hub A and leaf B (relays run by root), B's hub set up as the README's shared hub
    (the hub group's, 3770) under a directory the test users may traverse."""
    base = Path(tempfile.mkdtemp(dir=unix_site))
    base.chmod(0o711)
    hosts = federation(base)
    try:
        for host in hosts:
            host.root.chmod(0o711)
            shutil.chown(host.hub, group=system.HUB_GROUP)
            host.hub.chmod(0o3770)
        yield hosts, base
    finally:
        stop_all(hosts)
        for host in hosts:
            print(f"--- relay of {host.name}:\n{host.stderr()}")
        shutil.rmtree(base, ignore_errors=True)


def unix_user(base: Path, short: str, host: Host, unix_site: Path) -> system.UnixUser:
    return system.make_unix_user(base, short, host.hub, unix_site / "site")


def members(user, group: str = "team") -> dict[str, str]:
    return {m["handle"]: m["role"] for m in user.ok("members", group, "--json").json()}


def test_a_second_unix_user_of_a_leaf_joins_posts_changes_role_and_handle_and_leaves(unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        code = alice.ok("invite", "team", "--uses", "3").out.strip()
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        bob.ok("join", code)  # the relay's own user: the group file is on B now
        dana = unix_user(base, "alice", leaf, unix_site)  # peers-test-alice, not root
        dana.ok("id", "--handle", "dana")
        joined = dana.run("join", code)
        assert joined.code == 0, joined.err
        wait_for(lambda: "dana" in members(alice), what="dana's join at the hub")
        dana.ok("send", "team", "hello from dana")
        wait_for(lambda: "hello from dana" in [m["body"] for m in
                                             alice.ok("log", "team", "--json").json()],
                 what="dana's post on A")
        alice.ok("role", "team", "dana", "admin")
        wait_for(lambda: members(dana).get("dana") == "admin", what="the role on B")
        changed = dana.run("role", "team", "bob", "reader")
        assert changed.code == 0, changed.err
        wait_for(lambda: members(alice).get("bob") == "reader", what="dana's role change on A")
        renamed = dana.run("id", "--handle", "dee")
        assert renamed.code == 0 and "wait" not in renamed.err, renamed.err
        wait_for(lambda: "dee" in members(alice), what="dana's handle on A")
        left = dana.run("leave", "team")
        assert left.code == 0, left.err
        wait_for(lambda: "dee" not in members(alice), what="dana's leave on A")
        alice.ok("verify", "team")
        bob.ok("verify", "team")
