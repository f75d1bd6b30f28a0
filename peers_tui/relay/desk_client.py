"""A user's side of the relay's desk (desk.py): one request, one answer, over the Unix socket
`<hub>/.relay-desk.sock`, with nothing but the standard library (the users of a host may have
peers without the relay's extra, NATS, installed: only the relay needs it).

The socket lies in the hub, which every user of it may write: only one whose file and whose
listening process (SO_PEERCRED) both belong to the owner of `<hub>/.relay/` speaks for the
relay (as `.link.json` and `.relay-notes/`: core.relay_file); any other reads as "no relay
running here".
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
from pathlib import Path
from typing import Any

from peers_tui.core.relay_file import RELAY_DIR, relay_owner
from peers_tui.relay.config import RelayError

DESK_FILE = ".relay-desk.sock"
MAX_REQUEST = 2 << 20   # a change (at most 256 KiB), the invites a join names, base64
MAX_ANSWER = 16 << 20   # a stale answer carries the hub's changes since the place
FETCH_TIMEOUT = 120.0    # a join's fetch: membership, invites and the newest screen
NOT_RUNNING = "this host's relay is not running (start it: peers relay)"


class DeskUnreachable(RelayError):
    """No relay answers at the desk (none runs; a socket not the relay's; it hung)."""


def uses_desk(hub: Path) -> bool:
    """Whether this process reaches the relay through its desk: a relay is set up in `hub`
    (`.relay/` exists) whose state this user may not read (another Unix user's)."""
    config = os.path.join(hub, RELAY_DIR, "config.json")
    try:
        os.stat(config)  # inside `.relay/` (0700): another user may not even look
    except FileNotFoundError:
        return False  # no relay set up here (or `.relay/` holds no config yet)
    except OSError:
        return True
    return not os.access(config, os.R_OK)


def request(hub: Path, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """The desk's answer to `message` (a JSON object); DeskUnreachable when no relay of this
    hub answers within `timeout`."""
    path = os.path.join(hub, DESK_FILE)
    owner = relay_owner(hub)
    try:
        info = os.lstat(path)
    except OSError:
        raise DeskUnreachable(NOT_RUNNING) from None
    if owner is None or info.st_uid != owner or not stat.S_ISSOCK(info.st_mode):
        raise DeskUnreachable(f"{NOT_RUNNING}; {path} is not its own")
    data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
    if len(data) > MAX_REQUEST:
        raise RelayError("the request is too large for the relay")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            if struct.unpack("3i", raw)[1] != owner:
                raise DeskUnreachable(f"{NOT_RUNNING}; {path} is not its own")
            sock.sendall(data)
            answer = _line(sock)
        except socket.timeout:
            raise DeskUnreachable(f"this host's relay did not answer within {timeout:.0f} s") from None
        except OSError:
            raise DeskUnreachable(NOT_RUNNING) from None
    try:
        parsed = json.loads(answer)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise DeskUnreachable("this host's relay gave no answer")
    return parsed


def _line(sock: socket.socket) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n") or size > MAX_ANSWER:
            break
    return b"".join(chunks)


def fetch_through_desk(hub: Path, code_text: str) -> None:
    """A join's group fetched into `hub` by this host's relay (desk.py), for a user who
    cannot read its state; RelayError (one line) saying why not."""
    try:
        reply = request(hub, {"op": "fetch", "code": code_text}, FETCH_TIMEOUT)
    except DeskUnreachable as exc:
        raise RelayError(f"the group could not be fetched: {exc}") from exc
    if not reply.get("ok"):
        why = reply.get("failed") or reply.get("refused") or reply.get("busy") or "no answer"
        raise RelayError(str(why)[:400])


def drop_through_desk(hub: Path, group_id: str) -> None:
    """The group file the relay fetched for this user's join, which failed, removed by it
    (desk.py: only its own fetch for this uid, no join written since); quietly kept else."""
    try:
        request(hub, {"op": "drop", "group": group_id}, 10.0)
    except RelayError:
        pass


def done_through_desk(hub: Path, group_id: str) -> None:
    """The join the relay fetched `group_id` for ended (joined): the relay removes its mark
    of the fetch (desk.py: only one made for this uid); quietly nothing else."""
    try:
        request(hub, {"op": "done", "group": group_id}, 10.0)
    except RelayError:
        pass


def transit_through_desk(hub: Path, group_id: str, key: str, timeout: float
                         ) -> dict[str, Any] | None:
    """The hub's word whether the invite of `key` (of `group_id`, held here) is on its way,
    asked by this host's relay for a user who cannot read its state (desk_joins.py): a dict
    ("held", "moving" or neither; {"slow": True}: the hub's relay did not answer in time, asked
    again); None when it cannot be asked (no relay answers, the link down, a hub relay of
    before) or the relay refused that invite itself (it never comes).
    The code's secret stays with the joiner: only its public key is sent."""
    try:
        reply = request(hub, {"op": "transit", "group": group_id, "key": key}, timeout)
    except RelayError:
        return None
    if reply.get("slow") is True:  # the hub's relay did not answer the desk in time
        return {"slow": True}
    said = reply.get("answer")
    return said if isinstance(said, dict) else None


def change_of(text: str, sig: bytes, cosig: bytes | None) -> dict[str, Any]:
    """A signed record as a request carries it."""
    import base64

    return {"text": text, "sig": base64.b64encode(sig).decode(),
            "cosig": base64.b64encode(cosig).decode() if cosig else None}


__all__ = ["DESK_FILE", "DeskUnreachable", "MAX_REQUEST", "change_of", "done_through_desk", "drop_through_desk", "fetch_through_desk", "request", "transit_through_desk",
           "uses_desk"]
