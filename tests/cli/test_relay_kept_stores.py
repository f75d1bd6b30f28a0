"""More groups than the relay keeps open (relay/kept_stores.py): a leaf of 200 groups held
88-90 MB in its relay, one kept SQLite connection a group file (docs/relay.md, "Eleventh
acceptance pass"). With the cap set to 2 and 6 groups, every group still delivers and
publishes both ways, and neither relay keeps more than 2 group files open (a third for a
moment: a count or an order). Real relays and nats-servers on loopback; the open files
counted in /proc."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.relay_helpers import Host, bodies, start_linked, stop_all, federation, wait_for

pytestmark = pytest.mark.slow  # waits on relays (tests/scheduling.py)

CAP, GROUPS = 2, 6
GROUP_FILE = re.compile(r"^[a-z2-7]{26}\.db$")


def open_group_files(host: Host) -> int:
    """Group files of the host's hub the relay process has open now (its connections)."""
    assert host.process is not None
    fd_dir = Path(f"/proc/{host.process.pid}/fd")
    held = set()
    for fd in os.listdir(fd_dir):
        try:
            target = Path(os.readlink(fd_dir / fd))
        except OSError:  # closed meanwhile
            continue
        if target.parent == host.hub.resolve() and GROUP_FILE.match(target.name):
            held.add(target.name)
    return len(held)


def test_more_groups_than_kept_open_all_deliver(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_RELAY_OPEN_GROUPS", str(CAP))  # the relays inherit it
    hub, leaf = hosts = federation(tmp_path)
    alice, bob = hub.user("alice"), leaf.user("bob")
    names = [f"g{i}" for i in range(GROUPS)]
    codes = []
    for name in names:
        alice.ok("create", name)
        codes.append(alice.ok("invite", name).out.strip())
    seen: dict[str, int] = {"A": 0, "B": 0}

    def most_open() -> None:
        for host in hosts:
            seen[host.name] = max(seen[host.name], open_group_files(host))

    try:
        start_linked(hosts)
        for code in codes:
            wait_for(lambda code=code: bob.run("join", code).code == 0, what="bob's join")
            most_open()
        for i, name in enumerate(names):
            alice.ok("send", name, f"from alice {i}")
            bob.ok("send", name, f"from bob {i}")
        for i, name in enumerate(names):
            def arrived(i: int = i, name: str = name) -> bool:
                most_open()
                return (f"from bob {i}" in bodies(alice, name)
                        and f"from alice {i}" in bodies(bob, name))
            wait_for(arrived, timeout=30.0, what=f"both messages of {name} on both hosts")
        # Each sent once, nothing of another group's in it.
        for i, name in enumerate(names):
            for user in (alice, bob):
                sent = sorted(b for b in bodies(user, name) if b.startswith("from "))
                assert sent == [f"from alice {i}", f"from bob {i}"], (user.name, sent)
        wait_for(lambda: all(h.status().get("unsent") == 0 for h in hosts), what="nothing unsent")
        most_open()
        # Kept open: at most CAP. Beside them a relay opens one file for a moment at times
        # (a read-only count of a group not kept, the hub ordering a change of one): the hub
        # was seen with 3 once in 5 runs. Without the cap both relays held all 6.
        assert seen["A"] <= CAP + 1 and seen["B"] <= CAP + 1, seen
        # The status file is written every 2 s: on a quiet machine the whole exchange takes
        # less, and a fresh-clone CI read B's first one (nothing opened yet: all zeros).
        for host in hosts:
            def written_since(host: Host = host) -> dict | None:
                stores = host.status().get("stores") or {}
                return stores if stores.get("closed", 0) > 0 else None  # the cap was met

            stores = wait_for(written_since, what=f"{host.name}'s status after the cap was met")
            assert stores["cap"] == CAP and stores["most"] <= CAP, (host.name, stores)
    finally:
        stop_all(hosts)
