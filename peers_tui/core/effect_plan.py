"""Which of the records aimed at a window's messages a read judges (issue 15: many records
aimed at one message).

Of one author's changes of one message only one can hold: for each (author, message, emoji)
the reaction furthest along the author's chain (core.reactions), for each (author, message)
the last edit by id (core.history applies edits in id order; only the message's author may
edit it), and any one deletion. A read therefore judges, in each such group, the record that
would hold, then the next one only when that fails its checks, and so on: the outcome is the
one judging every record gives, and 2,000 toggles of one 👍 cost one judged record, not
2,000. Candidates go in rounds (1, 2, 4, ... a group) so that a group of many records that
fail costs a few rounds of lookups, not one a record. A record that cannot be genuine by its
structure alone (its text not a record of this group, its columns not its record's: core.
row_checks.structure_problem) is refused before any signature check and does not use up a
round's place.

Rows below the one that holds are left unjudged: whatever they are, they change nothing.
They are named (`skipped`) so that nothing takes them for verified (core.pins pins the
chain heads of verified changes). `peers verify` and the relay judge every record
(HistoryReader.judge with every=True): they must name each forged one.

Groups are keyed by the row's columns: a genuine row's columns are its record's (check_row
refuses any other), so every genuine record is in its true group, and a row whose columns
lie is refused wherever it is.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing (`peers send` reads core.plain_rows)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Key:
    """What groups a change row, read without its record (WindowReads.effect_keys): a
    window's read fetches whole only the rows it judges. As the models convert them."""

    __slots__ = ("rowid", "id", "author", "author_seq", "kind", "target", "body")

    def __init__(self, rowid: Any, id: Any, author: Any, author_seq: Any, kind: Any,
                 target: Any, body: Any) -> None:
        self.rowid, self.id, self.author, self.author_seq = rowid, id, author, author_seq
        self.kind, self.target, self.body = kind, target, body


def _group(row: Any) -> tuple[Any, ...] | None:
    """The group of a change row, or None when its columns cannot name one (judged always)."""
    author, target, kind = row.author, row.target, row.kind
    if not isinstance(author, str) or not isinstance(target, str) or not isinstance(kind, str):
        return None
    if kind == "react":
        if type(row.author_seq) is not int or not isinstance(row.body, str):
            return None
        return (author, target, kind, row.body)
    return (author, target, kind)


class EffectPlan:
    """The change rows of a window (in id order) in their groups, each in the order its
    records are judged: reactions by chain place, newest first; edits and deletions by id,
    last first. `fetch(indices)` gives the whole rows of those indices."""

    def __init__(self, keys: list[Any], fetch: Callable[[list[int]], dict[int, Any]]) -> None:
        self.keys, self.fetch = keys, fetch
        self.queues: dict[tuple[Any, ...], list[int]] = {}
        always: list[int] = []  # rows whose columns name no group: each one judged
        for index, row in enumerate(keys):
            key = _group(row)
            if key is None:
                always.append(index)
            else:
                self.queues.setdefault(key, []).append(index)
        for key, queue in self.queues.items():
            if key[2] == "react":  # stable: by id among equal places
                queue.sort(key=lambda index: keys[index].author_seq)
            # The next candidate is popped from the end: the furthest along (by id for edits).
        self.first: list[int] = always
        self.open: dict[int, tuple[Any, ...]] = {}  # a candidate out -> its group
        self.skipped: list[int] = []

    def take(self, per_group: int, refused: Callable[[Any], str | None],
             verdicts: dict[int, str | None], rows: dict[int, Any]) -> list[int]:
        """Up to `per_group` candidates of each group still open (and every row of no group,
        the first time), their whole rows put in `rows`. A row `refused` by its structure
        gets its reason in `verdicts` at once and its group's next candidates are fetched in
        its place (twice as many each pass: junk costs a few reads, not one a row)."""
        wanted = {key: per_group for key in self.queues}
        popped: list[tuple[int, tuple[Any, ...] | None]] = [(index, None) for index in self.first]
        self.first = []
        batch: list[int] = []
        while wanted or popped:
            for group, count in wanted.items():
                queue = self.queues[group]
                popped += [(queue.pop(), group) for _ in range(min(count, len(queue)))]
            rows.update(self.fetch([index for index, _ in popped]))
            wanted = {}
            for index, key in popped:
                if index not in rows:
                    continue  # gone from the file since its key was read
                problem = refused(rows[index])
                if problem:
                    verdicts[index] = problem
                    if key is not None and self.queues[key]:
                        wanted[key] = wanted.get(key, 0) + 2
                else:
                    batch.append(index)
                    if key is not None:
                        self.open[index] = key
            popped = []
        return sorted(batch)

    def settle(self, verdicts: dict[int, str | None], hopeless: set[int],
               dead: set[str]) -> None:
        """Close each group one of whose candidates out holds, or whose `hopeless` candidate
        showed none of it can (an edit by someone other than the message's author), and
        every group aimed at a `dead` message (one no change can touch): the rest of each is
        skipped, as it could change nothing."""
        held = {key for index, key in self.open.items()
                if index in hopeless or (index in verdicts and verdicts[index] is None)}
        held.update(key for key in self.queues if key[1] in dead)
        self.open = {}
        for key in held:
            self.skipped.extend(self.queues.pop(key, ()))
        for key in [key for key, queue in self.queues.items() if not queue]:
            del self.queues[key]


__all__ = ["EffectPlan", "Key"]
