"""Handle changes made on a leaf while the hub was unreachable: kept, proposed when it is back.

A handle change is a membership change (it goes in the membership log, in the hub's order),
but it must never stop a user: `peers id --handle` and the handle sync of `peers send` go on
at once. The change is signed against this host's head and kept as
`<hub>/.relay/held/<group>.<author>.json` (one per author and group: a newer change replaces
the older one, which would take the same place); the leaf's relay proposes it to the hub's
sequencer when the link is up, and it arrives here like any change the hub ordered.

If the hub's head moved meanwhile (another user's change kept here went first, a join at the
hub), the hub refuses the change as stale: it no longer fits, and only its author's key can
sign it again. The relay then keeps the file marked (`"resign"`: the hub's reason) and does
not propose it again; held_resign.py signs it anew against the new head in the author's own
processes (the app, watching this directory; any `peers` command; their next send there),
and the relay proposes that one. Until then `peers relay status` counts it as waiting for
its author. Without write access to the relay's directory (a relay run by a service user),
nothing is kept and the author's next message there signs it.

Every kept file is copied to `<hub>/.relay-held/` (0644 in a directory of the relay's user:
held_peek.VIEW_DIR), and removed there with it: the host's other Unix users, who may not
enter `.relay/`, read theirs there (held_peek), as the relay's own user reads `held/`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from peers_tui.relay.config import relay_dir
from peers_tui.relay.envelope import Envelope, EnvelopeError
from peers_tui.relay.held_peek import HELD_DIR, RESIGN, VIEW_DIR  # (read by held_peek)


def held_dir(hub: Path) -> Path:
    return relay_dir(hub) / HELD_DIR


def keep(hub: Path, envelope: Envelope, author: str) -> None:
    """Keep `envelope` to propose later (atomically; quietly not when not allowed here)."""
    from peers_tui.relay.order_changes import encode_change

    try:
        directory = held_dir(hub)
        directory.mkdir(mode=0o700, exist_ok=True)
        _write(directory / f"{envelope.group_id}.{author}.json",
               {"group": envelope.group_id, **encode_change(envelope)})
    except OSError:
        return


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as the file at `path` whole (renamed into place: a reader, or the app
    watching the directory, never sees half of it)."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.replace(temporary, path)
    _show(path.parents[2], path.name, data)


def _remove(path: Path) -> None:
    """Remove a kept file, and its copy for the host's other users."""
    path.unlink(missing_ok=True)
    _show(path.parents[2], path.name, None)


def _show(hub: Path, name: str, data: dict[str, Any] | None) -> None:
    """The copy of held/`name` in `<hub>/.relay-held/`: written (`data`) or removed (None);
    quietly not where it cannot be (their commands then know nothing of it, as before)."""
    from peers_tui.core.relay_file import ensure_relay_dir, write_relay_file

    directory = hub / VIEW_DIR
    try:
        if data is None:
            (directory / name).unlink(missing_ok=True)
            return
        ensure_relay_dir(directory)
        write_relay_file(directory, name, json.dumps(data))
    except OSError:
        pass


def show_all(hub: Path) -> None:
    """Claim `.relay-held/` and make it what `held/` holds (at the relay's start: a change
    kept or removed while its copy could not be written, or before copies were made)."""
    from peers_tui.core.relay_file import ensure_relay_dir

    try:
        ensure_relay_dir(hub / VIEW_DIR)
        kept = {path.name: path for path in held_dir(hub).glob("*.json")}
        shown = set(os.listdir(hub / VIEW_DIR))
    except OSError as exc:
        print(f"peers relay: {hub / VIEW_DIR}: this host's other users are not told of "
              f"their kept handle changes: {exc}", file=sys.stderr, flush=True)
        return
    for name in shown - set(kept):
        _show(hub, name, None)
    for name, path in kept.items():
        try:
            _show(hub, name, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue


def forget(hub: Path, group_id: str, author: str) -> None:
    """A newer handle change of `author` was ordered directly: the kept one is void."""
    try:
        _remove(held_dir(hub) / f"{group_id}.{author}.json")
    except OSError:
        pass


def held(hub: Path) -> list[tuple[Path, Envelope]]:
    """The kept changes to propose (not those waiting for their author to sign again),
    oldest first."""
    from peers_tui.relay.order_changes import decode_change

    found: list[tuple[float, Path, Envelope]] = []
    try:
        paths = list(held_dir(hub).glob("*.json"))
    except OSError:
        return []
    for path in paths:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            if data.get(RESIGN):
                continue  # refused as stale: its author signs it again (held_resign.py)
            envelope = decode_change(str(data["group"]), data)
            found.append((path.stat().st_mtime, path, envelope))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, EnvelopeError):
            _remove(path)  # damaged: never proposable
    return [(path, envelope) for _, path, envelope in sorted(found, key=lambda f: f[0])]


def to_sign(hub: Path, author: str | None = None) -> list[tuple[str, str]]:
    """(group id, author) of each kept change the hub refused as stale, which waits for its
    author to sign it again (of `author` only, when given)."""
    try:
        paths = list(held_dir(hub).glob(f"*.{author}.json" if author else "*.json"))
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            if json.loads(path.read_text(encoding="utf-8")).get(RESIGN):
                group_id, who = path.stem.split(".", 1)
                found.append((group_id, who))
        except (OSError, ValueError, AttributeError):
            continue
    return sorted(found)


def counts(hub: Path) -> tuple[int, int]:
    """How many kept changes wait for the link (or the relay), and how many for their
    author to sign them again."""
    try:
        total = sum(1 for _ in held_dir(hub).glob("*.json"))
    except OSError:
        return 0, 0
    waiting = len(to_sign(hub))
    return total - waiting, waiting


def _drop(path: Path, envelope: Envelope, resign: str | None = None) -> None:
    """Remove `path` unless a newer change replaced it meanwhile; with `resign`, keep it
    marked instead (not proposed again: its author signs it anew)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("text") != envelope.text:
            return
        if resign is None:
            _remove(path)
        else:
            _write(path, {**data, RESIGN: resign})
    except (OSError, ValueError, AttributeError):
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
        if isinstance(answer, dict) and answer.get("ok"):
            _drop(path, envelope)
            accepted.append(envelope)
            continue
        reason = str(answer.get("reason") if isinstance(answer, dict) else "no answer")[:300]
        if isinstance(answer, dict) and answer.get("stale"):
            # The hub's log moved on (another change went first): only the author can sign
            # it against the new head. Kept, marked; their processes do (held_resign.py).
            _drop(path, envelope, resign=reason)
            print("peers relay: a handle change kept while the hub was unreachable came "
                  f"after another change ({reason}); it waits for its author's app or next "
                  "`peers` command to sign it again", file=sys.stderr, flush=True)
            continue
        _drop(path, envelope)
        print(f"peers relay: a handle change kept while the hub was unreachable was "
              f"refused ({reason}); it is signed again with its author's next message "
              "in that group", file=sys.stderr, flush=True)
    return accepted
