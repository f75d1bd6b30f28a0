"""The membership log as each host's peers judges it: its head (place and hash of the newest
change that counts) must be one on every host, whatever was forged into one host's file or
published; and the outcome of a race (forge_changes' `fork_race`): a change written straight
into a file that took its place on every host is genuine, not forged."""

from __future__ import annotations

import sqlite3
from typing import Any

from peers_tui.core.group_store import GroupStore
from scripts.soak.hosts import groups, hosts


def head(h: Any, gid: str) -> tuple[int, str] | str:
    """(seq, hash) of the head that `h`'s file gives, replayed by peers' own rules."""
    store = GroupStore(h.hub / f"{gid}.db", gid)
    try:
        roster = store.current_roster()
        return roster.head_seq, roster.head_hash
    except Exception as exc:  # noqa: BLE001 - reported as a difference, with its reason
        return f"{exc.__class__.__name__}: {exc}"
    finally:
        store.close()


def heads_differ() -> list[str]:
    problems = []
    for g, gid in groups.items():
        found = {h.name: head(h, gid) for h in hosts}
        if len({str(v) for v in found.values()}) != 1:
            problems.append(f"{g}: membership heads differ: {found}")
    return problems


def in_log(h: Any, gid: str, text: str) -> bool:
    conn = sqlite3.connect(f"file:{h.hub / f'{gid}.db'}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT 1 FROM group_members WHERE record = ?", (text,)).fetchone() is not None
    finally:
        conn.close()


def race_won(forged: list[dict[str, Any]]) -> None:
    """Mark a race's change `genuine` once every host's log holds it."""
    for e in forged:
        if e.get("race") and not e.get("genuine") and all(in_log(h, e["gid"], e["text"]) for h in hosts):
            e["genuine"] = True
