"""Below a cut, the chain it names (README rule 4; docs/relay.md "Eleventh attack pass").

A removal, demotion or leave names the last record of the member's chain its signer had seen
(its place and hash); that record names its predecessor's hash, and so on down: the cut fixes
every record of the member's chain below it. A record of theirs at one of those places that
is not the one the chain holds was signed beside it, after the cut for all a reader can tell
(the member kept the key, not the authority). Before, such a record was a fork of the genuine
one (core.forks): a removed admin who signed one record at the place of an invite they had
made voided the invite, so the join that used it no longer counted, and with it every later
change of the log (the log has no gaps), their own removal included: an admin again. A
removed writer voided any of their old messages, edits and deletions the same way.

So each cut's chain is walked down from the record it names, by the hashes the records carry
(the texts, whatever their signatures: a hash names one text), as far as the file holds it;
Roster.cut_problem voids a record off it, and Roster.beyond_cut makes that record no half of a
fork. Only an author with a crowded place (two rows at one place, in any chained table) at or
below a cut of theirs is walked: elsewhere there is no second record to void or to be voided.
"""

from __future__ import annotations

import json

from peers_tui.core.encoding import record_hash
from peers_tui.core.raw_values import text_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lean send path)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from peers_tui.core.roster import Roster

    Execute = Callable[[str, tuple[Any, ...]], Iterable[tuple[Any, ...]]]

_TABLES = ("message", "invite", "fork_evidence")
_BELOW = " UNION ALL ".join(f"SELECT author_seq, record FROM {table} WHERE author = ?1"
                            " AND author_seq BETWEEN 1 AND ?2" for table in _TABLES)
# The message table holds one row a place (its unique index), so a crowded place holds an
# invite or evidence row: looked up from those few rows, not the author's every message.
CROWDED = ("SELECT 1 FROM (SELECT author_seq AS seq FROM invite WHERE author = ?1 AND author_seq"
           " BETWEEN 1 AND ?2 UNION ALL SELECT author_seq FROM fork_evidence WHERE author = ?1"
           " AND author_seq BETWEEN 1 AND ?2) AS s WHERE " + " + ".join(
               f"(SELECT COUNT(*) FROM {table} WHERE author = ?1 AND author_seq = s.seq)"
               for table in _TABLES) + " > 1 LIMIT 1")
ROWS = _BELOW


def fill(roster: Roster, execute: Execute, authors: Iterable[str] = ()) -> None:
    """Walk the chain below each cut of an author with a crowded place under it (after the
    log's replay, on the file it was replayed from), and of `authors` whatever their places
    (a record of theirs arriving where one is stored: relay.batch_admit), once."""
    forced = set(authors)
    for author, cuts in roster.cuts.items():
        top = max((cut.aseq for cut in cuts), default=0)
        if top < 2 or (author in forced and all(
                (author, cut.seq) in roster.cut_chains for cut in cuts)):
            continue
        if author not in forced and not list(execute(CROWDED, (author, top))):
            continue
        links: dict[str, tuple[Any, Any]] = {}  # hash -> (place, predecessor's hash) as signed
        for _, text in execute(ROWS, (author, top)):
            data = _data(text_of(text)) if text is not None else None
            if data is not None:
                links[record_hash(text_of(text))] = (data.get("aseq"), data.get("aprev"))
        for cut in cuts:
            roster.cut_chains[(author, cut.seq)] = walk(links, cut.aseq, cut.ahash)


def walk(links: dict[str, tuple[Any, Any]], aseq: int, digest: str) -> dict[int, str]:
    """{place: hash} down from the record `digest` at `aseq`, while the records are here (the
    hash below the lowest one found is known too: it names it)."""
    chain: dict[int, str] = {}
    while aseq >= 1 and isinstance(digest, str):
        chain[aseq] = digest
        found = links.get(digest)
        if found is None or found[0] != aseq:
            break
        aseq, digest = aseq - 1, found[1]
    return chain


def _data(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


__all__ = ["fill", "walk"]
