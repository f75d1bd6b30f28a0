"""`peers relay rejected` as plain text: one line a refused record naming the record itself
(its short hash, what it claims to be and who it claims is its author), so a line can be
told from its neighbours and found again in `--json` (whose "hash" is the whole hash).

What a refused record says about itself is a claim (it was refused: perhaps forged), so the
author is named by the handle this host's copy of the group gives that key, with the key's
short form beside it, and a record that names no one is "by ?".
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from peers_tui.core.identity import fingerprint
from peers_tui.core.text import inert
from peers_tui.relay.hub_refusals import COUNT_KEY
from peers_tui.relay.refused_told import claims, fields_of as _data

SHORT_HASH = 12


def described(text: Any) -> dict[str, Any]:
    """A listing row's fields from the record's text: "type", "author" (claims) and "signed",
    the time it says it was signed (ms; None when it says none)."""
    signed = _data(text).get("t")
    return {**dict(zip(("type", "author"), claims(text))),
            "signed": signed if type(signed) is int else None}


def listing_order(row: dict[str, Any]) -> tuple[str, int, str, str]:
    """`relay rejected`'s order, the same on every host that lists the same records: by
    group, then the time the record says it was signed, then its hash (then the host), never
    by when this host happened to refuse it (h-rejectedsame). A record that says no time
    comes first in its group."""
    signed = row.get("signed")
    return (str(row.get("group") or ""), signed if type(signed) is int else -1,
            str(row.get("hash") or ""), str(row.get("host") or ""))


def _handles(hub: Path, group_id: str) -> dict[str, str]:
    """Each member's handle in this host's copy of the group ({} when it is not here or
    cannot be read: the key's short form is shown alone)."""
    from peers_tui.core.errors import PeersError
    from peers_tui.core.group_store import GroupStore

    path = hub / f"{group_id}.db"
    if not path.is_file():
        return {}
    try:
        store = GroupStore(path, group_id)
        try:
            roster = store.current_roster()
        finally:
            store.close()
    except (PeersError, OSError):
        return {}
    return {user: member.handle for user, member in roster.members.items()}


def rejected_lines(hub: Path, rows: list[dict[str, Any]]) -> list[str]:
    """One line per refused record: host, group, table, record, author, reason."""
    handles: dict[str, dict[str, str]] = {}
    lines = []
    for row in rows:
        group = str(row["group"])
        if group not in handles:
            handles[group] = _handles(hub, group)
        what, author = str(row.get("type") or ""), str(row.get("author") or "")
        who = (f"{handles[group][author]} ({fingerprint(author)})" if author in handles[group]
               else fingerprint(author) if author else "?")
        record = f"{str(row.get('hash') or '')[:SHORT_HASH]} {what}".rstrip()
        restored = row.get("restored")  # refused no longer (quarantine.restore)
        mark = f"restored ({restored['how']}), was " if isinstance(restored, dict) else ""
        lines.append(inert(f"{row['host']}  {group}  {row['kind']}: {record} by {who}: "
                           f"{mark}{row['reason']}", allow_newlines=False))
    return lines


# ------------------- this host's records the hub refused (hub_refusals.py), for status and listing
# A record the hub refused that this host's relay set aside itself too (a post a cut voided,
# taken out of this host's file when the removal arrived: relay/voided.py) is one record: it
# is listed and counted once, as this host's own refusal (h-rejectedsame).
_SET_ASIDE_HERE = ("EXISTS (SELECT 1 FROM quarantine AS q WHERE q.hash = r.hash"
                   " AND q.group_id = r.group_id)")


def hub_refused_count(db: sqlite3.Connection) -> int:
    """This host's records the hub refused, every notice counted (kept or not: hub_refusals
    KEEP), but those this host's quarantine holds too: `"rejected"` counts them."""
    try:
        row = db.execute("SELECT value FROM positions WHERE key = ?", (COUNT_KEY,)).fetchone()
        both = db.execute(f"SELECT COUNT(*) FROM refused_at_hub AS r WHERE {_SET_ASIDE_HERE}"
                          ).fetchone()[0]
    except sqlite3.Error:
        return 0
    return max(0, int(row[0]) - int(both)) if row else 0


def hub_refused_rows(db: sqlite3.Connection, host: str, hub_name: str) -> list[dict[str, object]]:
    """`relay rejected`'s rows for them: this host's records, "refused by the hub X: ...",
    but those this host's quarantine holds too (listed as its own refusal)."""
    try:
        rows = db.execute("SELECT group_id, tbl, reason, at, hash, message_id, record FROM"
                          f" refused_at_hub AS r WHERE NOT {_SET_ASIDE_HERE}").fetchall()
    except sqlite3.Error:
        return []
    return [{"host": host, "group": group, "kind": table,
             "reason": f"refused by the hub {hub_name}: {reason}", "at": at, "hash": digest,
             **described(text), "refused_at_hub": True, "message_id": message_id}
            for group, table, reason, at, digest, message_id, text in rows]


__all__ = ["claims", "described", "hub_refused_count", "hub_refused_rows", "listing_order",
           "rejected_lines"]
