"""History a join received: rows of a group file that are not news to anyone on this host.

When a host joins a group already under way (`peers join` through the relay, core/frontier.py),
its file receives the group's history newest first: the newest page with the join, the rest
page by page behind it. Unread is by arrival (rowid, core/unread.py), so every page landing
after the newest screen would count as unread, and every @mention in it as a mention. Counting
by message id instead would stop counting what arrives late from a host that was cut off: those
records carry old ids but are news.

**The rule: a message row is history when it holds a record of the hub's message stream at or
below the position where the join read it (the records the hub held when this host joined),
brought by the join itself or by the relay's backfill walk. Every other row is news, by arrival
as before: what the live stream applies (also during the walk, also with an old id), the
records that reached the hub after the join read it (the walk's first step), local writes.**
History can be scrolled back through; it is never unread nor a mention, nor an "earlier
messages arrived" note.

How the file says so, in two tables of its own (created by the first join that needs them and
never dropped: they must outlive the frontier, and every reader on the host sees them):
- `joined_history_ids (id, top)`: the message ids of a page about to be applied. The walk
  names the page (`name_page`, in memory) and the apply writes the names in its own
  transaction with the top its rows went above (`write_named`, from relay/apply.py): no reader ever sees a
  page's rows unmarked (a count in between would flash a thousand unread and ring the bell
  for old mentions), and the walk adds no commit of its own (one before each page made the
  relay's scanner see another writer, look at the file again after every page and remember
  every backfilled hash as known). With each id the file's top rowid then: only a row stored
  after it is history. A record the file already held (a host that had the group, where
  someone joins again) stays what it was: the marks are the file's, shared by every user of
  the host, and another user's unread must not change because someone joined;
- `joined_history (lo, hi)`: rowid ranges of history rows, which those ids are folded into
  by the commit that lowers the walk's position after the page (`settle`), so the table stays
  a few rows however long the history; the ids left (records not stored: refused, or waiting
  for a predecessor) stay named, and count as history whenever they are stored.
A relay restarted between the page's commit and the position's reads the page again (its position did not move)
and settles it then; a row the walk deletes at the top of the table gives its rowid to the
next row stored, so every deletion trims the ranges to the new top (`forget_above`, from
relay/deleted_tops.py).

Functions here take the group file's connection, inside the caller's session.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from peers_tui.core.opened_records import opened

RANGES = "joined_history"
IDS = "joined_history_ids"
SCHEMA = (f"CREATE TABLE IF NOT EXISTS {RANGES} (lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL)",
          f"CREATE TABLE IF NOT EXISTS {IDS} (id TEXT PRIMARY KEY, top INTEGER NOT NULL)"
          " WITHOUT ROWID")
# The rows stored for the expected ids (after the expectation) and not yet in a range, as
# runs of consecutive rowids (gaps and islands: rowid - its rank is constant along a run).
_RUNS = (f"SELECT MIN(r), MAX(r) FROM (SELECT m.rowid AS r, m.rowid - ROW_NUMBER() OVER"
         f" (ORDER BY m.rowid) AS run FROM {IDS} AS e CROSS JOIN message AS m ON m.id = e.id"
         f" AND m.rowid > e.top WHERE NOT EXISTS (SELECT 1 FROM {RANGES} AS h"
         f" WHERE h.lo = (SELECT MAX(lo) FROM {RANGES} WHERE lo <= m.rowid) AND h.hi >= m.rowid))"
         " GROUP BY run ORDER BY 1")
NO_LIMIT = 2 ** 63 - 1


def present(db: Any) -> bool:
    """Whether the file holds history marks (one look at its schema)."""
    return db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (RANGES,)).fetchone() is not None


def expect(db: Any, record_texts: Iterable[str], top: int | None = None) -> None:
    """Name the messages of a page about to be applied as history (its own transaction, before
    the page's: see the module's docstring). `top`: the file's top rowid before the page's
    rows (read now when None). A text this process opened already (core.opened_records: the
    apply opens every record of a page) gives its id as parsed; SQLite reads the others'."""
    for statement in SCHEMA:
        db.execute_sql(statement)
    if top is None:
        top = top_rowid(db)
    ids, unopened = [], []
    for text in record_texts:
        found = opened(text)
        message_id = found[0].data.get("id") if found is not None else None
        if isinstance(message_id, str):
            ids.append((message_id, top))
        else:
            unopened.append((text, top))
    # OR IGNORE: a page read again after a restart keeps the position it was first named at.
    db.cursor().executemany(f"INSERT OR IGNORE INTO {IDS} (id, top) VALUES (?, ?)", ids)
    # Parsing twice in SQLite (json_valid, json_extract) was ~8 % of a backfill's event loop.
    db.cursor().executemany(
        f"INSERT OR IGNORE INTO {IDS} (id, top) SELECT id, ?2 FROM (SELECT CASE WHEN"
        " json_valid(?1) THEN json_extract(?1, '$.id') END AS id) WHERE typeof(id) = 'text'",
        unopened)


