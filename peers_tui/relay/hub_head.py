"""A change that would change nothing, judged against the hub's membership head (h-told).

Two admins at one moment: bob on leaf B made carol a reader; alice, on a host whose file had
not yet received bob's change, made her an admin and was told "carol is already an admin:
nothing was changed", and the roster read reader a moment later. A change that changes
nothing is never ordered at the hub, so it loses no race there: it was judged on this host's
copy alone, which lags the hub's by the time a change takes to come.

Before saying "already", a leaf asks the hub for its membership changes past this file's
head (`HEAD_AFTER`, on the order subject the sequencer serves, so no new permission; the
hub's answer, head_question.py, a page of them with its head, costs it one roster read and
a page's read under its relay lock), applies them here as a stale change's are
(ordering.catch_up), asks again from there until it holds the hub's head (h-left15: a leaf
1,001 behind judged on the first 1,000), and the command judges again. Nothing to
ask on one host nor on the hub itself: its file is the order (alice there judged a moment
before bob's change was ordered, which is the order). With the hub unreachable the caller
says it judged on this host's copy.
"""

from __future__ import annotations

import time
from pathlib import Path

from peers_tui.relay.head_question import HEAD_AFTER

ASK_TIMEOUT = 2.0  # s: a command (the app's /role) waits no longer for one answer to say "already"
# ... and no longer for all the pages of a leaf far behind (each a question and an apply here)
HEAD_WAIT = 10.0


def caught_up_on_leaf(path: Path, head_seq: int) -> bool | None:
    """core.membership_order's HeadLookup on a leaf: True once this file holds the hub's
    membership changes up to its head (those it lacked applied here, a page an answer:
    head_question.py); False when the hub cannot be asked now (the link down, no answer in
    ASK_TIMEOUT, a refusal, its pages not through in HEAD_WAIT, a page that brought this file
    no further); None when no hub orders this file (not a group file the relay replicates, no
    relay, the hub)."""
    from peers_tui.core.errors import PeersError
    from peers_tui.relay.config import RelayError
    from peers_tui.relay.ordering import (
        GROUP_FILE, ask, ask_desk, catch_up, leaf_config, link_down_reason, on_leaf_desk,
        stale_changes,
    )

    hub = path.parent
    if not GROUP_FILE.match(path.stem) or path.suffix != ".db":
        return None
    config = leaf_config(hub)
    if config is None and not on_leaf_desk(hub):
        return None
    if config is not None and link_down_reason(hub) is not None:
        return False
    deadline = time.monotonic() + HEAD_WAIT
    try:
        while time.monotonic() < deadline:
            question = {HEAD_AFTER: str(head_seq)}
            if config is None:  # another Unix user's relay: through its desk
                answer = ask_desk(hub, {"op": "ask", "group": path.stem, "change": None,
                                        "headers": question}, ASK_TIMEOUT)
            else:
                answer = ask(config, path.stem, b"", question, timeout=ASK_TIMEOUT)
            if not answer.get("ok") or not isinstance(answer.get("seq"), int):
                return False
            catch_up(hub, path.stem, stale_changes(path.stem, answer))
            reached = _head_of(path)
            if reached >= answer["seq"]:
                return True
            if reached <= head_seq:  # nothing of the page went in here: the relay brings it
                return False
            head_seq = reached  # a page further: the next from there
    except (RelayError, PeersError):
        return False
    return False


def _head_of(path: Path) -> int:
    """This file's membership head as the roster replays it."""
    from peers_tui.core.group_store import GroupStore

    store = GroupStore(path, path.stem)
    try:
        return store.current_roster().head_seq
    finally:
        store.close()


__all__ = ["caught_up_on_leaf"]
