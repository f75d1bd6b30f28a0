"""A membership change as the hub's sequencer and its leaves pass it in a request or an answer
(order_service.py, head_question.py, ordering.py): one change encoded, decoded, the group's
changes from a place on, and the fields a change's text claims."""

from __future__ import annotations

import base64
import json
from typing import Any

from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import GroupMember
from peers_tui.core.raw import text_of
from peers_tui.relay.envelope import Envelope, EnvelopeError


def encode_change(envelope: Envelope) -> dict[str, Any]:
    return {"text": envelope.text, "sig": base64.b64encode(envelope.sig).decode(),
            "cosig": base64.b64encode(envelope.cosig).decode() if envelope.cosig else None}


def decode_change(group_id: str, item: Any) -> Envelope:
    """One membership change of a reply (EnvelopeError when malformed)."""
    try:
        cosig = item.get("cosig")
        return Envelope(group_id, "member", str(item["text"]), base64.b64decode(item["sig"]),
                        base64.b64decode(cosig) if cosig else None, "")
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise EnvelopeError(f"malformed change in the hub's answer ({exc})") from exc


def changes_from(store: GroupStore, seq: int, limit: int | None = None) -> list[Envelope]:
    """The group's membership changes at `seq` and after, as stored in the hub's file (the
    first `limit` of them: a page, read as such)."""
    with store.session():
        query = GroupMember.select().where(GroupMember.seq >= seq).order_by(GroupMember.seq)
        rows: list[Any] = list(query if limit is None else query.limit(limit))
    return [Envelope(store.group_id, "member", text_of(row.record), bytes(row.sig or b""),
                     bytes(row.cosig) if row.cosig else None, "") for row in rows]


def payload_of(envelope: Envelope) -> dict[str, Any]:
    """The fields a change's text claims ({} when it is not a JSON object)."""
    try:
        data = json.loads(envelope.text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


__all__ = ["changes_from", "decode_change", "encode_change", "payload_of"]
