"""A group named among the files of this host's hub, not among one user's groups: for `peers
relay refetch NAME` run as the relay's own user, who is in none of them (docs/relay.md, "An
altered unsent row, and the quarantine by group"). The name is the one its founder gave it
(the genesis record's, checked against the group id as every store checks it); a unique id
prefix (4 characters or more) works too, as in every command.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.core.database.side_files import read_only
from peers_tui.core.errors import Ambiguous, DamagedDatabase, NotFound
from peers_tui.core.genesis import GROUP_ID_LENGTH, checked_genesis
from peers_tui.core.group_entry import refuse_other_case

MIN_PREFIX = 4


def founded_names(hub: Path) -> dict[str, str]:
    """Group id -> its founded name, for every group file of the hub whose genesis checks out."""
    names: dict[str, str] = {}
    for path in sorted(hub.glob("*.db")):
        if len(path.stem) != GROUP_ID_LENGTH or not path.is_file():
            continue
        try:
            with read_only(f"file:{path}?mode=ro", path, timeout=2) as db:
                row = db.execute("SELECT id, record, sig FROM group_info LIMIT 1").fetchone()
            record = checked_genesis(row, path.stem, path.name)
        except (sqlite3.Error, DamagedDatabase, OSError):
            continue
        names[path.stem] = str(record.data.get("name", ""))
    return names


def hub_group(hub: Path, query: str) -> str:
    """The id of the one group file of `hub` that `query` names (whole id, name, then id
    prefix: as core.group_entry.find_group, so that a file whose ground id starts with a
    group's name, or whose name is another group's id, does not take the group's place)."""
    text = query.strip()
    names = founded_names(hub)
    if text.lower() in names:  # a whole id first: a founder may name a group with another's id
        return text.lower()
    found = [gid for gid, name in names.items() if name == text]
    if not found:
        refuse_other_case(query, list(names.items()))
    found = found or ([gid for gid in names if gid.startswith(text.lower())]
                      if len(text) >= MIN_PREFIX else [])
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous(f"group {query!r} names {len(found)} groups of this hub; use its id: "
                        + ", ".join(found))
    raise NotFound(f"no group {query!r} in your groups nor in this hub's files ({hub}); "
                   "use the group's id")


__all__ = ["founded_names", "hub_group"]
