"""A current admin cannot undo the membership log after a join that used his invite
(docs/relay.md "Twelfth attack pass"; README rule 5).

bob, an admin, made the invite carol joined with; alice, the owner, then made dave an owner.
bob still holds his key and his role, and signs one more record aimed at that invite: a second
record at its place of his chain (a fork), a second invite record claiming its key with
narrower terms (expired, a lower role, or no uses), or a fork built on and then named by the
cut of his own removal. Before, each one voided the invite for every join (a forked invite
admits nobody; a join must satisfy every claim of its key), so carol's join stopped counting,
and with it every later change of the log: dave an owner no more. A join now names the invite
record it used by hash (`irec`), and the log fixes that record: what its maker signs beside it
or about its key later changes nothing before it. The attacker holds the key and writes the
records straight into the file (testing/forge).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.invites import parse_code
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from tests.core.test_cut_chain_forks import _record_at
from tests.core.test_validity import (  # noqa: F401 (admin_bob: a fixture)
    _user, admin_bob, handles, log_json, member_seq, path)

EXPECTED = {"alice": "owner", "dave": "owner", "bob": "admin", "carol": "writer"}


def _carol_in_by_bobs_invite(alice, bob, carol, group_id: str) -> tuple[str, object]:
    """carol joins with bob's invite (his place 2: he posted once as an admin), then dave
    joins and alice makes him an owner; returns the invite code and dave."""
    code = bob.ok("invite", "team").out.strip()
    carol.ok("join", code)
    dave = _user(alice, "dave")
    dave.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("role", "team", "dave", "owner")
    assert handles(alice) == EXPECTED
    return code, dave


@pytest.mark.parametrize("how", ["fork", "expired", "reader"])
def test_an_admin_cannot_undo_later_changes_through_his_used_invite(how, alice, bob, carol,
                                                                    admin_bob):
    db = path(alice, admin_bob)
    code, dave = _carol_in_by_bobs_invite(alice, bob, carol, admin_bob)
    forger = Forger(bob.home)
    below = record_hash(_record_at(db, forger.user_id, 1))
    if how == "fork":
        forger.message(db, admin_bob, "beside my invite", aseq=2, aprev=below)
    else:  # a second claim of carol's invite key, at bob's next place
        key = parse_code(code).key.public_id
        terms = {"expired": {"role": 40, "expires": 1}, "reader": {"role": 20, "expires": None}}
        forger._insert_invite(db, "invite", key, forger.sign(
            RecordKind.INVITE, admin_bob, {"key": key, "uses": 1, **terms[how],
                                           **forger._link(db, None, None, None)}))
    for reader in (alice, carol, dave, bob):
        assert handles(reader) == EXPECTED, f"{reader.name}: the log after carol's join stands"
        report = reader.run("verify", "team")
        assert "does not count" not in report.out and "history deleted" not in report.out
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["hello as admin"]["verified"] is True
    if how == "fork":
        assert shown["beside my invite"]["verified"] is False
    erin = _user(alice, "erin")
    erin.ok("join", alice.ok("invite", "team").out.strip())
    assert "erin" in handles(alice)


def test_a_fork_the_removal_cut_names_does_not_undo_the_join(alice, bob, carol, admin_bob):
    """bob forks his used invite's place and builds on the fork, so his head (what alice's
    removal names) stands on the fork: the log fixed the invite before the cut, so the cut's
    chain does not void it (before: carol's join, dave's promotion and the removal itself
    void, bob an admin again)."""
    db = path(alice, admin_bob)
    _, dave = _carol_in_by_bobs_invite(alice, bob, carol, admin_bob)
    forger = Forger(bob.home)
    below = record_hash(_record_at(db, forger.user_id, 1))
    forger.message(db, admin_bob, "beside my invite", aseq=2, aprev=below)
    beside = record_hash(_record_at_body(db, "beside my invite"))
    forger.message(db, admin_bob, "on the fork", aseq=3, aprev=beside)
    alice.ok("remove", "team", "bob")
    expected = {k: v for k, v in EXPECTED.items() if k != "bob"}
    for reader in (alice, carol, dave):
        assert handles(reader) == expected
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown["beside my invite"]["verified"] is False


def test_a_join_names_the_invite_record_it_used(alice, bob, carol, admin_bob):
    code = bob.ok("invite", "team").out.strip()
    carol.ok("join", code)
    with sqlite3.connect(path(alice, admin_bob)) as conn:
        [(text,)] = conn.execute("SELECT record FROM group_members WHERE json_extract(record,"
                                 " '$.action') = 'join' ORDER BY seq DESC LIMIT 1").fetchall()
        [(invite,)] = conn.execute("SELECT record FROM invite WHERE key = ?",
                                   (parse_code(code).key.public_id,)).fetchall()
    assert json.loads(text)["irec"] == record_hash(invite)


def _record_at_body(db, body: str) -> str:
    with sqlite3.connect(db) as conn:
        [(text,)] = conn.execute("SELECT record FROM message WHERE body = ?", (body,)).fetchall()
    return text
