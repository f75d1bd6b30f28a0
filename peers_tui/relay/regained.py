"""This host's records its scan refused for the membership state they name, judged again
once the file's membership log has changed (docs/relay.md, "Twenty-eighth acceptance pass").

A change of the log altered in this host's file (a join row's role raised with sqlite3, its
signature kept) breaks the log there: every record written here after it names a state the
broken log does not reach, and the scan refuses the genuine posts of this host's users
("refers to a membership state that does not exist"), not sent. `peers relay refetch` (or a
genuine change from the hub) mends the log, but a refusal was never judged again: a post
went out only with its author's next record (chain_evidence.move_named_void), never if
they wrote nothing more, and stayed counted as refused meanwhile while their app and
`peers groups` showed it sent.

Now, whenever the scan reads a log other than the one last sent (its mark moved: a change
applied or mended, or the relay started), this host's refusals of the group for a reason a
log decides are judged again, as `relay refetch`'s restored rows are (altered_rows.
genuine_again: the row in this file with its record's own columns, genuine by the readers'
rules at the log now). Those now genuine are shipped by the scan, their refusals taken back
(REGAINED, quarantine.restore). A change this relay applies itself (a mend's last change
often comes from the hub's stream) has the file scanned again for it (log_mended, intake.py),
as another process's write does. Only those reasons: a record refused for what it says itself
(its signature, its group, another author's message) stays refused, and is not read again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from peers_tui.core.chain_rules import NOT_A_MEMBER
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.self_void import UNKNOWN_STATE
from peers_tui.relay.altered_rows import genuine_again
from peers_tui.relay.census import SCANNED
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.quarantine import RefusedHere

# How such a refusal is taken back (quarantine.restore; `relay rejected` lists it restored).
REGAINED = "genuine in this host's file at its membership log as it is now"
# The scan's reasons that the membership log decides: a log mended can lift them.
BY_THE_LOG = tuple(f"{SCANNED}: {reason}" for reason in (UNKNOWN_STATE, NOT_A_MEMBER))


def log_mended(db: sqlite3.Connection, host: str, group_id: str, applied: list[Envelope]) -> bool:
    """Whether a change this relay applied into the group's log may lift a refusal of its
    scan (one the log decides is kept): the file is then scanned again (intake.py), though no
    other process wrote it, a mend's last change often coming from the hub's stream."""
    return any(envelope.table == "member" for envelope in applied) and db.execute(
        "SELECT 1 FROM quarantine WHERE group_id = ? AND host = ? AND reason IN"
        f" ({', '.join('?' * len(BY_THE_LOG))}) LIMIT 1", (group_id, host, *BY_THE_LOG)
    ).fetchone() is not None


def refused_for_the_log(refused_here: RefusedHere) -> list[Envelope]:
    """This host's records of the group that its scan refused for a reason the log decides."""
    marks = ", ".join("?" * len(BY_THE_LOG))
    return [Envelope(refused_here.group_id, str(table), str(text), bytes(sig or b""),
                     bytes(cosig) if cosig else None, refused_here.host)
            for table, text, sig, cosig in refused_here.db.execute(
                "SELECT tbl, record, sig, cosig FROM quarantine WHERE group_id = ? AND host = ?"
                f" AND tbl IN ('msg', 'invite') AND reason IN ({marks})",
                (refused_here.group_id, refused_here.host, *BY_THE_LOG))]


def regained(store: GroupStore, roster: Roster, refused_here: RefusedHere,
             shipped: set[str], known: Callable[[str], bool] | None) -> list[Envelope]:
    """Of those records, the ones genuine in the file now (inside the store's session),
    unless the scan ships them already or the federation has them."""
    candidates = [envelope for envelope in refused_for_the_log(refused_here)
                  if envelope.hash not in shipped and (known is None or not known(envelope.hash))
                  and _member_at(envelope.text, roster)]
    return genuine_again(store, roster, candidates) if candidates else []


def _member_at(text: str, roster: Roster) -> bool:
    """Whether the state the record names exists now and lists its author (what both reasons
    deny; read from its text without opening it: a key that is no member, whose flood of
    rows the scan refused, costs no more at each change of the log than this)."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    mseq, author = data.get("mseq"), data.get("a")
    return (isinstance(mseq, int) and not isinstance(mseq, bool) and isinstance(author, str)
            and 0 <= mseq <= roster.head_seq and roster.role_at(author, mseq) is not None)


__all__ = ["BY_THE_LOG", "REGAINED", "log_mended", "refused_for_the_log", "regained"]
