"""A non-member's signed record is refused as a non-member's, whatever part of "their chain" a
host holds (issue 15, loose ends): one filed above a gap was reported by `peers verify` as
"an earlier record by this author is missing" and held back by a relay as not yet received,
while the same record without the gap read "author was not a member when it was written".
The more fundamental reason wins, identically in `peers verify`, in the relay's scan of its
own file and in the relay's apply of another host's records."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.rows import scan_local
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_relay_apply import local_envelopes, other_host

NOT_A_MEMBER = "author was not a member when it was written"


def forged_row(db, body: str) -> tuple[str, bytes]:
    with sqlite3.connect(db) as conn:
        text, sig = conn.execute("SELECT record, sig FROM message WHERE record LIKE ?",
                                 (f"%{body}%",)).fetchone()
    return text, bytes(sig)


# Where in a non-member's own chain the record sits: its first place, above a gap, and
# after a record of theirs it does not follow.
PLACES = {"first": {"aseq": 1, "aprev": ""},
          "above a gap": {"aseq": 5, "aprev": "x" * 64},
          "chain broken": {"aseq": 2, "aprev": "y" * 64}}


@pytest.mark.parametrize("place", list(PLACES))
def test_a_non_members_record_is_named_as_such_wherever_it_sits_in_their_chain(
        tmp_path, alice, bob, place):
    judged_as_a_non_members_everywhere(tmp_path, alice, place, "msg")


def test_a_members_record_above_a_gap_still_says_an_earlier_record_is_missing(alice, bob):
    """The rule is about non-members only: a member's record above a gap in their chain is a
    deleted record, as before."""
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team").out.strip())
    Forger(bob.home).message(alice.hub / f"{group_id}.db", group_id, "bob's", aseq=5,
                             aprev="x" * 64)
    verdict = alice.run("verify", "team")
    assert verdict.code == 1 and "an earlier record by this author is missing" in verdict.out
    assert NOT_A_MEMBER not in verdict.out, verdict.out


def judged_as_a_non_members_everywhere(tmp_path, alice, place: str, kind: str) -> None:
    """Mallory (never a member) forges a record of `kind` at `place` of her chain in alice's
    file: verify, the relay's scan of its own file and another host's apply all name it a
    non-member's record, not a gap nor a broken chain."""
    group_id = alice.ok("create", "team").out.strip()
    alice.ok("send", "team", "hello")
    mallory = User("mallory", tmp_path / "mallory", alice.hub)
    mallory.ok("id", "--handle", "mallory")
    db = alice.hub / f"{group_id}.db"
    forger = Forger(mallory.home)
    forge = ((lambda **at: forger.message(db, group_id, "mallory's post", **at)) if kind == "msg"
             else (lambda **at: forger.invite(db, group_id, **at)))
    if place == "chain broken":
        forge(aseq=1, aprev="")
    forge(**PLACES[place])

    verdict = alice.run("verify", "team")
    assert verdict.code == 1
    word = "message" if kind == "msg" else "invite"
    lines = [line for line in verdict.out.splitlines() if word in line]
    assert lines and all(line.endswith(NOT_A_MEMBER) for line in lines), verdict.out
    assert "earlier record" not in verdict.out and "chain broken" not in verdict.out

    store = GroupStore(db, group_id)  # the relay's scan of its own file: counted, not sent
    try:
        scan = scan_local(store, "A", 0, 0)
    finally:
        store.close()
    assert {reason for _, reason in scan.refused} == {NOT_A_MEMBER}, scan.refused

    # Another host gets the group, then the record: refused as a non-member's at once, not
    # held back waiting for an earlier record of a key that has no chain.
    remote = other_host(tmp_path, alice, "b")
    remote.hub.mkdir()
    outcome = apply_records(remote.hub, group_id, local_envelopes(alice, group_id), create=True)
    assert outcome is not None and not outcome.refused and not outcome.waiting
    text, sig = (forged_row(db, "mallory's post") if kind == "msg"
                 else forged_invite_row(db, PLACES[place]["aseq"]))
    outcome = apply_records(remote.hub, group_id, [Envelope(group_id, kind, text, sig, None, "A")],
                            create=False)
    assert outcome is not None
    assert outcome.waiting == [] and [r for _, r in outcome.refused] == [NOT_A_MEMBER], outcome


def forged_invite_row(db, aseq: int) -> tuple[str, bytes]:
    with sqlite3.connect(db) as conn:
        text, sig = conn.execute("SELECT record, sig FROM invite WHERE author_seq = ?"
                                 " ORDER BY id DESC", (aseq,)).fetchone()
    return text, bytes(sig)


@pytest.mark.parametrize("place", list(PLACES))
def test_a_non_members_invite_is_named_as_such_wherever_it_sits_in_their_chain(
        tmp_path, alice, place):
    """The same for invites, judged before the membership log they need (the replay uses
    them): an invite above a gap read "an earlier record by this author is missing" in verify
    and was held back by a relay as not yet received, and at place 1 it read "made by someone
    not allowed to grant its role"; a non-member's message said NOT_A_MEMBER everywhere."""
    judged_as_a_non_members_everywhere(tmp_path, alice, place, "invite")
