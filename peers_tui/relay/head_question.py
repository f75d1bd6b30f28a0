"""The hub's answer to a leaf asking for its membership changes past the leaf's head, before
the leaf refuses a change that would change nothing on its own copy (the leaf's side, and why:
hub_head.py), or to bring its copy on to the hub's head after a stale answer's first page
(h-stale). Served on the order subject (order_service.py) with the `HEAD_AFTER` header.

An answer is one page (change_pages.py: at most 1,000 changes and ~512 KB of them, read as a
page) with the hub's head. A leaf further behind asks again from where the page left it until
it holds the head (h-left15: a leaf 1,001 changes behind was brought up to the first 1,000
and judged "already" on that). Each page is one question, its time spent from the asking
leaf's share of the hub (order_service's order budget): a leaf cannot make the hub read more
than a page a question, nor ask faster than its share allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.change_pages import page_from

HEAD_AFTER = "Peers-Head-After"  # a leaf's question: the hub's changes after this seq


def answer_head(store: GroupStore, hub: Path, asked: str) -> dict[str, Any]:
    """The hub's answer: its head's seq, and a page of its changes from the leaf's head on
    (that one too: the leaf's copy of it may differ), with the invites their joins name."""
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 12:
        return {"ok": False, "reason": "not a place in the membership log"}
    head = store.current_roster().head_seq
    answer: dict[str, Any] = {"ok": True, "seq": head}
    if head > int(asked):
        answer.update(page_from(store, hub, int(asked)))
    return answer


__all__ = ["HEAD_AFTER", "answer_head"]
