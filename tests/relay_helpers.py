"""Hosts on loopback for the relay tests: each its own hub, users and `peers relay` process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peers_tui.testing.ports import leased_port
from tests.conftest import SEEDS, User, plant_identity

REPO = Path(__file__).resolve().parent.parent


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Look until `predicate` holds. Between looks, as long again as the last look took, or
    three times the CPU it took in this thread if that is longer (20 ms at least, 0.2 s at
    most): most looks run a command in this process (`peers log --json` ~30-90 ms of CPU),
    and looking again as soon as the last look's time had passed kept half a core busy
    while the relays the test waits for worked (docs/performance.md, "Test suite time",
    sixth and ninth passes). A look is seen at most 0.2 s late, as before."""
    deadline = time.monotonic() + timeout
    while True:
        began, cpu = time.monotonic(), time.thread_time()
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(min(0.2, max(0.02, now - began, 3 * (time.thread_time() - cpu))))


def join_arrived(user: User, code: str, timeout: float = 30.0) -> Any:
    """`peers join CODE` by `user` on another host than the code's maker, once the code has
    arrived there: until then the product answers "not arrived yet (try again in a few
    seconds)", and a test that joined at once failed when the invite came a moment late
    (load, a relay busy). Any other refusal fails at once. Returns the join's result."""
    def joined() -> Any:
        result = user.run("join", code)
        assert result.code == 0 or "not arrived yet" in result.err, \
            f"peers join {code} failed: {result.err}"
        return result if result.code == 0 else None
    return wait_for(joined, timeout=timeout, what=f"{user.name}'s join with a code made elsewhere")


@dataclass
class Host:
    """One machine: a hub directory, its users, and its relay when running."""

    name: str
    root: Path
    process: subprocess.Popen[str] | None = None
    users: dict[str, User] = field(default_factory=dict)
    # A condition on the status found false, by name: the status file as it was then, and when.
    false_at: dict[str, tuple[tuple[int, int, int] | None, float]] = field(default_factory=dict)

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    def user(self, name: str) -> User:
        if name not in self.users:
            user = User(name, self.root / name, self.hub)
            if name in SEEDS:
                plant_identity(user.home, SEEDS[name])
            user.ok("id", "--handle", name)
            self.users[name] = user
        return self.users[name]

    def peers(self, *args: str) -> User:
        """A user only for running `peers relay ...` on this host."""
        return User("admin", self.root / "admin", self.hub)

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(REPO), "PEERS_HUB": str(self.hub),
                "PEERS_HOME": str(self.root / "admin")}

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "peers_tui", "relay"], env=self.env(), text=True,
            stdout=subprocess.PIPE, stderr=open(self.root / "relay.err", "a"))
        wait_for(lambda: self.process.poll() is not None or self.unless_unchanged(
            "running", lambda: bool(self.status().get("running"))), what=f"the relay of {self.name}")
        assert self.process.poll() is None, self.stderr()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None

    def stderr(self) -> str:
        try:
            return (self.root / "relay.err").read_text()
        except OSError:
            return ""

    def status(self) -> dict[str, Any]:
        result = self.peers().run("relay", "status", "--json")
        # exit 3 with the JSON still printed: the relay is not running (relay.commands)
        return json.loads(result.out) if result.code in (0, 3) and result.out.strip() else {}

    def nats_pid(self) -> int:
        return int((self.hub / ".relay" / "nats.pid").read_text())

    def status_file(self) -> tuple[int, int, int] | None:
        """The relay's status file as it is now (inode, mtime, size), None where there is none."""
        try:
            stat = (self.hub / ".relay" / "status.json").stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def unless_unchanged(self, name: str, condition: Callable[[], bool]) -> bool:
        """`condition()`, a condition on `relay status` that only the status file can make
        true (running, the link up); or False without asking when it was false at the last
        look and the file has not changed since (it is replaced at every write), that look
        less than a second ago. A relay's start or link waited on looked ~40 times a second
        at ~3 ms of CPU each (`relay status` in this process, most of it building its
        parser), though the file changes at most a few times a second (docs/performance.md,
        "Test suite time, ninth pass"). What `relay status` adds to the file (the ledger's
        counts, the lock's holder) or takes from it with time (a status gone stale, a dead
        pid: not running, links down) can only make these false."""
        stamp, now = self.status_file(), time.monotonic()
        last = self.false_at.get(name)
        if last is not None and last[0] == stamp and now - last[1] < 1.0:
            return False
        value = condition()
        if value:
            self.false_at.pop(name, None)
        else:
            self.false_at[name] = (stamp, now)
        return value

    def link_up(self) -> bool:
        return self.unless_unchanged(
            "link up", lambda: bool(self.status().get("link", {}).get("up")))

    def link_up_since(self, moment: float) -> bool:
        """Whether this leaf's link is up, and has been since after `moment` (time.time())."""
        def up_since() -> bool:
            link = self.status().get("link", {})
            return bool(link.get("up")) and float(link.get("since") or 0) > moment
        return self.unless_unchanged(f"link up since {moment}", up_since)


