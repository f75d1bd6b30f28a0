"""Links checked late: a record that was stored while the place below it lay beyond the backfill
frontier (core/frontier.py) is checked against that place once the record there arrives.

During a backfill the newest records arrive first; the oldest received record of each author
is judged on its own signed data and its chain link is left open. When the record below it
arrives, the link is checked as `peers verify` would: a record that does not follow it (or
was signed earlier than it) is a forgery, taken out of the file inside the same transaction
and refused with its reason, and so is anything of its author built on it.
"""

from __future__ import annotations

import json
from typing import Any

from peers_tui.core import frontier, search
from peers_tui.core.row_checks import check_row, window_chain
from peers_tui.core.membership import Roster
from peers_tui.core.models import Message
from peers_tui.core.raw import text_of
from peers_tui.relay import deleted_tops
from peers_tui.relay.envelope import Envelope

# What a broken link reads like (core.chains.check_chain): only these void a stored record here;
# anything else about it was judged when it went in.
# A record beyond a cut of its author's is named by the cut before its link
# (chain_rules._beyond_cut): void either way, so taken out as a broken link was.
LINK_PROBLEMS = ("does not follow its author's previous record",
                 "backdated: signed earlier than its author's previous record",
                 "an earlier record by this author is missing", *Roster.CUT_REASONS)
ORIGIN = "hub"  # the backfill reads the hub's federation stream


def successors_of(places: set[tuple[str, int]]) -> list[Any]:
    """The stored message rows at the chain place just above each of `places`."""
    if not places:
        return []
    wanted = json.dumps([[author, seq + 1] for author, seq in places])
    ids = [row[0] for row in Message._meta.database.execute_sql(
        "SELECT m.id FROM json_each(?) AS j JOIN message AS m"
        " ON m.author = json_extract(j.value, '$[0]') AND m.author_seq = json_extract(j.value, '$[1]')",
        (wanted,)).fetchall()]
    return list(Message.with_rowid().where(Message.id.in_(ids))) if ids else []


def void_broken_links(group_id: str, roster: Roster, arrived: set[tuple[str, int]],
                      skip: set[str]) -> list[tuple[Envelope, str]]:
    """Check the stored records just above the `arrived` places (except the ids in `skip`,
    judged with the batch); delete the ones whose link is broken, and then their successors
    in turn. Returns them with their reasons. Runs inside the caller's transaction."""
    if not frontier.active():
        return []
    voided: list[tuple[Envelope, str]] = []
    # Places whose successor came in the same batch were judged with it: only the top of each
    # run of places is looked up (one an author in an ordinary page).
    places = {(author, seq) for author, seq in arrived if (author, seq + 1) not in arrived}
    while places:
        rows = [row for row in successors_of(places) if str(row.id) not in skip]
        chain = window_chain(rows, group_id)
        places = set()
        for row in rows:
            problem = check_row(row, roster, group_id, chain).problem
            if problem is None or not problem.startswith(LINK_PROBLEMS):
                continue
            voided.append((Envelope(group_id, "msg", text_of(row.record), bytes(row.sig or b""),
                                    None, ORIGIN), f"{problem} (found when the record below "
                                                   "it arrived)"))
            search.unindex(Message._meta.database, row.rowid)
            Message.delete().where(Message.id == row.id).execute()
            deleted_tops.note_deletion(Message._meta.database)
            places.add((str(row.author), int(row.author_seq)))
    return voided
