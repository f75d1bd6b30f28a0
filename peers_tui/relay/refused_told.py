"""This host's records of a group the hub refused, or a cut voided here, as its users are told
of them (`.link.json`'s refused and void fields: core.link_state), and which of them a cut
voided (docs/relay.md, "Leftovers of issue 15 closed (h-left15)").

A post of a member removed, or lowered to reader, by a change that had not seen it is void on
every host (README rule 4): the hub refuses it for the cut when it comes after the change, and
this host's relay takes it out itself when the change came first (relay.voided; its author is
told as of a refusal: lost_inbound.told_as_refused). Nothing refused it for being wrong: the
hub's own users were told `N void: cut off before they were seen` (h-told) while a leaf's read
"refused by the hub" for the same thing. Now a leaf's say the hub's words too
(core.link_words.refused_words); a record the hub refused for anything else (signed ahead, a
bound, a forgery, a missing predecessor) keeps "refused by the hub".
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from peers_tui.core.link_state import MAX_REFUSED
from peers_tui.core.roster import Roster

SHOWN_IDS = 256  # message ids of one group in .link.json (the newest)
# A notice's record (whose: refused_by): its row's, else the quarantine's (taken out here first)
_RECORD = ("COALESCE(record, (SELECT q.record FROM quarantine AS q WHERE q.hash = r.hash AND"
           " q.group_id = r.group_id))")
# ... and whether this relay took it out of the file as void (relay.voided: `taken_out`)
_TAKEN_OUT = ("EXISTS (SELECT 1 FROM taken_out AS t WHERE t.hash = r.hash AND"
              " t.group_id = r.group_id)")


def cut_void(reason: str, taken_out: bool) -> bool:
    """Whether a record kept as refused is void by a cut: taken out of this host's file as
    void (what the hub's relay says of its own users' posts, h-told), or refused by the hub
    with one of the cut's reasons (core.roster's words, which the hub's notice carries)."""
    return taken_out or any(words in reason for words in Roster.CUT_REASONS)


@dataclass(frozen=True)
class Told:
    """One group's: every record kept as refused (`count`, the message ids among them, whose
    they are), and those of them a cut voided, the same three."""

    count: int = 0
    ids: tuple[str, ...] = ()
    by: tuple[tuple[str, int], ...] = ()
    void: int = 0
    void_ids: tuple[str, ...] = ()
    void_by: tuple[tuple[str, int], ...] = ()

    def fields(self) -> dict[str, Any]:
        """GroupSync's fields (core.link_state)."""
        return {"refused": self.count, "refused_ids": self.ids, "refused_by": self.by,
                "void": self.void, "void_ids": self.void_ids, "void_by": self.void_by}


def told_of(db: sqlite3.Connection, group_id: str) -> Told:
    """What the ledger keeps of this group's refused records, newest first."""
    rows = db.execute(f"SELECT message_id, {_RECORD}, reason, {_TAKEN_OUT} FROM refused_at_hub"
                      " AS r WHERE group_id = ? ORDER BY at DESC", (group_id,)).fetchall()
    void = [row for row in rows if cut_void(str(row[2]), bool(row[3]))]
    return Told(len(rows), _ids(rows), _whose(rows), len(void), _ids(void), _whose(void))


def fields_of(text: Any) -> dict[str, Any]:
    """A refused record's fields ({} for what is not a JSON object)."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        data = None
    return data if isinstance(data, dict) else {}


def claims(text: Any) -> tuple[str, str]:
    """(what the record says it is, its claimed author's key) from a refused record's text;
    "" for what it does not say (`relay rejected` lists them: rejected_listing.py)."""
    data = fields_of(text)
    what = next((data[key] for key in ("type", "action", "k")
                 if isinstance(data.get(key), str)), "")
    author = data.get("a")
    return what[:40], author if isinstance(author, str) else ""


def _ids(rows: list[Any]) -> tuple[str, ...]:
    return tuple(str(row[0]) for row in rows if row[0])[:SHOWN_IDS]


def _whose(rows: list[Any]) -> tuple[tuple[str, int], ...]:
    authors = (claims(row[1])[1] for row in rows)
    return tuple(Counter(a for a in authors if a).most_common(MAX_REFUSED))


__all__ = ["SHOWN_IDS", "Told", "claims", "cut_void", "fields_of", "told_of"]