@contextmanager
def team_on_hub_and_leaf(tmp_path: Path, hub_member: str
                         ) -> Iterator[tuple[list[Host], str, User, User, User]]:
    """Hub A (alice makes team, `hub_member` joins it there) and leaf B, linked, bob of B
    joined: (hosts, group id, alice, the hub member, bob); every relay stopped at the end."""
    hosts = federation(tmp_path)
    hub, leaf = hosts
    try:
        alice, member, bob = hub.user("alice"), hub.user(hub_member), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        member.ok("join", alice.ok("invite", "team").out.strip())
        code = alice.ok("invite", "team").out.strip()
        start_linked(hosts)
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        yield hosts, group_id, alice, member, bob
    finally:
        stop_all(hosts)


def hub_killed_and_back(hub: Host, leaf: Host) -> None:
    """The hub's relay SIGKILLed (its nats-server dies with it) and started again, then the
    leaf's link up again: up since the kill, not the up of before it, which a leaf not yet
    aware of the kill still showed (docs/relay.md, "A link that drops after the hub's
    restart (h-linkdrop)")."""
    killed = time.time()
    hub.stop(signal.SIGKILL)
    hub.start()
    wait_for(lambda: leaf.link_up_since(killed), what=f"{leaf.name}'s link again")


def federation(tmp_path: Path, names: tuple[str, ...] = ("A", "B")) -> list[Host]:
    """The first host the hub, the others leaves holding its tokens; relays not started.
    Every port is leased (peers_tui.testing.ports): no other test process binds it while
    this test may still start a relay on it."""
    hosts = [Host(name, tmp_path / name) for name in names]
    for host in hosts:
        host.root.mkdir(parents=True)
    hub, leaves = hosts[0], hosts[1:]
    hub.peers().ok("relay", "init", "--hub", "--name", hub.name, "--client-port",
                   str(leased_port()), "--listen", f"127.0.0.1:{leased_port()}")
    for leaf in leaves:
        token = hub.peers().ok("relay", "token", "--name", leaf.name).out.strip()
        leaf.peers().ok("relay", "init", "--leaf", token, "--client-port", str(leased_port()))
    return hosts


def team_on_three_hosts(hub: Host, b: Host, c: Host) -> tuple[User, User, User, str]:
    """alice on the hub founds 'team'; the relays start; bob on B and carol on C join it
    through them. Returns alice, bob, carol and the group id once all three are members."""
    alice, bob, carol = hub.user("alice"), b.user("bob"), c.user("carol")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--uses", "2").out.strip()
    for host in (hub, b, c):
        host.start()
    for user, host in ((bob, b), (carol, c)):
        wait_for(host.link_up, what=f"{host.name}'s link")
        wait_for(lambda user=user: user.run("join", code).code == 0, what=f"{user.name}'s join")
    wait_for(lambda: len(alice.ok("members", "team", "--json").json()) == 3, what="both joins")
    return alice, bob, carol, group_id


