"""A record void for its own checks holds no place (docs/relay.md, "A self-void record holds
no place (h-forkhalf)"; core/self_void.py).

bob's key signs a record at the place of his genuine message that no reader takes as
genuine on its own: backdated against the record it names, an id older than its signed
time, a topic he (a writer) may not set, a state before he joined, a state the group's order has
not reached, a kind no rule knows.
Wherever it is kept (fork_evidence, as the relays keep a second record, or the message
table beside the genuine one), it is no half of a fork: the genuine message stays live,
`peers verify` names no fork, and a removal cuts his chain above it (core.chains.seen_head).
A record void only by what some host holds (a predecessor it names that is not in the file)
still counts, as before. Real group files on one hub, `peers` as separate processes.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger
from tests.core.test_forks import record_of, sql
from tests.core.test_validity import log_json, path

SELF_VOID = {
    # how the record lies: (Forger.message options given the previous record's time, reason)
    "backdated": (lambda t: {"t": t - 60_000}, "backdated: signed earlier than"),
    "id before its time": (lambda t: {"t": t + 1, "id": ulid_text(new_ulid(t - 3_600_000))},
                           "its id places it before the time it was signed"),
    "a writer's topic": (lambda t: {"t": t + 1, "type": "topic"}, "it needs an admin"),
    "no member then": (lambda t: {"t": t + 1, "mseq": 0}, "not a member when it was written"),
    "an unknown kind": (lambda t: {"t": t + 1, "type": "poll"}, "unknown message kind"),
    # a state beyond the order's head (h-refusedown: it said nothing, a fork half)
    "a state not reached": (lambda t: {"t": t + 1, "mseq": 99},
                            "refers to a membership state that does not exist"),
}


def _forge_at_place_two(bob, db, team: str, how: str) -> str:
    """bob's record at place 2, naming his first message, void for `how`; its id."""
    first = record_of(bob, team, "bob's first")
    options, _ = SELF_VOID[how]
    return Forger(bob.home).message(db, team, f"void: {how}", aseq=2, aprev=record_hash(first),
                                    **options(json.loads(first)["t"]))


def _as_evidence(db, message_id: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                     " SELECT author, author_seq, 'msg', record, sig FROM message WHERE id = ?",
                     (message_id,))
        conn.execute("DELETE FROM message WHERE id = ?", (message_id,))


def _genuine_beside_void(alice, bob, team: str, how: str, as_evidence: bool) -> dict:
    """bob's first and genuine second, then a record of his void for `how` at the second's
    place (in fork_evidence, or the message table beside it): the second is live, and the
    heads a host pins and compares are as before it. alice's log by body."""
    bob.ok("send", "team", "bob's first")
    bob.ok("send", "team", "bob's genuine second")
    db = path(alice, team)
    heads = GroupStore(db, team).heads()
    sql(alice, team, "DROP INDEX message_author_author_seq")
    void = _forge_at_place_two(bob, db, team, how)
    if as_evidence:
        _as_evidence(db, void)
    assert GroupStore(db, team).heads() == heads
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["bob's genuine second"]["verified"] is True, shown["bob's genuine second"]
    return shown


@pytest.mark.parametrize("how", sorted(SELF_VOID))
def test_a_self_void_record_as_evidence_does_not_void_the_genuine_one(alice, bob, team, how):
    _genuine_beside_void(alice, bob, team, how, as_evidence=True)
    report = alice.run("verify", "team")
    assert "forked chain" not in report.out, report.out
    # A removal cuts bob's chain at his genuine second: it stays live (before, the fork
    # stopped the walk at place 1, and the second was beyond the cut).
    alice.ok("remove", "team", "bob")
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["bob's genuine second"]["verified"] is True, shown["bob's genuine second"]


@pytest.mark.parametrize("how", sorted(SELF_VOID))
def test_beside_the_genuine_one_it_is_void_for_its_own_reason_only(alice, bob, team, how):
    shown = _genuine_beside_void(alice, bob, team, how, as_evidence=False)
    void = shown.get(f"void: {how}")  # (a kind no rule knows is in no log: verify names it)
    assert void is None or (void["verified"] is False and SELF_VOID[how][1] in void["problem"])
    report = alice.run("verify", "team")
    assert report.code == 1 and "forked chain" not in report.out, report.out
    assert SELF_VOID[how][1] in report.out, report.out


def test_two_genuine_records_at_one_place_are_still_a_fork(alice, bob, team):
    """The rule leaves out only a record void on its own: two records that both pass their
    own checks (the second signed later, with a later id) are a fork, both void, as before."""
    bob.ok("send", "team", "bob's first")
    bob.ok("send", "team", "bob's genuine second")
    db = path(alice, team)
    sql(alice, team, "DROP INDEX message_author_author_seq")
    first = record_of(bob, team, "bob's first")
    Forger(bob.home).message(db, team, "another second", aseq=2, aprev=record_hash(first))
    shown = {m["body"]: m for m in log_json(alice)}
    for body in ("bob's genuine second", "another second"):
        assert shown[body]["verified"] is False and "forked chain" in shown[body]["problem"]


def test_a_record_naming_a_predecessor_the_file_lacks_still_counts(alice, bob, team):
    """What a record names must be here to judge it by: a backdated-looking record naming a
    hash no record here has is not taken as void on its own (a host that lacks it must not
    judge otherwise than one that holds it), so it is a fork half as before."""
    bob.ok("send", "team", "bob's first")
    bob.ok("send", "team", "bob's genuine second")
    db = path(alice, team)
    sql(alice, team, "DROP INDEX message_author_author_seq")
    first = json.loads(record_of(bob, team, "bob's first"))
    Forger(bob.home).message(db, team, "names nothing here", aseq=2, aprev="0" * 64,
                             t=first["t"] - 60_000)
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["bob's genuine second"]["verified"] is False
    assert "forked chain" in shown["bob's genuine second"]["problem"]
