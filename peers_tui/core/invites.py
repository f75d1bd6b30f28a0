"""Invite codes: `peers1:<group_id>:<secret>`, where the secret is the invite key's seed.

The code names no path: the joiner finds the group DB in their own hub by its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import nacl.exceptions

from peers_tui.core.encoding import b32, unb32
from peers_tui.core.errors import BadInvite, PeersError
from peers_tui.core.identity import Keypair

if TYPE_CHECKING:
    from peers_tui.core.membership import InviteTerms, Roster

PREFIX = "peers1"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class InviteCode:
    group_id: str
    key: Keypair

    def __str__(self) -> str:
        return f"{PREFIX}:{self.group_id}:{b32(self.key.seed)}"


def parse_code(text: str) -> InviteCode:
    """An InviteCode from what the user pasted; BadInvite with the reason otherwise.

    Whitespace anywhere is dropped: a code has none, and one copied from where it was shown
    wrapped (the invites dialog at 80 columns, a mail) carries the line break inside it."""
    parts = "".join(text.split()).split(":")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise BadInvite("not an invite code: expected peers1:<group>:<secret>")
    group_id, secret = parts[1].lower(), parts[2]
    if not re.fullmatch(r"[a-z2-7]{26}", group_id):
        raise BadInvite("invite code has a malformed group id")
    try:
        seed = unb32(secret)
        key = Keypair.from_seed(seed)
    except (ValueError, nacl.exceptions.ValueError, nacl.exceptions.TypeError) as exc:
        raise BadInvite("invite code has a malformed secret") from exc
    return InviteCode(group_id, key)


def parse_duration(text: str) -> int:
    """Seconds in `30m`, `12h`, `7d` (also `s` and `w`); PeersError otherwise."""
    match = _DURATION.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise PeersError(f"bad duration {text!r}: use a number and a unit, e.g. 30m, 12h or 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def describe_terms(uses: int | None, expires_in: int | None) -> str:
    """`1 use, expires in 7 days` — what an invite allows, for the person who made it."""
    count = "unlimited uses" if uses is None else f"{uses} use" + ("" if uses == 1 else "s")
    if expires_in is None:
        return f"{count}, never expires (revoke it with --revoke)"
    for unit, seconds in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if expires_in >= seconds and expires_in % seconds == 0:
            amount = expires_in // seconds
            return f"{count}, expires in {amount} {unit}{'' if amount == 1 else 's'}"
    return f"{count}, expires in {expires_in} seconds"


def check_code_of_member(terms: InviteTerms | None, roster: Roster, now: int) -> None:
    """BadInvite unless the code shown by someone already in the group would still admit a
    newcomer as far as the code itself goes: known to the group, not revoked, not expired.
    (Its uses do not matter: a member joining again uses none.)"""
    if terms is None:
        raise BadInvite("this invite code is not known to the group (wrong or forged code)")
    if terms.key in roster.revoked:
        raise BadInvite("this invite was revoked")
    if terms.expires_at is not None and now > terms.expires_at:
        raise BadInvite("this invite has expired")