def top_rowid(db: Any) -> int:
    return int(db.execute_sql("SELECT COALESCE(MAX(rowid), 0) FROM message").fetchone()[0])


_named: dict[str, list[str]] = {}  # group id -> record texts of pages named, not yet settled
_named_lock = threading.Lock()


def name_page(group_id: str, record_texts: list[str]) -> None:
    """Name a page of the group's messages as history: the next apply to the group writes the
    names in its transaction (`write_named`), until a `settle` of the group forgets them."""
    with _named_lock:
        _named.setdefault(group_id, []).extend(record_texts)


def write_named(db: Any, group_id: str, top: int | None = None) -> None:
    """Write the names of the group's pages (inside the apply's transaction; `top`, the file's
    top rowid before the apply's rows, when written after them: the relay's apply writes them
    once it has opened the page's records, see `expect`). Kept until settled: an apply that
    rolls back loses nothing, and writing twice is one."""
    with _named_lock:
        texts = list(_named.get(group_id, ()))
    if texts:
        expect(db, texts, top)


def any_named(group_id: str) -> bool:
    """Whether pages of the group are named and not yet settled."""
    with _named_lock:
        return bool(_named.get(group_id))


def settle(db: Any, group_id: str | None = None) -> None:
    """Fold the expected ids that are stored now into rowid ranges (inside the caller's
    transaction), joining ranges that touch; the group's pages named in memory are done."""
    if group_id is not None:
        with _named_lock:
            _named.pop(group_id, None)
    if not present(db):
        return
    for lo, hi in db.execute_sql(_RUNS).fetchall():
        below = db.execute_sql(f"SELECT lo FROM {RANGES} WHERE hi = ?", (lo - 1,)).fetchone()
        above = db.execute_sql(f"SELECT hi FROM {RANGES} WHERE lo = ?", (hi + 1,)).fetchone()
        if above is not None:
            db.execute_sql(f"DELETE FROM {RANGES} WHERE lo = ?", (hi + 1,))
            hi = int(above[0])
        if below is not None:
            db.execute_sql(f"UPDATE {RANGES} SET hi = ? WHERE lo = ?", (hi, int(below[0])))
        else:
            db.execute_sql(f"INSERT INTO {RANGES} (lo, hi) VALUES (?, ?)", (lo, hi))
    # EXISTS, not IN (SELECT id FROM message): that would list every id of the file.
    db.execute_sql(f"DELETE FROM {IDS} WHERE EXISTS (SELECT 1 FROM message AS m"
                   f" WHERE m.id = {IDS}.id)")


def forget_above(db: Any, top: int) -> None:
    """Rows above `top` were deleted: their rowids go to the next rows stored, which are news
    (call inside the deleting transaction)."""
    if present(db):
        db.execute_sql(f"DELETE FROM {RANGES} WHERE lo > ?", (top,))
        db.execute_sql(f"UPDATE {RANGES} SET hi = ? WHERE hi > ?", (top, top))


def news_spans(db: Any, after: int) -> list[tuple[int, int]] | None:
    """The rowid spans after `after` that hold no history range, newest first; None when the
    file has no history marks (every row is news)."""
    if not present(db):
        return None
    spans: list[tuple[int, int]] = []
    start = after + 1
    for lo, hi in db.execute_sql(f"SELECT lo, hi FROM {RANGES} WHERE hi >= ? ORDER BY lo",
                                 (start,)).fetchall():
        if lo > start:
            spans.append((start, lo - 1))
        start = max(start, hi + 1)
    spans.append((start, NO_LIMIT))
    spans.reverse()
    return spans


def among(db: Any, rowids: list[int]) -> set[int]:
    """Which of `rowids` are history rows (for the live feed: a page received while the log
    shows the top is no "earlier messages arrived" note)."""
    if not rowids or not present(db):
        return set()
    low, high = min(rowids), max(rowids)
    ranges = db.execute_sql(f"SELECT lo, hi FROM {RANGES} WHERE hi >= ? AND lo <= ?",
                            (low, high)).fetchall()
    named = {int(r) for (r,) in db.execute_sql(
        f"SELECT m.rowid FROM {IDS} AS e JOIN message AS m ON m.id = e.id"
        " AND m.rowid > e.top WHERE m.rowid BETWEEN ? AND ?", (low, high)).fetchall()}
    return {r for r in rowids if r in named or any(lo <= r <= hi for lo, hi in ranges)}

