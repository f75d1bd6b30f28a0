"""Which invites of a group can still be used: what an admin lists and may revoke."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peers_tui.core.encoding import now_ms
from peers_tui.core.times import iso_utc_or_none, utc_minute
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import fingerprint
from peers_tui.core.membership import InviteTerms, Roster
from peers_tui.core.names import shown_handle
from peers_tui.core.roles import Role, may_grant


@dataclass(frozen=True)
class InviteView:
    """An invite that someone could still join with."""

    key: str
    role: str
    maker: str
    made_at: int
    expires_at: int | None
    uses_left: int | None  # None: any number
    # The maker as the log names them: one inert line, `handle~fingerprint` beside a
    # look-alike (Roster.labels); `maker` stays the handle for scripts (to_json).
    maker_label: str = ""

    @property
    def short_id(self) -> str:
        return self.key[:10]

    def terms(self) -> str:
        uses = "unlimited uses" if self.uses_left is None else (
            f"{self.uses_left} use{'' if self.uses_left == 1 else 's'} left")
        until = "never expires" if self.expires_at is None else (
            f"expires {utc_minute(self.expires_at)}")
        return f"{self.role}, {uses}, {until}, made by {self.maker_label or shown_handle(self.maker)}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.key, "role": self.role, "maker": self.maker,
                "made_at": iso_utc_or_none(self.made_at),
                "expires_at": iso_utc_or_none(self.expires_at),
                "uses_left": self.uses_left}


def _usable(invite: InviteTerms, roster: Roster, now: int) -> int | None | bool:
    """Uses left (None: unlimited), or False when nobody can join with it any more."""
    role = roster.role_at(invite.signer, invite.member_seq)
    maker_now = roster.role_of(invite.signer)
    if (role is None or role < Role.ADMIN or not may_grant(role, invite.role)
            or maker_now is None or maker_now < Role.ADMIN or not may_grant(maker_now, invite.role)
            or roster.cut_problem(invite.signer, invite.aseq, invite.digest, invite.member_seq,
                                  invite.created_at)):
        return False
    if invite.key in roster.revoked or any(
            cut.seq > invite.member_seq for cut in roster.cuts.get(invite.signer, ())):
        return False
    if invite.expires_at is not None and invite.expires_at <= now:
        return False
    if invite.max_uses is None:
        return None
    left = invite.max_uses - roster.invite_uses.get(invite.key, 0)
    return left if left > 0 else False


def why_unusable(store: GroupStore, key: str, now: int) -> str | None:
    """Why nobody could join `store`'s group with the invite of public key `key` now (as
    `peers invite --list` leaves it out), or None when someone still could. What the relay's
    desk asks before it links a group fetched for another Unix user (relay/desk.py)."""
    roster = store.current_roster()
    found = store.invites()[0].get(key)
    if found is None:
        return "names no invite the group holds"
    claims = (found, *found.alternatives)
    if any(_usable(claim, roster, now) is not False for claim in claims):
        return None
    if key in roster.revoked:
        return "was revoked"
    if all(c.expires_at is not None and c.expires_at <= now for c in claims):
        return "has expired"
    if all(c.max_uses is not None and roster.invite_uses.get(key, 0) >= c.max_uses
           for c in claims):
        return "was used up"
    return "was made by someone no longer allowed to grant its role"


def outstanding_invites(store: GroupStore) -> list[InviteView]:
    """Every invite of the group that could still admit someone, newest first."""
    roster = store.current_roster()
    terms, _ = store.invites()
    now = now_ms()
    views = []
    labels = roster.labels({invite.signer for invite in terms.values()})
    for invite in terms.values():
        left = _usable(invite, roster, now)
        if left is False:
            continue
        views.append(InviteView(invite.key, invite.role.label,
                                roster.handle_of(invite.signer) or fingerprint(invite.signer),
                                invite.created_at, invite.expires_at,
                                left if isinstance(left, int) else None,
                                labels[invite.signer]))
    return sorted(views, key=lambda view: view.made_at, reverse=True)
