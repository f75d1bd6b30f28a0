"""The handle change kept for the hub (held.py) of one author and group, read with nothing but
os and json: `peers send`'s lean path (core.lean_post) asks it whether the handle its user
has differs from the group's only because that change is already signed and waiting, and
then posts at once instead of signing the same change again on the full path.

The file's place and format are held.py's: `<hub>/.relay/held/<group>.<author>.json` holding
{"group", "text", "sig", "cosig"} (signatures in base64).
"""

from __future__ import annotations

import base64
import binascii
import json
import os

RELAY_DIR = ".relay"  # relay.config.RELAY_DIR (that module costs pathlib and more to import)
HELD_DIR = "held"


def held_file(hub: str, group_id: str, author: str) -> str:
    return os.path.join(hub, RELAY_DIR, HELD_DIR, f"{group_id}.{author}.json")


def held_change(hub: str, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    """(record text, signature, countersignature) of the change kept for `author` in
    `group_id`, or None when there is none (or it cannot be read: the full path then signs)."""
    try:
        with open(held_file(hub, group_id, author), encoding="utf-8") as kept:
            data = json.load(kept)
        cosig = data.get("cosig")
        return (str(data["text"]), base64.b64decode(data["sig"]),
                base64.b64decode(cosig) if cosig else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None


__all__ = ["held_change", "held_file"]
