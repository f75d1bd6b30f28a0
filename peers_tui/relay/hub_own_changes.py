"""Membership changes written into the hub host's own file, judged as its intake judges a
leaf's (docs/relay.md, "Left open, closed (h-left15)").

The hub's file is the federation's one membership order: its relay's scan publishes the log
into the federation stream as it finds it. Changes reach that file through a `peers`
command (whose honest client signs at its clock) or through the sequencer, which refuses a
change signed more than a day past the hub's clock (`apply_singly._apply_member`, thirteenth
attack pass: an admin's signed time carries on to every later event and bounds every
invite's expiry, so one change of the year 9997 put every later event there and expired every
invite, for good). A change signed so written straight into the hub's file (a hub-host
admin's modified client) passed by that check: the scan published it and every later change.

Now the hub's scan sets such a change aside before it publishes the log, with every change
after it (each was built on it, and the log has no gaps), as a local write sets aside rows
that do not count (`membership_log._set_aside`): they stay in the file's `set_aside_changes`
with their reason (readers still report them), the next change goes at their place, and each
is refused into the relay's quarantine (`relay rejected`, `relay status`). A change the
federation holds already (`known`: published by a hub from before this check) is left
where it is: other hosts' logs hold it, and taking it out would part them from the hub's.
"""

from __future__ import annotations

from collections.abc import Callable

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.message_rules import AHEAD_OF_HUB, FOLLOW_AHEAD_MS
from peers_tui.core.membership import Roster
from peers_tui.core.models import GroupMember, tuples
from peers_tui.core.raw import text_of
from peers_tui.relay import row_writes
from peers_tui.relay.envelope import Envelope

_AHEAD = ("SELECT seq, record FROM group_members WHERE json_valid(record)"
          " AND json_extract(record, '$.t') > ? ORDER BY seq")


def set_aside_ahead(store: GroupStore, roster: Roster, origin: str,
                    known: Callable[[str], bool] | None) -> list[tuple[Envelope, str]]:
    """Inside the store's session: set aside the first change of the log signed more than a
    day past this clock (and the changes after it) unless the federation holds one of them;
    return the rows set aside with their reasons (none: nothing was written)."""
    first = _first_ahead(store, roster, now_ms() + FOLLOW_AHEAD_MS)
    if first is None:
        return []
    with store.db.atomic():  # judged again under the write lock
        roster = store.log.write_roster()
        first = _first_ahead(store, roster, now_ms() + FOLLOW_AHEAD_MS)
        rows = [] if first is None else list(tuples(GroupMember.select(
            GroupMember.seq, GroupMember.record, GroupMember.sig, GroupMember.cosig).where(
            GroupMember.seq >= first).order_by(GroupMember.seq)))
        if not rows or (known is not None and any(
                known(record_hash(text_of(text))) for _, text, _, _ in rows)):
            return []
        assert first is not None
        reasons = dict(roster.problems)
        reasons[first] = AHEAD_OF_HUB
        for seq in roster.chain:
            if seq > first:
                reasons[seq] = (f"built on membership change {first}, which the hub refused "
                                f"({AHEAD_OF_HUB})")
        row_writes.set_aside_from(first, reasons)
    return [(Envelope(store.group_id, "member", text_of(text), bytes(sig or b""),
                      bytes(cosig) if cosig else None, origin),
             reasons.get(seq, "a change that does not count"))
            for seq, text, sig, cosig in rows]


def _first_ahead(store: GroupStore, roster: Roster, bound: int) -> int | None:
    """The first change of the log as it counts signed after `bound` (its row the counted
    record: the time is the record's own, read from its text)."""
    for seq, text in store.db.execute_sql(_AHEAD, (bound,)).fetchall():
        if roster.chain.get(seq) == record_hash(text_of(text)):
            return int(seq)
    return None


__all__ = ["set_aside_ahead"]
