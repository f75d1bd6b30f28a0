"""Which of a group's message records a join's backfill reads itself, so that a leaf's intake
passes over them.

A new leaf's relay reads the federation stream from its start, passing over every group it
has no file of. If `peers join` makes a group's file while the relay is still catching up, the
intake then meets that group's history oldest first, beside the join's walk newest first
(relay/backfill.py). Applying it there is not only twice the work: each such batch lowers the
authors' floors (core/frontier.py) far below the walk, so the walk's own pages lack
predecessors that are now "received", wait in the ledger, and are applied again with every
batch (measured: 20,000 records waiting at once in a 100,000-message join). Everything at or
below the position the join read up to reaches the file through the join and its walk; the
intake applies only what lies above it (and every membership change and invite, which the
walk also reads whole: those are duplicates at worst).
"""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.errors import PeersError
from peers_tui.relay import backfill_state


class WalkReach:
    """Per group file: the position its join's walk reads up to (0: no walk)."""

    def __init__(self, hub: Path) -> None:
        self.hub = hub
        self._known: dict[str, tuple[int, int]] = {}  # group id -> (file's inode, reach)

    def reach(self, group_id: str) -> int:
        """Read once per file: `peers join` links a new file whole (a new inode), and a walk's
        reach never moves. After the walk it still holds: what lies at or below it is here."""
        try:
            inode = (self.hub / f"{group_id}.db").stat().st_ino
        except OSError:
            return 0  # no file: the intake passes over the group anyway
        known = self._known.get(group_id)
        if known is not None and known[0] == inode:
            return known[1]
        try:
            reach = backfill_state.read_file(self.hub, group_id, backfill_state.reach)
        except PeersError:
            return 0  # damaged or busy: looked at again with the next batch
        self._known[group_id] = (inode, reach)
        return reach
