"""Handle changes made on a leaf while the hub was unreachable: kept, proposed when it is back.

A handle change is a membership change (it goes in the membership log, in the hub's order),
but it must never stop a user: `peers id --handle` and the handle sync of `peers send` go on
at once. The change is signed against this host's head and kept as
`<hub>/.relay/held/<group>.<author>.json` (one per author and group: a newer change replaces
the older one, which would take the same place); the leaf's relay proposes it to the hub's
sequencer when the link is up, and it arrives here like any change the hub ordered. If the
hub's head moved meanwhile the signed change no longer fits and is dropped: the author's
personal handle still differs from the group's, so their next message there signs it again.
Without write access to the relay's directory (a relay run by a service user), nothing is
kept and that next message does it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from peers_tui.relay.config import relay_dir
from peers_tui.relay.envelope import Envelope, EnvelopeError
from peers_tui.relay.held_peek import HELD_DIR  # (also read by `peers send`: held_peek)


def held_dir(hub: Path) -> Path:
    return relay_dir(hub) / HELD_DIR


def keep(hub: Path, envelope: Envelope, author: str) -> None:
    """Keep `envelope` to propose later (atomically; quietly not when not allowed here)."""
    from peers_tui.relay.order_service import encode_change

    try:
        directory = held_dir(hub)
        directory.mkdir(mode=0o700, exist_ok=True)
        path = directory / f"{envelope.group_id}.{author}.json"
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"group": envelope.group_id, **encode_change(envelope)}, out)
        os.replace(temporary, path)
    except OSError:
        return


def forget(hub: Path, group_id: str, author: str) -> None:
    """A newer handle change of `author` was ordered directly: the kept one is void."""
    try:
        (held_dir(hub) / f"{group_id}.{author}.json").unlink(missing_ok=True)
    except OSError:
        pass


def held(hub: Path) -> list[tuple[Path, Envelope]]:
    """The kept changes, oldest first."""
    from peers_tui.relay.order_service import decode_change

    found: list[tuple[float, Path, Envelope]] = []
    try:
        paths = list(held_dir(hub).glob("*.json"))
    except OSError:
        return []
    for path in paths:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            envelope = decode_change(str(data["group"]), data)
            found.append((path.stat().st_mtime, path, envelope))
        except (OSError, ValueError, KeyError, TypeError, EnvelopeError):
            path.unlink(missing_ok=True)  # damaged: never proposable
    return [(path, envelope) for _, path, envelope in sorted(found, key=lambda f: f[0])]


def count(hub: Path) -> int:
    try:
        return sum(1 for _ in held_dir(hub).glob("*.json"))
    except OSError:
        return 0


def _drop(path: Path, envelope: Envelope) -> None:
    """Remove `path` unless a newer change replaced it meanwhile."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("text") == envelope.text:
            path.unlink()
    except (OSError, ValueError):
        pass


async def propose_held(nc: Any, host: str, hub: Path, timeout: float = 3.0) -> list[Envelope]:
    """Propose every kept change to the hub (from the leaf's relay, link up); those it
    accepted, for the relay to write here (the federation stream does not bring a host's
    own records back to it)."""
    import nats

    from peers_tui.relay.order_service import order_subject

    accepted: list[Envelope] = []
    for path, envelope in held(hub):
        envelope = Envelope(envelope.group_id, "member", envelope.text, envelope.sig,
                            envelope.cosig, host)
        try:
            msg = await nc.request(order_subject(host, envelope.group_id), envelope.payload(),
                                   headers=envelope.headers(), timeout=timeout)
            answer = json.loads(msg.data)
        except (nats.errors.Error, ValueError):
            return accepted  # not now: the next round
        _drop(path, envelope)
        if isinstance(answer, dict) and answer.get("ok"):
            accepted.append(envelope)
        else:
            reason = answer.get("reason") if isinstance(answer, dict) else "no answer"
            print(f"peers relay: a handle change kept while the hub was unreachable was "
                  f"refused ({reason}); it is signed again with its author's next message "
                  "in that group", file=sys.stderr, flush=True)
    return accepted
