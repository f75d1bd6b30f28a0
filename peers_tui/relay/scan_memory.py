"""What the relay's scan keeps of one group file between its looks: the file's evidence rows
as its last look found them (evidence_view.EvidenceView) and where its void walks stopped
(walk_turns.WalkMarks). Kept with the store they were read through (the scanner's kept
connection, local.LocalScanner.store): a file opened again starts over, and what a closed
store kept goes with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence_view import EvidenceView
from peers_tui.relay.walk_turns import WalkMarks

_KEPT: WeakKeyDictionary[Any, ScanMemory] = WeakKeyDictionary()


class ScanMemory:
    def __init__(self) -> None:
        self.evidence = EvidenceView()
        self.walks = WalkMarks()
        self.finished = True  # False: a scan that began did not end (raised): start over

    @classmethod
    def of(cls, store: Any) -> ScanMemory:
        """The memory kept with this store (opened for it at its first scan)."""
        found = _KEPT.get(store)
        if found is None:
            found = _KEPT[store] = cls()
        return found

    def begin(self, store: Any, refused_here: Any) -> None:
        """At a scan's start, inside the store's session, before its walk: what was kept,
        checked against the file and the ledger (or read again)."""
        if not self.finished:
            self.evidence, self.walks = EvidenceView(), WalkMarks()
        self.finished = False
        self.walks.begin(refused_here)
        self.evidence.refresh(store.db, store.group_id)

    def finish(self, store: Any, origin: str, known: Callable[[str], bool] | None,
               through: bool) -> list[Envelope]:
        """After the scan's walk: the rows it wrote read, its marks set, and the evidence the
        federation may not have (evidence_view.EvidenceView.envelopes)."""
        self.evidence.read_after(store.db, store.group_id)
        self.walks.settle(self.evidence.holds, self.evidence.generation, through)
        found = self.evidence.envelopes(store.db, store.group_id, origin, known)
        self.finished = True
        return found


__all__ = ["ScanMemory"]
