"""The handle change kept for the hub (held.py) of one author and group, read with nothing but
os and json: `peers send`'s lean path (core.lean_post) asks it whether the handle its user
has differs from the group's only because that change is already signed and waiting, and
then posts at once instead of signing the same change again on the full path.

The file's place and format are held.py's: `<hub>/.relay/held/<group>.<author>.json` holding
{"group", "text", "sig", "cosig"} (signatures in base64), and "resign" (the hub's reason) once
the hub refused it as stale: such a change is no longer the one to send, so it is not
returned here (the full path signs the handle again).
Another Unix user of the host (who reaches the relay through its desk: desk.py) may not enter
`.relay/` (0700, the relay's credential). The relay's user publishes a copy of each kept
change in `<hub>/.relay-held/` (held.py, written whenever one under `.relay/held/` is),
which such a user reads instead, trusted only as the relay owner's (core.relay_file, as
`.link.json`): without it their `peers id`, `peers groups` and sends knew nothing of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from peers_tui.core.relay_file import RELAY_DIR, owned_dir, read_relay_json, relay_owner

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (`peers send` loads this)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from peers_tui.core.sync_column import Place

HELD_DIR = "held"
VIEW_DIR = ".relay-held"  # the copy of `.relay/held/` for the host's other users (held.py)
RESIGN = "resign"  # the mark of a kept change the hub refused as stale (held.py)


def _place(hub: str) -> tuple[str, int | None] | None:
    """Where this user reads kept changes: (`.relay/held/`, None) for the relay's own user,
    (`.relay-held/`, the relay owner's uid) for another, whose files must be the owner's;
    None when there is nothing to read (no relay, nothing kept)."""
    own = os.path.join(hub, RELAY_DIR, HELD_DIR)
    try:
        os.stat(own)
        return own, None
    except FileNotFoundError:
        return None
    except OSError:  # `.relay/` another user's: its view, if it is the relay owner's
        owner = relay_owner(hub)
        view = os.path.join(hub, VIEW_DIR)
        return (view, owner) if owner is not None and owned_dir(view, owner) else None


def view_dir(hub: str) -> str | None:
    """The directory whose changes tell this user's app that kept changes changed
    (services.hub_watch), None where none is kept: `.relay/held/` or its view."""
    place = _place(hub)
    return None if place is None else place[0]


def _load(path: str, owner: int | None) -> dict | None:
    if owner is not None:
        return read_relay_json(path, owner, lambda data: data if isinstance(data, dict) else None)
    try:
        with open(path, encoding="utf-8") as kept:
            data = json.load(kept)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _kept(hub: str, suffix: str = ".json") -> dict[str, dict]:
    """The kept changes readable here whose file names end with `suffix`, by file name."""
    place = _place(hub)
    if place is None:
        return {}
    directory, owner = place
    try:
        names = [name for name in os.listdir(directory) if name.endswith(suffix)]
    except OSError:
        return {}
    found = {}
    for name in names:
        data = _load(os.path.join(directory, name), owner)
        if data is not None:  # (being replaced, or damaged: the relay drops it)
            found[name] = data
    return found


def held_file(hub: str, group_id: str, author: str) -> str:
    return os.path.join(hub, RELAY_DIR, HELD_DIR, f"{group_id}.{author}.json")


def held_change(hub: str, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    """(record text, signature, countersignature) of the change kept for `author` in
    `group_id`, or None when there is none (or it cannot be read: the full path then signs)."""
    place = _place(hub)
    if place is None:
        return None
    data = _load(os.path.join(place[0], f"{group_id}.{author}.json"), place[1])
    try:
        if data is None or data.get(RESIGN):
            return None  # refused as stale: to be signed again, not reused
        cosig = data.get("cosig")
        return (str(data["text"]), base64.b64decode(data["sig"]),
                base64.b64decode(cosig) if cosig else None)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def any_to_sign(hub: str) -> bool:
    """Whether any kept change here waits for its author to sign it again (cheap when none
    is kept: the directory is missing, or holds a file or two)."""
    return any(data.get(RESIGN) for data in _kept(hub).values())


def kept_for(hub: str, author: str) -> dict[str, bool]:
    """The groups (ids) where a handle change of `author`'s is kept here, each with whether
    it waits for them to sign it again (True) or for the hub (False): what `peers groups`
    and `peers id` tell. Empty, and cheap, when nothing is kept."""
    suffix = f".{author}.json"
    return {name[:-len(suffix)]: bool(data.get(RESIGN))
            for name, data in _kept(hub, suffix).items()}


def handle_changes(groups: Sequence[Place], author: str) -> dict[str, str]:
    """The groups where a handle change of ours has not reached the hub yet, and why it
    waits (core.sync_column's words), as `peers groups`, `peers id` and the app's group list
    tell it: a change made while the link is down never blocks a send, so without this the
    user sees their new handle here and nothing saying that the others do not yet."""
    from peers_tui.core.sync_column import HANDLE_TO_SIGN, HANDLE_UNSENT

    kept: dict[str, str] = {}
    wanted = {group_id for _, group_id, personal in groups if not personal}
    for hub in dict.fromkeys(hub for hub, _, personal in groups if not personal):
        for group_id, marked in kept_for(str(hub), author).items():
            if group_id in wanted:  # (one we left: the relay's to drop, not ours to tell)
                kept[group_id] = HANDLE_TO_SIGN if marked else HANDLE_UNSENT
    return kept


__all__ = ["RESIGN", "VIEW_DIR", "any_to_sign", "handle_changes", "held_change", "held_file",
           "kept_for", "view_dir"]
