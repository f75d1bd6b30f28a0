"""The verdicts a relay's scan gives this host's own rows, as readers give them: message rows
(a change judged with its target) and invites. Shared by the scan (rows.py), the hub's apply
of an invite (apply_singly.py) and the judging of an altered row with its record's own
columns (altered_rows.py), which the scan calls in turn.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core.changes_alone import problems_alone
from peers_tui.core.group_store import GroupStore
from peers_tui.core.history import HistoryReader
from peers_tui.core.membership import Roster
from peers_tui.core.membership_replay import invite_authority_problem
from peers_tui.core.models import Message
from peers_tui.core.raw import text_of
from peers_tui.relay.envelope import Envelope


def _blob(value: object) -> bytes:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else b""


def genuine_invite_digests(store: GroupStore, roster: Roster) -> set[str]:
    terms, _ = store.invites()
    good = set()
    for found in terms.values():
        for invite in (found, *found.alternatives):
            if invite_authority_problem(roster, invite) is None:
                good.add(invite.digest)
    return good


def judge_messages(store: GroupStore, roster: Roster, rows: list[Any],
                   origin: str) -> list[tuple[Envelope, str | None]]:
    """Each message row (selected with its rowid) with None when it is genuine, else the
    reason it is not."""
    reader = HistoryReader(roster, store.group_id)
    primaries = [row for row in rows if row.target is None]
    effects = [row for row in rows if row.target is not None]
    verdicts: dict[int, str | None] = {}
    for item in reader.judge(primaries).items:
        verdicts[getattr(item.row, "rowid")] = item.problem  # selected with_rowid()
    if effects:
        targets: list[Any] = list(Message.with_rowid().where(
            Message.id.in_([str(row.target) for row in effects]) & Message.target.is_null()))
        judged = reader.judge(targets)
        forged = {change.id: change.reason for changes in judged.forged.values() for change in changes}
        alone = [row for row in effects if judged.checked.get(row.target) is None]
        forged.update(problems_alone(reader, alone))  # its message not here (changes_alone)
        for row in effects:
            verdicts[row.rowid] = forged.get(str(row.id))
    return [(Envelope(store.group_id, "msg", text_of(row.record), _blob(row.sig), None, origin),
             verdicts.get(row.rowid, "not a valid record")) for row in rows]


__all__ = ["genuine_invite_digests", "judge_messages"]
