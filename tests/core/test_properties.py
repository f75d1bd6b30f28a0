"""Property tests: signed-record encoding, the text sanitiser and the membership rules."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from peers_tui.core.identity import Keypair
from peers_tui.core.membership import Roster, apply_change
from peers_tui.core.records import RecordError, open_record, sign
from peers_tui.core.roles import Role, may_grant, may_manage
from peers_tui.core.text import inert, is_unsafe

KEY = Keypair.from_seed(b"k" * 32)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10)


@given(st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in "vkatg"),
                       json_values, max_size=6))
def test_signed_records_round_trip(fields):
    record = sign(KEY, "msg", "g" * 26, fields)
    opened = open_record(record.text, record.sig, group_id="g" * 26, kind="msg")
    assert opened.data == record.data and opened.hash == record.hash


@given(st.binary(min_size=1, max_size=200), st.integers(0, 10_000))
def test_any_change_to_a_signed_record_is_detected(noise, position):
    record = sign(KEY, "msg", "g" * 26, {"body": "hello world"})
    raw = bytearray(record.text.encode())
    index = position % len(raw)
    raw[index] ^= noise[0] or 1
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    with pytest.raises(RecordError):
        open_record(text, record.sig, group_id="g" * 26, kind="msg")


@given(st.text())
def test_opening_garbage_never_crashes(text):
    with pytest.raises(RecordError):
        open_record(text, b"\0" * 64, group_id="g" * 26, kind="msg")


@given(st.text())
def test_inert_text_has_no_control_or_bidi_characters(text):
    shown = inert(text)
    assert not any(is_unsafe(char, allow_newlines=True) for char in shown)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
    if text.isprintable():
        assert shown == text


def test_inert_makes_escapes_visible():
    assert inert("\x1b]0;owned\x07[red]x") == "\u241b]0;owned\u2407[red]x"
    assert inert("a\u202eb") == "a<U+202E>b"
    assert inert("line\nnext", allow_newlines=False) == "line\u240anext"


roles = st.sampled_from(list(Role))


@given(roles, roles)
def test_grant_and_manage_rules(actor, target):
    if may_manage(actor, target):
        assert actor >= Role.ADMIN and target < actor
    if may_grant(actor, target):
        assert target < actor or actor == target == Role.OWNER


keys = [Keypair.from_seed(bytes([i]) * 32) for i in range(1, 5)]
actions = st.tuples(st.integers(0, 3), st.sampled_from(["role", "remove", "leave", "handle"]),
                    st.integers(0, 3), roles)


@settings(max_examples=150, deadline=None)
@given(st.lists(actions, max_size=25))
def test_replayed_roster_never_breaks_the_invariants(steps):
    """Whatever sequence of signed changes is attempted, only rule-abiding ones apply."""
    founder = keys[0]
    roster = Roster.from_genesis("g" * 26, founder.public_id, "founder")
    for user in keys[1:]:  # seed members directly, as if they had joined
        from peers_tui.core.membership import Member, ACTIVE
        roster._set(Member(user.public_id, "u", Role.WRITER, ACTIVE, 0))
    for signer_index, action, target_index, role in steps:
        signer, target = keys[signer_index], keys[target_index]
        before = {k: (m.role, m.state) for k, m in roster.members.items()}
        signer_role = roster.role_of(signer.public_id)
        seq = roster.head_seq + 1
        record = sign(signer, "member", "g" * 26, {
            "seq": seq, "prev": roster.head_hash, "action": action,
            "member": target.public_id, "role": int(role), "handle": "h", "cut": [0, ""]})
        other_owner = any(m.role is Role.OWNER and m.state == "active"
                          for k, m in roster.members.items() if k != founder.public_id)
        try:
            apply_change(roster, seq, record, {})
        except RecordError:
            assert {k: (m.role, m.state) for k, m in roster.members.items()} == before
            continue
        after = roster.members[target.public_id]
        if action in ("role", "remove"):
            assert signer_role is not None and may_manage(signer_role, before[target.public_id][0])
            assert target.public_id != founder.public_id
        if action == "role":
            assert may_grant(signer_role, after.role)
        if action == "leave":
            assert signer == target
            assert target != founder or other_owner, "the founder hands over before leaving"
    founder_now = roster.members[founder.public_id]
    assert (founder_now.role == Role.OWNER and founder_now.state == "active") or (
        founder_now.state == "left")
    json.dumps([m.role for m in roster.members.values()])


@given(st.integers(0, 2**128 - 1))
def test_our_ulid_text_matches_python_ulid(value):
    from ulid import ULID
    from peers_tui.core.ids import ulid_text, ulid_value
    assert ulid_text(value) == str(ULID.from_int(value))
    assert ulid_value(ulid_text(value)) == value
