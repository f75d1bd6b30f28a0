"""The handle change kept for the hub (held.py) of one author and group, read with nothing but
os and json: `peers send`'s lean path (core.lean_post) asks it whether the handle its user
has differs from the group's only because that change is already signed and waiting, and
then posts at once instead of signing the same change again on the full path.

The file's place and format are held.py's: `<hub>/.relay/held/<group>.<author>.json` holding
{"group", "text", "sig", "cosig"} (signatures in base64), and "resign" (the hub's reason) once
the hub refused it as stale: such a change is no longer the one to send, so it is not
returned here (the full path signs the handle again).
"""

from __future__ import annotations

import base64
import binascii
import json
import os

RELAY_DIR = ".relay"  # relay.config.RELAY_DIR (that module costs pathlib and more to import)
HELD_DIR = "held"
RESIGN = "resign"  # the mark of a kept change the hub refused as stale (held.py)


def held_file(hub: str, group_id: str, author: str) -> str:
    return os.path.join(hub, RELAY_DIR, HELD_DIR, f"{group_id}.{author}.json")


def held_change(hub: str, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    """(record text, signature, countersignature) of the change kept for `author` in
    `group_id`, or None when there is none (or it cannot be read: the full path then signs)."""
    try:
        with open(held_file(hub, group_id, author), encoding="utf-8") as kept:
            data = json.load(kept)
        if data.get(RESIGN):
            return None  # refused as stale: to be signed again, not reused
        cosig = data.get("cosig")
        return (str(data["text"]), base64.b64decode(data["sig"]),
                base64.b64decode(cosig) if cosig else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None


def any_to_sign(hub: str) -> bool:
    """Whether any kept change here waits for its author to sign it again (cheap when none
    is kept: the directory is missing, or holds a file or two)."""
    try:
        names = [name for name in os.listdir(os.path.join(hub, RELAY_DIR, HELD_DIR))
                 if name.endswith(".json")]
    except OSError:
        return False
    for name in names:
        try:
            with open(os.path.join(hub, RELAY_DIR, HELD_DIR, name), encoding="utf-8") as kept:
                if json.load(kept).get(RESIGN):
                    return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def kept_for(hub: str, author: str) -> dict[str, bool]:
    """The groups (ids) where a handle change of `author`'s is kept here, each with whether
    it waits for them to sign it again (True) or for the hub (False): what `peers groups`
    and `peers id` tell. Empty, and cheap, when nothing is kept."""
    directory = os.path.join(hub, RELAY_DIR, HELD_DIR)
    suffix = f".{author}.json"
    try:
        names = [name for name in os.listdir(directory) if name.endswith(suffix)]
    except OSError:
        return {}
    kept = {}
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as file:
                kept[name[:-len(suffix)]] = bool(json.load(file).get(RESIGN))
        except (OSError, ValueError, AttributeError):
            continue  # being replaced, or damaged (the relay drops it): nothing to tell
    return kept


__all__ = ["RESIGN", "any_to_sign", "held_change", "held_file", "kept_for"]
