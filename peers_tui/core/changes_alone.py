"""A change (edit, deletion, reaction) whose message is not in the file: a link of its author's
chain without effect, judged on its own.

A change names its message by id only. Whether that message is here says nothing of the
change: it may not have arrived yet (a backfill brings history newest-first), or it may be
void and gone for good: a post written on a host cut off from the one that removed or
demoted its author lies beyond the cut and is taken out of every file (relay/voided.py),
while a member in good standing had reacted to it there before the cut was known. No file
can tell those two apart, so validity must not depend on it (README rule 8: derived state
comes from genuine records; the change is its author's genuine record, its effect waits for
a genuine message). Judged as "changes a message that is not in the file", such a change
was refused on one host and applied on another, and held at the hub for good with every
later record of its author's behind it (docs/relay.md, "A randomized soak of three hosts").

So a change is judged by the checks it can be judged by alone (signature, columns, chain,
its author's role at the state it names: row_checks.check_row); the checks against its
message (an edit by its author only, say) are made when the message is there, by the
readers that apply it, as for any change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peers_tui.core.row_checks import window_chain

if TYPE_CHECKING:
    from peers_tui.core.history import HistoryReader


def problems_alone(reader: HistoryReader, rows: list[Any]) -> dict[str, str]:
    """message id -> reason, for the rows (changes whose message is not in the file) that
    fail their own checks; the others are genuine links of their authors' chains."""
    if not rows:
        return {}
    chain = window_chain(rows, reader.group_id)
    checked = [reader.check(row, chain) for row in rows]
    return {str(item.row.id): item.problem for item in checked if item.problem}


__all__ = ["problems_alone"]
