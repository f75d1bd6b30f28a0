"""The soak's three hosts and its users: hub A and leaves B, C, their relays, the groups g1
(founded on A), g2 (B), g3 (C), the honest users and the attackers (writer, reader, removed,
removed admin, outsider per host; a writer for published records per leaf), all set up before
the run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from peers_tui.testing.forge import Forger
from scripts.soak.journal import defect, rng, say
from tests import relay_helpers as rh
from tests.relay_helpers import join_arrived, wait_for

hosts: list[rh.Host] = []  # A (the hub), B, C
users: dict[str, tuple[Any, rh.Host]] = {}  # name -> (user, host): the soak's honest users
attackers: dict[str, tuple[Any, rh.Host]] = {}  # name -> (user, host)
groups: dict[str, str] = {}  # g1, g2, g3 -> group id
founders = {"g1": "a1", "g2": "b1", "g3": "c1"}
ids: dict[str, str] = {}  # user name -> user id
# group id -> a membership state in which the z users were members and the d users admins
removed_at: dict[str, int] = {}
attacker_ids: set[str] = set()


def start(host: rh.Host) -> None:
    assert host.process is None or host.process.poll() is not None
    host.process = subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "relay"], env=host.env(), text=True,
        stdout=subprocess.DEVNULL, stderr=open(host.root / "relay.err", "a"),
        start_new_session=True)
    wait_for(lambda: host.process.poll() is not None or bool(host.status().get("running")),
             timeout=30, what=f"relay {host.name}")
    if host.process.poll() is not None:
        defect(f"relay {host.name} exited at start: {host.stderr()[-500:]}")


def uid(n: str) -> str:
    if n not in ids:
        who = users[n][0] if n in users else attackers[n][0]
        ids[n] = who.ok("id").out.split()[0]
    return ids[n]


def join(u: Any, h: rh.Host, code: str, founder_host: rh.Host) -> None:
    if h is founder_host:
        u.ok("join", code)
    else:
        join_arrived(u, code)


def set_up(root: Path) -> None:
    """The hosts under `root`, their relays started, the groups founded and joined."""
    hosts[:] = rh.federation(root, ("A", "B", "C"))
    A, B, C = hosts
    for h in hosts:
        for i in (1, 2):
            n = f"{h.name.lower()}{i}"
            users[n] = (h.user(n), h)
    for h in hosts:
        for role in ("w", "r", "z", "d", "o") + (("p",) if h is not A else ()):
            n = f"{role}{h.name.lower()}"
            attackers[n] = (h.user(n), h)
    for h in hosts:
        start(h)
    for h in (B, C):
        wait_for(h.link_up, timeout=30, what=f"{h.name} link")
    for g, f in founders.items():
        groups[g] = users[f][0].ok("create", g).out.strip()
    time.sleep(2)
    for g, f in founders.items():
        owner, fh = users[f]
        gid = groups[g]
        code = owner.ok("invite", gid, "--uses", "30").out.strip()
        for n in [n for n in users if n != f and (g != "g3" or rng.random() < 0.7)]:
            join(users[n][0], users[n][1], code, fh)
        for n, (u, h) in attackers.items():
            if not n.startswith("o"):
                join(u, h, code, fh)
        joined = {uid(n) for n in attackers if not n.startswith("o")}
        wait_for(lambda: joined <= {m["id"] for m in owner.ok("members", gid, "--json").json()},
                 timeout=60, what=f"the attackers' joins in {g} on its founder's host")
        for n in attackers:
            if n.startswith("r"):
                owner.ok("role", gid, uid(n), "reader")
            if n.startswith("d"):  # an admin until removed: his old state still says admin
                owner.ok("role", gid, uid(n), "admin")
        removed_at[gid] = Forger.membership_head(fh.hub / f"{gid}.db")[0]
        for n in attackers:
            if n.startswith(("z", "d")):
                owner.ok("remove", gid, uid(n))
    attacker_ids.update(uid(n) for n in attackers)
    say("set up: " + json.dumps(groups))
