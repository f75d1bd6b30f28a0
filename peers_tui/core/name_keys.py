"""The look-alike keys (core.names) of the names a user has seen, kept in their home.

The first frame labels its authors and its title, telling look-alike names apart, which takes
the key of every name in the roster and of every listed group. A key is a function of the
name, the rules in core.names, core.text and core.marks, Python's Unicode data and the confusables data;
computing the first one loads that data (~10 ms of a start-up measured against a bare
Textual app, issue 16). So the keys computed are kept in `KEYS_FILE` in the home, stamped with
what they depend on: a change to any of those discards them all, and a name not in the file
is keyed afresh. The file is trusted as personal.db is: whoever can write the home can also
rename the user's groups.
"""

from __future__ import annotations

import json
import os
import unicodedata
from importlib.util import find_spec
from pathlib import Path

from peers_tui.core import marks, names, text

KEYS_FILE = ".look-alike-keys.json"


def _stamp() -> list[object]:
    """What a key depends on beside the name: the sources of its rules and the data's file."""
    spec = find_spec("confusable_homoglyphs")
    folders = list(spec.submodule_search_locations or []) if spec else []
    data = os.path.join(folders[0], "confusables.json") if folders else ""
    parts: list[object] = [unicodedata.unidata_version]
    for path in (names.__file__, text.__file__, marks.__file__, data):
        try:
            status = os.stat(path)
            parts += [path, status.st_size, status.st_mtime_ns]
        except OSError:
            parts += [path, None, None]
    return parts


def keep_name_keys(home: Path) -> None:
    """Let core.names take the keys `home`'s file holds (if stamped as this process would)."""
    try:
        with open(home / KEYS_FILE, encoding="utf-8") as file:
            stored = json.load(file)
    except (OSError, ValueError):
        return
    if not isinstance(stored, dict) or stored.get("stamp") != _stamp():
        return
    keys = stored.get("keys")
    if isinstance(keys, dict):
        names.KEPT_KEYS.update((name, key) for name, key in keys.items()
                               if isinstance(name, str) and isinstance(key, str))


def save_name_keys(home: Path) -> None:
    """Write the keys kept and those computed since into `home`'s file, if any were."""
    if not names.NEW_KEYS:
        return
    keys = {**names.KEPT_KEYS, **names.NEW_KEYS}
    names.KEPT_KEYS.update(names.NEW_KEYS)
    names.NEW_KEYS.clear()
    kept = dict(list(keys.items())[-names.MOST_KEPT_KEYS:])  # the newest, if there are more
    path = home / KEYS_FILE
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump({"stamp": _stamp(), "keys": kept}, file)
        os.replace(temporary, path)
    except OSError:
        # A home that cannot be written keys the names afresh each time: slower, as correct.
        try:
            os.unlink(temporary)
        except OSError:
            pass
