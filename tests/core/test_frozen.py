"""core.frozen: the plain classes that replaced @dataclass on the lean send's path keep what
the code relied on from the dataclasses (equality, hashing, immutability, repr, replace, and
pickling: the verify workers receive the roster)."""

from __future__ import annotations

import pickle

import pytest

from peers_tui.core.frozen import replace
from peers_tui.core.group_entry import GroupName
from peers_tui.core.identity import Keypair
from peers_tui.core.membership import InviteTerms
from peers_tui.core.records import SignedRecord
from peers_tui.core.roles import Role
from peers_tui.core.roster import ACTIVE, LEFT, Cut, Member, Roster


def test_values_compare_hash_and_refuse_assignment():
    a, b = Member("u", "ann", Role.WRITER, ACTIVE, 3), Member("u", "ann", Role.WRITER, ACTIVE, 3)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Member("u", "ann", Role.WRITER, LEFT, 3) and a != ("u", "ann")
    with pytest.raises(AttributeError):
        a.handle = "bob"  # type: ignore[misc]
    assert repr(a) == ("Member(user_id='u', handle='ann', role=<Role.WRITER: 40>, "
                       "state=<MemberState.ACTIVE: 'active'>, since_seq=3)")
    # Only text and signatures count for a record, as before (its parsed data does not).
    assert SignedRecord("t", b"s", None, {"k": 1}) == SignedRecord("t", b"s")
    assert "data" not in repr(SignedRecord("t", b"s"))
    keys = Keypair.from_seed(b"K" * 32)
    assert keys == Keypair.from_seed(b"K" * 32) and repr(keys) == f"Keypair({keys.public_id})"
    assert GroupName("id", "name", False) == GroupName.of("id", "name", 0)


def test_replace_copies_with_changes():
    member = Member("u", "ann", Role.WRITER, ACTIVE, 3)
    left = replace(member, state=LEFT, since_seq=9)
    assert (left.state, left.since_seq, left.handle, member.state) == (LEFT, 9, "ann", ACTIVE)
    terms = InviteTerms("k", "s", Role.WRITER, None, None, 1, 5)
    assert replace(terms, alternatives=(terms,)).alternatives == (terms,)
    with pytest.raises(TypeError):
        replace(member, colour="red")


def test_roster_pickles_for_the_verify_workers():
    roster = Roster.from_genesis("g" * 26, "founder", "ann")
    roster.cuts["x"] = [Cut(2, 1, "h", "removed")]
    roster.invite_positions = frozenset({("x", 1)})
    copy = pickle.loads(pickle.dumps(roster))
    assert copy == roster and copy.role_at("founder", 0) is Role.OWNER
    assert copy.cuts["x"][0].until is None
    copy.head_seq = 4
    assert copy != roster
    with pytest.raises(TypeError):
        hash(roster)
