"""The look-alike keys (core.names) of the user's group names, remembered in their home.

The chat screen's title says whether another listed group's name looks like this one's, which
takes the key of every listed name. A key is a function of the name, the rules in core.names
and core.text, Python's Unicode data and the confusables data; computing the first one loads
that data (~10 ms of a start-up measured against a bare Textual app, issue 16). So the keys are
kept in `KEYS_FILE` in the home, stamped with what they depend on: a change to any of those
discards them all, and a name not in the file is keyed afresh (and the file rewritten). The
file is trusted as personal.db is: whoever can write the home can also rename its groups.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

from peers_tui.core import names, text
from peers_tui.core.names import look_alike_key

KEYS_FILE = ".look-alike-keys.json"


def _stamp() -> list[object]:
    """What a key depends on beside the name: the sources of its rules and the data's files."""
    spec = find_spec("confusable_homoglyphs")
    folders = list(spec.submodule_search_locations or []) if spec else []
    data = os.path.join(folders[0], "confusables.json") if folders else ""
    parts: list[object] = [unicodedata.unidata_version]
    for path in (names.__file__, text.__file__, data):
        try:
            status = os.stat(path)
            parts += [path, status.st_size, status.st_mtime_ns]
        except OSError:
            parts += [path, None, None]
    return parts


def _read(path: Path, stamp: list[object]) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as file:
            stored = json.load(file)
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("stamp") != stamp:
        return {}
    keys = stored.get("keys")
    if not isinstance(keys, dict):
        return {}
    return {name: key for name, key in keys.items()
            if isinstance(name, str) and isinstance(key, str)}


def _write(path: Path, stamp: list[object], keys: dict[str, str]) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump({"stamp": stamp, "keys": keys}, file)
        os.replace(temporary, path)
    except OSError:
        # A home that cannot be written keys the names afresh each time: slower, as correct.
        try:
            os.unlink(temporary)
        except OSError:
            pass


def look_alike_keys(home: Path, wanted: Sequence[str]) -> dict[str, str]:
    """The look-alike key of each of `wanted`, from `home`'s file where it holds them."""
    path = home / KEYS_FILE
    stamp = _stamp()
    known = _read(path, stamp)
    keys = {name: known.get(name) or look_alike_key(name) for name in wanted}
    if any(name not in known for name in keys):
        _write(path, stamp, keys)  # only the names listed now: the file never grows past them
    return keys
