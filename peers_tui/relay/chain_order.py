"""An invite goes out no earlier than its author's messages before it in their chain.

A scan of this host's file (relay/rows.py) reads every new invite but only `SCAN_LIMIT`
messages a look. An invite signed after messages the look does not reach (an import of 20,000,
then an invite: alice's `big4` in the eighth acceptance pass, docs/relay.md) went out with the
first of them, so the federation stream held it ahead of its own predecessor. A host applying
the stream in order holds it until that arrives; a join reads the invites whole and the newest
page of messages, and applied it with its predecessor neither there nor below the frontier:
its file's own rules then called the invite deleted history until the rest came. So a look
that stops at its limit leaves such an invite, and every invite after it, for a later look.
"""

from __future__ import annotations

from typing import Any

# Down the author's chain from the invite's place (their (author, author_seq) index): the
# message just before it is the one usually left, found at the first step.
_EARLIER_LEFT = ("SELECT 1 FROM message WHERE author = ? AND author_seq < ? AND rowid > ?"
                 " ORDER BY author_seq DESC LIMIT 1")


def sent_now(db: Any, invites: list[Any], reached: int) -> list[Any]:
    """The invite rows (in id order) this look sends: those before the first whose author
    has a message row earlier in their chain past `reached` (the look's message position)."""
    for index, row in enumerate(invites):
        author, aseq = row.author, row.author_seq
        if isinstance(author, str) and isinstance(aseq, int) and db.execute_sql(
                _EARLIER_LEFT, (author, aseq, reached)).fetchone() is not None:
            return invites[:index]
    return invites


__all__ = ["sent_now"]
