"""Hosts on loopback for the relay figures: each its own hub directory, users and `peers relay`.

A is the federation's hub, B and C are leaves; C dials the hub through a TCP proxy that the
convergence figure cuts (a network partition: both sides keep running and writing). Every
command is the project's own (`peers relay init/token`, `peers join`); the relays are the
installed `peers relay` processes, each with its own nats-server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import isolated_env, log, peers_command

READY_TIMEOUT_S = 30.0


def relay_available() -> str | None:
    """Why the relay figures cannot be taken here (the relay extra not installed), or None."""
    try:
        import nats  # noqa: F401

        from peers_tui.relay.server import server_binary

        server_binary()
    except Exception as exc:  # noqa: BLE001 - any reason is reported as the figure's reason
        return f"the relay extra is not installed ({exc.__class__.__name__}: {exc})"[:200]
    return None


@dataclass
class Host:
    name: str
    root: Path
    bench_root: Path
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, Path] = field(default_factory=dict)  # name -> PEERS_HOME

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    def env(self, home: Path | None = None) -> dict[str, str]:
        return isolated_env(self.bench_root, home or self.root / "admin", self.hub)

    def peers(self, *args: str, home: Path | None = None, check: bool = True
              ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([*peers_command(), *args], env=self.env(home), capture_output=True,
                              text=True, timeout=60)
        if check and proc.returncode != 0:
            raise RuntimeError(f"peers {' '.join(args[:3])} on {self.name}: {proc.stderr.strip()[-500:]}")
        return proc

    def user(self, name: str) -> Path:
        if name not in self.users:
            home = self.root / name
            self.peers("id", "--handle", name, home=home)
            self.users[name] = home
        return self.users[name]

    def status(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.hub / ".relay" / "status.json").read_text()))
        except (OSError, ValueError):
            return {}

    def start(self) -> None:
        self.process = subprocess.Popen([*peers_command(), "relay"], env=self.env(),
                                        stdout=subprocess.DEVNULL,
                                        stderr=open(self.root / "relay.err", "ab"))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            status = self.status()
            if (status.get("running") and status.get("pid") == self.process.pid
                    and (status.get("role") == "hub" or status.get("link", {}).get("up"))):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"relay of {self.name} did not start: "
                           f"{(self.root / 'relay.err').read_text()[-500:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def relay_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def nats_pid(self) -> int:
        return int((self.hub / ".relay" / "nats.pid").read_text())

    def client_port(self) -> int:
        from peers_tui.relay.config import load_config

        return load_config(self.hub).client_port


class TcpProxy:
    """The network between a leaf and the hub: `cut()` drops every connection through it and
    refuses new ones, as a dead link would; `restore()` lets them through again."""

    def __init__(self, target_port: int) -> None:
        from peers_tui.testing.ports import leased_port

        self.target_port = target_port
        self.port = leased_port()
        self._cut = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=1)
            except OSError:
                client.close()
                continue
            for end in (client, upstream):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(None)
        try:
            while True:
                data = source.recv(65536)
                if not data or self._cut.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            sockets, self._open = self._open, []
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closing.set()
        self.cut()
        self._listener.close()
        self._thread.join(timeout=2)


@dataclass
class Federation:
    hosts: dict[str, Host]
    proxy: TcpProxy
    group_id: str
    homes: dict[str, Path]  # host -> the home of its user in the group

    def file(self, host: str) -> Path:
        return self.hosts[host].hub / f"{self.group_id}.db"

    def close(self) -> None:
        for host in self.hosts.values():
            host.stop()
        self.proxy.close()


def build(bench_root: Path) -> Federation:
    """A (hub), B and C (leaves; C through the proxy), relays running, one group that a user
    on each host is in."""
    from peers_tui.relay.config import load_config, save_config
    from peers_tui.testing.ports import leased_port

    base = bench_root / "relay"
    hosts = {name: Host(name, base / name, bench_root) for name in ("A", "B", "C")}
    for host in hosts.values():
        host.hub.mkdir(parents=True)
    a = hosts["A"]
    a.peers("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    for name in ("B", "C"):
        token = a.peers("relay", "token", "--name", name).stdout.strip()
        hosts[name].peers("relay", "init", "--leaf", token, "--name", name)
    leaf_port = int(load_config(a.hub).leaf_listen.rpartition(":")[2])
    proxy = TcpProxy(leaf_port)
    config = load_config(hosts["C"].hub)
    config.hub_url = f"nats-leaf://127.0.0.1:{proxy.port}"
    save_config(hosts["C"].hub, config)
    homes = {"A": a.user("alice"), "B": hosts["B"].user("bob"), "C": hosts["C"].user("carol")}
    group_id = a.peers("create", "bench-relay", home=homes["A"]).stdout.strip().split()[-1]
    code = a.peers("invite", "bench-relay", "--uses", "5", home=homes["A"]).stdout.strip().split()[-1]
    federation = Federation(hosts, proxy, group_id, homes)
    try:
        for host in hosts.values():
            host.start()
        for name in ("B", "C"):
            _join(hosts[name], homes[name], code)
    except BaseException:
        federation.close()
        raise
    log(f"relay: three hosts up, group {group_id[:8]} on each")
    return federation


def _join(host: Host, home: Path, code: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:  # until the hub has published the new group
        proc = host.peers("join", code, home=home, check=False)
        if proc.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"join on {host.name}: {proc.stderr.strip()[-300:]}")
        time.sleep(0.2)


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
