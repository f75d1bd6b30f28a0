"""A change that would change nothing, judged against the hub's membership head (h-told).

Two admins at one moment: bob on leaf B made carol a reader; alice, on a host whose file had
not yet received bob's change, made her an admin and was told "carol is already an admin:
nothing was changed", and the roster read reader a moment later. A change that changes
nothing is never ordered at the hub, so it loses no race there: it was judged on this host's
copy alone, which lags the hub's by the time a change takes to come.

Before saying "already", a leaf asks the hub for its membership changes past this file's
head (`HEAD_AFTER`, on the order subject the sequencer serves, so no new permission; the
hub's answer, head_question.py, costs it one roster read under its relay lock), applies them
here as a stale change's are (ordering.catch_up), and the command judges again. Nothing to
ask on one host nor on the hub itself: its file is the order (alice there judged a moment
before bob's change was ordered, which is the order). With the hub unreachable the caller
says it judged on this host's copy.
"""

from __future__ import annotations

from pathlib import Path

from peers_tui.relay.head_question import HEAD_AFTER

ASK_TIMEOUT = 2.0  # s: a command (the app's /role) waits no longer to say "already"


def caught_up_on_leaf(path: Path, head_seq: int) -> bool | None:
    """core.membership_order's HeadLookup on a leaf: True once this file holds the hub's
    membership changes up to its head (those it lacked applied here); False when the hub
    cannot be asked now (the link down, no answer in ASK_TIMEOUT, a refusal); None when no
    hub orders this file (not a group file the relay replicates, no relay, the hub)."""
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
    question = {HEAD_AFTER: str(head_seq)}
    try:
        if config is None:  # another Unix user's relay: through its desk
            answer = ask_desk(hub, {"op": "ask", "group": path.stem, "change": None,
                                    "headers": question}, ASK_TIMEOUT)
        elif link_down_reason(hub) is not None:
            return False
        else:
            answer = ask(config, path.stem, b"", question, timeout=ASK_TIMEOUT)
        if not answer.get("ok"):
            return False
        catch_up(hub, path.stem, stale_changes(path.stem, answer))
    except (RelayError, PeersError):
        return False
    return True


__all__ = ["caught_up_on_leaf"]