@contextmanager
def team_on_two_hosts(tmp_path: Path) -> Iterator[tuple[list[Host], User, User, str]]:
    """Hub A and leaf B with their relays running and B's link up; alice on A has founded
    'team' and made a one-use invite (the code yielded, not used yet) for bob on B. Every
    process is stopped at the end, whatever the test did."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        code = alice.ok("invite", "team").out.strip()
        for host in hosts:
            host.start()
        wait_for(leaf.link_up, what="B's link")
        yield hosts, alice, bob, code
    finally:
        stop_all(hosts)


@contextmanager
def three_hosts(root: Path) -> Iterator[tuple[list[Host], str]]:
    """Hub A with alice; leaves B (bob) and C (carol), both members of alice's 'team', which
    has carried a message to everyone. Every process is stopped at the end."""
    hosts = federation(root, ("A", "B", "C"))
    hub, b, c = hosts
    try:
        alice, bob, carol, group_id = team_on_three_hosts(hub, b, c)
        alice.ok("send", "team", "welcome")
        wait_for(lambda: "welcome" in bodies(bob) and "welcome" in bodies(carol),
                 what="the welcome on B and C")
        yield hosts, group_id
    finally:
        stop_all(hosts)


class Refusals:
    """What each host's relay has refused since this was made, by the host blamed: a test on
    hosts shared with others counts its own."""

    def __init__(self, hosts: list[Host]) -> None:
        self.before = {host.name: host.status()["rejected"] for host in hosts}

    def of(self, host: Host) -> dict[str, int]:
        before, now = self.before[host.name], host.status()["rejected"]
        return {origin: count - before.get(origin, 0) for origin, count in now.items()
                if count != before.get(origin, 0)}


def team_joined_on_two_hosts(hub: Host, leaf: Host, *, spawn: bool = False) -> tuple[User, User]:
    """alice founds 'team' on the hub, both relays start, bob joins it from the leaf (`spawn`:
    in a process of its own, for a test that runs an event loop of its own already)."""
    alice, bob = hub.user("alice"), leaf.user("bob")
    alice.ok("create", "team")
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf link")
    wait_for(lambda: leaf.status().get("received"), what="the group at the hub")
    if spawn:
        assert bob.spawn("join", code).code == 0
    else:
        bob.ok("join", code)
    return alice, bob


def start_linked(hosts: list[Host]) -> None:
    """Start every host's relay (the hub first) and wait for each leaf's link."""
    for host in hosts:
        host.start()
    for leaf in hosts[1:]:
        wait_for(leaf.link_up, what=f"{leaf.name}'s link")


def stop_all(hosts: list[Host]) -> None:
    for host in hosts:
        host.stop()


def bodies(user: User, group: str = "team") -> list[str]:
    return [m["body"] for m in user.ok("log", group, "--json", "--limit", "100000").json()]


@contextmanager
def taken_for_running(host: Host) -> Iterator[None]:
    """While the block runs, the host's relay (SIGSTOPped in it, or before it) is still taken
    for running by this host's commands: its status file's `updated` is renewed every second,
    as the relay writes it when only slow (hub_reach.relay_alive: a status older than 5 s is
    a relay gone). A command far behind (1,500 joins of pages to apply) could take longer
    than the 5 s under a loaded CI. At the end the relay is let go (SIGCONT) and writes its own."""
    path = host.hub / ".relay" / "status.json"
    done = threading.Event()

    def stopped() -> bool:  # renewed only while stopped: a running relay writes its own
        assert host.process is not None
        stat = Path(f"/proc/{host.process.pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] == "T"

    def renew() -> None:
        while not done.wait(1.0):
            try:
                if not stopped():
                    continue
                status = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            status["updated"] = time.time()
            renewed = path.with_name("status.json.renewed")
            renewed.write_text(json.dumps(status))
            os.chmod(renewed, path.stat().st_mode & 0o777)
            os.replace(renewed, path)

    renewer = threading.Thread(target=renew, daemon=True)
    renewer.start()
    try:
        yield
    finally:
        done.set()
        renewer.join()
        assert host.process is not None
        host.process.send_signal(signal.SIGCONT)


def blocked(pid: int, timeout: float = 30.0) -> None:
    """Until process `pid` sleeps and has used no CPU for 0.6 s: waiting on a stopped relay's
    desk or server (a fixed sleep for it was short when a loaded machine started Python slowly)."""
    def used() -> tuple[str, int]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[11]) + int(fields[12])  # state, utime + stime
    deadline, last, still = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline:
        state, ticks = used()
        still = still + 1 if state == "S" and ticks == last else 0
        if still >= 3:
            return
        last = ticks
        time.sleep(0.2)
    raise AssertionError(f"process {pid} never waited in {timeout} s")


def paused_between_writes(host, *files: str | Path) -> None:
    """SIGSTOP the host's relay at a moment it holds no write lock on any of `files` (a group
    id: its file in the host's hub; a Path: that file, `.relay/relay.db` say): stopped inside a
    transaction (likelier on a loaded machine), it would keep every writer of that file
    waiting, and the command under test would fail on the lock ("group team is locked by
    another peers process", "database is locked"), not on what the test asks."""
    paths = [f if isinstance(f, Path) else host.hub / f"{f}.db" for f in files]
    for _ in range(100):
        host.process.send_signal(signal.SIGSTOP)
        try:
            for path in paths:
                db = sqlite3.connect(path, timeout=0.05, isolation_level=None)
                try:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("ROLLBACK")
                finally:
                    db.close()
            return
        except sqlite3.OperationalError:  # locked: let it finish its transaction
            host.process.send_signal(signal.SIGCONT)
            time.sleep(0.05)
    raise AssertionError(f"the relay kept {', '.join(p.name for p in paths)} locked for 5 s")
