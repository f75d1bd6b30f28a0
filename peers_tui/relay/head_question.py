"""The hub's answer to a leaf asking for its membership changes past the leaf's head, before
the leaf refuses a change that would change nothing on its own copy (the leaf's side, and why:
hub_head.py). Served on the order subject (order_service.py) with the `HEAD_AFTER` header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.join_invites import invite_records
from peers_tui.relay.order_changes import changes_from, encode_change, payload_of

HEAD_AFTER = "Peers-Head-After"  # a leaf's question: the hub's changes after this seq
MAX_CHANGES = 1000  # a leaf further behind catches up through its relay


def answer_head(store: GroupStore, hub: Path, asked: str) -> dict[str, Any]:
    """The hub's answer: its head's seq, and its changes from the leaf's head on (that one
    too: the leaf's copy of it may differ), with the invites their joins name."""
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 12:
        return {"ok": False, "reason": "not a place in the membership log"}
    head = store.current_roster().head_seq
    answer: dict[str, Any] = {"ok": True, "seq": head}
    if head > int(asked):
        changes = changes_from(store, max(1, int(asked)))[:MAX_CHANGES]
        answer["changes"] = [encode_change(e) for e in changes]
        answer["invites"] = invite_records(hub / f"{store.group_id}.db",
                                           [payload_of(e) for e in changes])
    return answer


__all__ = ["HEAD_AFTER", "MAX_CHANGES", "answer_head"]
