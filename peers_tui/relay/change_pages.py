"""A page of the hub's membership changes from a place on: what the hub sends a leaf that
lacks them, in both answers that carry them, one place for both: a leaf's head question
(head_question.py, before it refuses a change that would change nothing) and a leaf's change
signed against an older head than the hub's ("stale": order_service.py).

A page is at most MAX_CHANGES changes and about PAGE_BYTES of them, read as a page (SQL
LIMIT), with the invites their joins name, so NATS's max_payload (1 MB by default) holds it;
the leaf asks on from where a page left it until it holds the hub's head (hub_head.py). The
stale answer carried every change from the leaf's place until h-stale: a leaf more than ~1 MB
of changes behind was owed an answer the hub could not publish, and was told nothing (its
wait ran out, said as the hub not answering)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.join_invites import invite_records
from peers_tui.relay.order_changes import changes_from, encode_change, payload_of

MAX_CHANGES = 1000  # a page; the leaf asks again for the next
# ... and its changes' size: a role change is ~480 bytes encoded, a join ~780 (a handle, its
# invite, a countersignature); the answer must hold them with the invites its joins name.
PAGE_BYTES = 512 * 1024


def page_from(store: GroupStore, hub: Path, seq: int) -> dict[str, Any]:
    """The first page of the hub's changes at `seq` and after, encoded ("changes"), and the
    invites their joins name ("invites"): the leaf may not have them yet."""
    encoded: list[dict[str, Any]] = []
    size = 0
    changes = changes_from(store, max(1, seq), limit=MAX_CHANGES)
    for envelope in changes:
        item = encode_change(envelope)
        size += len(item["text"]) + len(item["sig"]) + len(item["cosig"] or "")
        if encoded and size > PAGE_BYTES:
            break
        encoded.append(item)
    return {"changes": encoded,
            "invites": invite_records(hub / f"{store.group_id}.db",
                                      [payload_of(e) for e in changes[:len(encoded)]])}


__all__ = ["MAX_CHANGES", "PAGE_BYTES", "page_from"]
