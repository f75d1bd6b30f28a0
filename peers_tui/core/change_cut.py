"""Where a removal, demotion or leave cuts the member's author chain (membership.Cut), as the
change is written (core.membership_log.append_change).

The cut names the last record of the member's chain its signer had seen; what the member
signs beyond it under an older membership state is void on every host (README rule 4), each
host judging it from the signed change alone. In a complete file that record is found by
walking the member's chain up from its first place (chains.seen_head_record).

A file whose join's history walk is under way (core.frontier) holds the member's history
newest first, or nothing of it yet: what its user has seen of the member is what the
federation's hub held, whose file is whole. So there the hub is asked for the member's
head (core.membership_order.hub_cut: relay.ordering asks, relay.hub_cut answers) and the
change names that; the hub orders the change only if it holds the record the cut names. A
record standing above a gap in this file (one written straight into it by a modified
client here) is never the cut: it moved the cut up, so the member kept their authority
over every place below it (docs/relay.md, "Removal during a join's walk, second round").
Without a hub to ask (a file mid-walk outside a relay's leaf), the walk over the places
not yet received stands (h-walkcut), and a member it has met nothing of is refused.
"""

from __future__ import annotations

from typing import Any

from peers_tui.core import frontier
from peers_tui.core.chains import seen_head_record
from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import PeersError
from peers_tui.core.group_file import GroupFile
from peers_tui.core.identity import fingerprint
from peers_tui.core.membership_order import hub_cut


def cut_fields(file: GroupFile, member: str, action: str, fields: dict[str, Any],
               roster: Any, signer: str) -> tuple[dict[str, Any], int | None]:
    """`fields` with the change's `cut`, and the time a leave must be signed at (None: now).
    Inside the writing session."""
    asked = hub_cut(file.path, member) if frontier.active() else None
    if asked is not None:
        aseq, digest, newest = asked
    else:
        _history_here(member, action, fields, roster)
        head = seen_head_record(member, file.group_id, roster)
        aseq, digest, newest = ((head[0], head[1].hash, head[1].created_at)
                                if head is not None else (0, "", None))
    # A leave voids what its signer signed later (by their clock): never signed before
    # their newest record, whatever the clock did since (a clock set back an hour voided
    # that hour's posts, this leave's cut too).
    signed_at = max(now_ms(), newest) if newest is not None and member == signer else None
    return {**fields, "cut": [aseq, digest]}, signed_at


def _history_here(member: str, action: str, fields: dict[str, Any], roster: Any) -> None:
    """Refuse a cut while this host's join walk has met nothing of the member's and no hub
    says where it is: it would be at nothing and void their whole history on every host
    (docs/relay.md, "The cut over a join's walk"). A promotion cuts nothing."""
    waiting = frontier.unmet(member)
    current = roster.members.get(member)
    if waiting is None or (action == "role" and current is not None
                           and fields.get("role", 0) >= current.role):
        return
    name = current.handle if current is not None else fingerprint(member)
    raise PeersError(f"{name}'s messages have not reached this host yet (history "
                     f"{waiting.received:,} of {waiting.total:,} received): this change would "
                     "void them on every host; try again once it is all here")


__all__ = ["cut_fields"]
