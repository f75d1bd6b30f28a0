"""Whether a message mentions someone: the one rule the unread counts, the group list's mark
and the log's highlight all use.

A message mentions a user when its current text holds their handle as a word (`bob`, `@bob`,
`Bob:`, in any case; not `bobby` nor `@bobcat`), or when it replies to a genuine message of
theirs. Only genuine messages are ever asked about (a forged mention never rings a bell): the
callers pass verified messages only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, cast

from peers_tui.core.kinds import RecordKind
from peers_tui.core.raw_values import open_stored
from peers_tui.core.records import RecordError
from peers_tui.core.views import MessageView


@lru_cache(maxsize=64)
def _pattern(handle: str) -> re.Pattern[str]:
    # A word: no letter, digit or underscore right before (an @ may be) or right after it.
    return re.compile(rf"(?<![\w])@?{re.escape(handle)}(?![\w])", re.IGNORECASE)


def names(body: str, handle: str | None) -> bool:
    """True when `body` holds `handle` as a word (with or without @)."""
    if not handle or not handle.strip():
        return False
    return _pattern(handle).search(body) is not None


def mentions(body: str, handle: str | None, *, reply_author_id: str | None = None,
             user_id: str | None = None) -> bool:
    """The rule: `handle` as a word in `body`, or a reply to a message by `user_id`."""
    if user_id is not None and reply_author_id == user_id:
        return True
    return names(body, handle)


def mentions_view(view: MessageView, handle: str | None, user_id: str) -> bool:
    """Whether a message as the log shows it mentions the user (for the TUI's highlight).
    Unverified and deleted messages, and the user's own, mention nobody."""
    if not view.verified or view.deleted or view.author_id == user_id:
        return False
    return mentions(view.body, handle, reply_author_id=view.reply_author_id, user_id=user_id)


def replies_to(rows: Sequence[Any], user_id: str, group_id: str) -> set[Any]:
    """The ids of the rows (genuine ones, as unread counts them) that reply to a genuine
    message by `user_id`. Runs inside the group's session."""
    from peers_tui.core.models import Message  # a read in a session: not the log's drawing
    wanted = {row.reply_to for row in rows if isinstance(row.reply_to, str)}
    if not wanted:
        return set()
    mine = set()
    query = cast("Iterable[tuple[Any, Any, Any]]", Message.select(
        Message.id, Message.record, Message.sig).where(
        Message.id.in_(list(wanted)) & (Message.author == user_id)).tuples())
    for message_id, text, sig in query:
        try:
            record = open_stored(text, sig, group_id=group_id, kind=RecordKind.MSG)
        except RecordError:
            continue
        if record.author == user_id and record.data.get("id") == message_id \
                and record.data.get("type") in ("text", "action"):
            mine.add(message_id)
    return {row.id for row in rows if row.reply_to in mine}
