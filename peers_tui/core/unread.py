"""Which unread rows are genuine: what the unread and mention counts are made of.

Counts run for every group at every commit to it, over up to a thousand unread rows; checking
a row as the log does (signature, columns, author chain, role, lateness) costs ~50 µs even
with the signature cache, so a never-read group's recount would cost 50 ms. The verdicts are
therefore remembered per group, keyed by a digest of everything the verdict depends on: the
whole row, its author's previous record, and (as the generation) the membership log and the
removals this user has seen. Any change to any of these misses and is checked afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from peers_tui.core.history import HistoryReader, check_row, predecessors


class GenuineMemo:
    """The last verdicts of one group's unread rows (at most the rows of the last count)."""

    def __init__(self) -> None:
        self.generation: object = None
        self.verdicts: dict[bytes, bool] = {}

    def genuine(self, rows: Sequence[Any], reader: HistoryReader, generation: object) -> list[Any]:
        """The rows (plain tuples of every Message column, with rowid) that are genuine.

        Must run inside the store's session: a miss looks up its author's previous record.
        """
        if generation != self.generation:
            self.generation, self.verdicts = generation, {}
        chain = predecessors(list(rows))
        verdicts: dict[bytes, bool] = {}
        result = []
        for row in rows:
            key = hashlib.blake2b(repr((tuple(row), chain.get((row.author, row.author_seq - 1))
                                        if isinstance(row.author_seq, int) else None)).encode(
                "utf-8", "surrogatepass"), digest_size=16).digest()
            verdict = self.verdicts.get(key)
            if verdict is None:
                item = check_row(row, reader.roster, reader.group_id, chain)
                verdict = (item.record is not None and item.problem is None
                           and reader.late_problem(item) is None)
            verdicts[key] = verdict
            if verdict:
                result.append(row)
        self.verdicts = verdicts  # only this count's rows: memory stays bounded by its cap
        return result
