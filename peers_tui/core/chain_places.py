"""Every author's places as a group file's chained rows state them (the author and
author_seq columns of the message and invite tables): what `peers verify` counts each chain's
gaps and crowded places from (core.audit), read by its parent while its workers judge the
rows. Inside a session of the group file.

At 1,000,000 rows this is the parent's one read of every row, on a core the workers share.
A row's values are taken as read when they have their columns' declared types (text, integer),
else converted by the models' fields, exactly as Peewee's tuples would give them; a place
counts when the author is then text and the place an integer. The rows come in the table's
scan order (its (author, author_seq) index: each author's rows one after another), text
decoded in C (core.text_in_c), and each run of one author's rows is checked and added at
once, in C (`groupby`, `map`), not row by row: the same lists, in the same order.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

from peers_tui.core.models import Invite, Message
from peers_tui.core.text_in_c import Execute, read

BATCH = 50_000  # rows held at once (1,000,000 rows' author texts at once: ~150 MB)
_AUTHOR, _SEQ = itemgetter(0), itemgetter(1)
_INT_ONLY = {int}


def chain_places(db: Any) -> dict[str, list[int]]:
    """author -> the places their rows state in the file of `db` (the models' database, in a
    session), message rows first, each table in its scan order (an author's first row
    decides their order among the keys)."""
    return read(db, _places)


def _places(execute: Execute) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for table in (Message, Invite):
        convert = (table.author.python_value, table.author_seq.python_value)
        cursor: Any = execute(f'SELECT author, author_seq FROM "{table._meta.table_name}"', ())
        while rows := cursor.fetchmany(BATCH):
            for author, run in groupby(rows, key=_AUTHOR):
                # (a run of equal authors: one str, or values of other types that compare
                # equal, 1 and 1.0, each converted as itself below)
                found = list(run)
                seqs = list(map(_SEQ, found))
                if type(author) is str and set(map(type, seqs)) <= _INT_ONLY:
                    positions.setdefault(author, []).extend(seqs)
                else:
                    _add_converted(positions, found, *convert)
    return positions


def _add_converted(positions: dict[str, list[int]], rows: list[tuple[Any, Any]],
                   author_value: Any, seq_value: Any) -> None:
    """A run with a value of another type than declared: row by row, each such row's values
    converted by the fields (a blob author reads as text, a numeric text place as a number)."""
    for author, aseq in rows:
        if type(author) is not str or type(aseq) is not int:
            author, aseq = author_value(author), seq_value(aseq)
        if isinstance(author, str) and isinstance(aseq, int) and not isinstance(aseq, bool):
            positions.setdefault(author, []).append(aseq)


__all__ = ["chain_places"]
