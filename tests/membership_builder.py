"""Many membership changes signed fast, for the tests of a leaf far behind its hub."""

from __future__ import annotations

from peers_tui.core.identity import Keypair
from peers_tui.core.membership import apply_change
from peers_tui.core.models import GroupMember
from peers_tui.core.records import RecordKind, countersign, sign
from peers_tui.core.roles import Role


def joins_signed(store, keypair: Keypair, count: int) -> None:
    """`count` joins with one new invite of `keypair`'s, each by a new member with a 64-
    character handle, appended to `store`'s membership log inside the caller's transaction.
    Each is signed and checked (membership.apply_change) on the roster the one before it
    left, as MembershipLog.append_change signs and checks it, which replays the whole log
    for every change instead (1,500 joins: over a minute)."""
    invite_key = store.create_invite(keypair, Role.WRITER, None, None)
    roster = store.roster()
    terms, _ = store.invites()
    invite = terms[invite_key.public_id]
    for n in range(count):
        joiner = Keypair.generate()
        seq = roster.head_seq + 1
        record = countersign(sign(joiner, RecordKind.MEMBER, store.group_id, {
            "seq": seq, "prev": roster.head_hash, "action": "join", "member": joiner.public_id,
            "role": int(invite.role), "handle": f"m{n:04d}".ljust(64, "x"),
            "invite": invite.key, "irec": invite.digest}), invite_key)
        apply_change(roster, seq, record, terms)
        GroupMember.create(seq=seq, member=joiner.public_id, record=record.text,
                           sig=record.sig, cosig=record.cosig)
