"""Export of a group's history as JSON lines: what `peers import` reads back
(core/transfer.py), each message verified by the reader's own rules, edits applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from peewee import SQL

from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.models import Message
from peers_tui.core.times import iso_utc_or_none
from peers_tui.core.views import MessageView


def export_views(store: GroupStore, batch: int = 2000) -> Iterator[MessageView]:
    """Every message in order, verified, with edits applied (deleted ones left out)."""
    # Paged by id as stored, compared byte for byte: an id read back decoded (text that is not
    # UTF-8) or of another type (a BLOB sorts after all text) would page the same rows again
    # for ever. Ids that are not text are junk, never a message: `peers verify` lists them.
    after = b""
    roster = store.roster()
    while True:
        with store.session():
            rows = list(Message.with_rowid()
                        .select_extend(SQL("CAST(id AS BLOB)").alias("raw_id"))
                        .where(Message.target.is_null() & SQL("typeof(id) = 'text'")
                               & (Message.id > SQL("CAST(? AS TEXT)", [after])))
                        .order_by(Message.id).limit(batch))
            if not rows:
                return
            views = HistoryReader(roster, store.group_id).views(rows)
        after = bytes(getattr(rows[-1], "raw_id"))  # the alias selected above
        for view in views:
            if not view.deleted and view.kind in ("text", "action", "imported"):
                yield view


def export_record(view: MessageView, orig_id: str | None) -> dict[str, Any]:
    """One exported line: what `import` reads back (id, author, body, created_at) and more."""
    return {"id": orig_id or view.id, "author": view.author, "body": view.body,
            "created_at": iso_utc_or_none(view.created_at), "kind": view.kind,
            "reply_to": view.reply_to, "edited": view.edited, "verified": view.verified}


def write_jsonl(store: GroupStore, out: TextIO) -> int:
    count = 0
    for view in export_views(store):
        orig = None
        if view.imported:
            with store.session():
                row = Message.get_or_none(Message.id == view.id)
                orig = row.orig_id if row else None
        out.write(json.dumps(export_record(view, orig), ensure_ascii=True) + "\n")
        count += 1
    return count


__all__ = ["export_record", "export_views", "write_jsonl"]
