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
from peers_tui.core.errors import DamagedDatabase, NotFound
from peers_tui.core.genesis import GROUP_ID_LENGTH, checked_genesis
from peers_tui.core.group_entry import GroupName, find_group


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
    """The id of the one group file of `hub` that `query` names, by the rules every command
    names groups by (core.group_entry.find_group: whole id, name, then id prefix), so that a
    file whose ground id starts with a group's name, or whose name is another group's id,
    does not take the group's place."""
    files = [GroupName(gid, name, False) for gid, name in founded_names(hub).items()]
    try:
        return find_group(query, files).id
    except NotFound:
        raise NotFound(f"no group {query!r} in your groups nor in this hub's files ({hub}); "
                       "use the group's id") from None


__all__ = ["founded_names", "hub_group"]
