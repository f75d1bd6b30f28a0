"""The hub's answer to a leaf asking for its membership changes past the leaf's head, before
the leaf refuses a change that would change nothing on its own copy (the leaf's side, and why:
hub_head.py). Served on the order subject (order_service.py) with the `HEAD_AFTER` header.

An answer is one page: at most MAX_CHANGES changes and about PAGE_BYTES of them, read as a
page (SQL LIMIT), with the hub's head. A leaf further behind asks again from where the page
left it until it holds the head (h-left15: a leaf 1,001 changes behind was brought up to the
first 1,000 and judged "already" on that). Each page is one question, its time spent from
the asking leaf's share of the hub (order_service's order budget): a leaf cannot make the hub
read more than a page a question, nor ask faster than its share allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.join_invites import invite_records
from peers_tui.relay.order_changes import changes_from, encode_change, payload_of

HEAD_AFTER = "Peers-Head-After"  # a leaf's question: the hub's changes after this seq
MAX_CHANGES = 1000  # a page; the leaf asks again for the next
# ... and its changes' size: a role change is ~480 bytes encoded, a join more; NATS's
# max_payload (1 MB by default) must hold the answer with the invites its joins name.
PAGE_BYTES = 512 * 1024


def answer_head(store: GroupStore, hub: Path, asked: str) -> dict[str, Any]:
    """The hub's answer: its head's seq, and a page of its changes from the leaf's head on
    (that one too: the leaf's copy of it may differ), with the invites their joins name."""
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 12:
        return {"ok": False, "reason": "not a place in the membership log"}
    head = store.current_roster().head_seq
    answer: dict[str, Any] = {"ok": True, "seq": head}
    if head > int(asked):
        encoded: list[dict[str, Any]] = []
        size = 0
        changes = changes_from(store, max(1, int(asked)), limit=MAX_CHANGES)
        for envelope in changes:
            item = encode_change(envelope)
            size += len(item["text"]) + len(item["sig"]) + len(item["cosig"] or "")
            if encoded and size > PAGE_BYTES:
                break
            encoded.append(item)
        answer["changes"] = encoded
        answer["invites"] = invite_records(hub / f"{store.group_id}.db",
                                           [payload_of(e) for e in changes[:len(encoded)]])
    return answer


__all__ = ["HEAD_AFTER", "MAX_CHANGES", "PAGE_BYTES", "answer_head"]
