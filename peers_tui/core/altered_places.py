"""A record whose predecessor's place holds a row in this file, none of it its author's record:
the log says that place is altered or forged here, not deleted.

The chain rule reads a place whose rows all fail their checks as empty, and its next record by
that author failed with "an earlier record by this author is missing (history deleted)" in
`peers log` and the TUI, though the row is there, altered or forged in this file (twenty-ninth
session; `peers verify` says so since h-accept4, core.altered_before). Only the words change:
the record is refused exactly as before. Asked only for records refused that way (never for a
genuine history), through core.window_reads, so the first frame's plain reads answer it too.
"""

from __future__ import annotations

DELETED = "an earlier record by this author is missing (history deleted)"  # core.chain_rules
ALTERED = "the record before it by this author is altered or forged in this file (not deleted)"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from peers_tui.core.row_checks import Checked
    from peers_tui.core.window_reads import WindowReads


def retold(items: list[Checked], reads: WindowReads) -> list[Checked]:
    """`items` with each "history deleted" whose predecessor's place holds a row here told as
    altered or forged."""
    wanted: dict[int, tuple[str, int]] = {}
    for index, item in enumerate(items):
        if item.problem != DELETED:
            continue
        author, seq = item.row.author, item.row.author_seq
        if isinstance(author, str) and type(seq) is int:
            wanted[index] = (author, seq - 1)
    if not wanted:
        return items
    held = reads.held(set(wanted.values()))
    if not held:
        return items
    told = list(items)
    for index, place in wanted.items():
        if place in held:
            item = items[index]
            told[index] = type(item)(item.row, item.record, ALTERED)
    return told


__all__ = ["ALTERED", "DELETED", "retold"]
