"""The crowded places among a window's (core.forks) found from the few rows that can crowd
them, where the file's message table keeps one row a place.

core.forks.crowded_places asks which of a window's places more than one row of the chained
tables claims: a query joining the asked places with the message, invite and fork_evidence
tables, ~0.3 ms for a window of a 1,000,000-message group (most of it the lookups in the
message table's index), at every window judged. When the message table has the unique
index on exactly (author, author_seq) that peers creates (SQLite refuses a second row at a
place then), a place can only be crowded if an invite or a piece of fork evidence claims it.
Those are few: the crowded places of the whole file are read from them (~15 us with the
checks), and a window's are that set intersected with its places. The same answer: the
rule is the same, only the rows that cannot crowd a place are not looked at.

The index is recognised by its exact definition in the schema; anything else (dropped,
partial, on other columns, with a collation) is asked the long way, as is a file with more
than FEW invites and evidence rows (reading them all would cost more than the window's
lookups). Like every index lookup of the long way, this trusts the file's index to hold its
table's rows (a file whose index lies is damaged: `PRAGMA integrity_check` says so).
"""

from __future__ import annotations

import sqlite3

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lean send path)
if TYPE_CHECKING:
    Place = tuple[str, int]

# Beyond this many invite and evidence rows, reading the crowded places among all of them
# costs more than the long way's lookups for a window.
FEW = 200
# The index as peers creates it (core.models.Message, Meta.indexes): one row a place.
UNIQUE_PLACE_INDEX = ('CREATE UNIQUE INDEX "message_author_author_seq" ON "message"'
                      ' ("author", "author_seq")')
_HAS_INDEX = ("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message'"
              " AND sql = ?")
_FEW_ROWS = ("SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM invite LIMIT ?))"
             " + (SELECT COUNT(*) FROM (SELECT 1 FROM fork_evidence LIMIT ?))")
# The places an invite or a piece of evidence claims that more than one row claims.
# (A subquery, not a CTE: the authorizer of every connection, core.database.files.
# refuse_planted_sql, refuses any access a named CTE, view or trigger makes.)
_CROWDED = (
    "SELECT p.author, p.seq FROM (SELECT author, author_seq AS seq FROM invite"
    " UNION SELECT author, author_seq FROM fork_evidence) AS p WHERE"
    " (SELECT COUNT(*) FROM invite AS t WHERE t.author = p.author AND t.author_seq = p.seq)"
    " + (SELECT COUNT(*) FROM fork_evidence AS t"
    " WHERE t.author = p.author AND t.author_seq = p.seq)"
    " + (SELECT COUNT(*) FROM message AS t WHERE t.author = p.author AND t.author_seq = p.seq)"
    " > 1")


def one_row_a_place(conn: sqlite3.Connection) -> bool:
    """Whether the message table has peers' unique index on (author, author_seq)."""
    return bool(conn.execute(_HAS_INDEX, (UNIQUE_PLACE_INDEX,)).fetchone()[0])


def crowded_in_file(conn: sqlite3.Connection) -> set[Place] | None:
    """Every place of the file that more than one row claims, or None where the caller must
    ask the long way. Empty in every file nobody forked: then no window needs to sort out
    which of its places to ask about (core.forks.crowded_places)."""
    if not one_row_a_place(conn):
        return None
    if conn.execute(_FEW_ROWS, (FEW + 1, FEW + 1)).fetchone()[0] > FEW:
        return None
    return {(author, seq) for author, seq in conn.execute(_CROWDED)}


def crowded_among(conn: sqlite3.Connection, asked: list[Place]) -> set[Place] | None:
    """Those of `asked` (valid places: core.forks._asked) that more than one row claims, or
    None where the caller must ask the long way."""
    crowded = crowded_in_file(conn)
    if crowded is None:
        return None
    return crowded.intersection(asked) if crowded else set()


__all__ = ["FEW", "UNIQUE_PLACE_INDEX", "crowded_among", "crowded_in_file", "one_row_a_place"]
