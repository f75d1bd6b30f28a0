"""The transport alone, for the relay figures' baselines: three plain nats-servers in the
relay's topology (A the leaf-node hub with JetStream domain "hub", B and C leaves, C through a
TCP proxy that is cut with the relay federation's), without peers' permissions.

The relay's own servers give each leaf token only the subjects peers needs
(peers_tui/relay/permissions.py), so a baseline's plain streams cannot cross their links;
these servers run beside them, on the same machine in the same minutes.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from benchmarks.relay_hosts import TcpProxy
from peers_tui.relay.server import port_open



class PlainFederation:
    def __init__(self, root: Path) -> None:
        from peers_tui.testing.ports import leased_port
        from peers_tui.relay.server import server_binary

        self.root = root / "plain-nats"
        self.root.mkdir(parents=True, exist_ok=True)
        self.ports = {name: leased_port() for name in ("A", "B", "C")}
        self.domains = {"A": "hub", "B": "B", "C": "C"}
        leaf_port = leased_port()
        self.proxy = TcpProxy(leaf_port)
        self.processes: list[subprocess.Popen[bytes]] = []
        binary = server_binary()
        for name, port in self.ports.items():
            lines = [f'server_name: "plain-{name}"', f'listen: "127.0.0.1:{port}"',
                     f'jetstream {{ store_dir: "{self.root / name}", domain: "{self.domains[name]}" }}']
            if name == "A":
                lines.append(f'leafnodes {{ listen: "127.0.0.1:{leaf_port}", no_advertise: true }}')
            else:
                target = self.proxy.port if name == "C" else leaf_port
                lines.append('leafnodes { reconnect: "250ms", remotes: [ { url: '
                             f'"nats-leaf://127.0.0.1:{target}", ignore_discovered_servers: true }} ] }}')
            conf = self.root / f"{name}.conf"
            conf.write_text("\n".join(lines) + "\n")
            self.processes.append(subprocess.Popen(
                [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while not all(port_open(port) for port in self.ports.values()):
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("the plain nats-servers did not start")
            time.sleep(0.02)
        time.sleep(1.0)  # the leaf links up

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.proxy.close()
