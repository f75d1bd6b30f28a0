"""The line above the oldest message received while a joined group's history still arrives
newest first (core/frontier.py): "earlier history not yet received (N of M)", instead of
the top of the history, so that nothing reads as missing or deleted."""

from __future__ import annotations

from typing import cast

from peers_tui.core.errors import PeersError


def frontier_note(source: object) -> str | None:
    """The line's text for the group `source` shows, or None when its history is complete.
    Read in the log's fetch thread (and after live batches while a backfill runs)."""
    if not hasattr(source, "session"):
        return None
    from peers_tui.core.frontier import Sessions, of  # the models: a store's are loaded
    try:
        state = of(cast(Sessions, source))
    except PeersError:
        return None
    return state.note.strip("— ") if state is not None else None
