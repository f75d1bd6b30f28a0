"""A record void by a cut is no half of a fork (README rules 2 and 4, core.forks; docs/relay.md
"Acceptance from the CLI, seventh pass"): bob's post X at place 2 of his chain, naming the
state before his demotion (whose cut is place 1), is void; his client then signs Y at place 2
again, after he is a writer again. Wherever X sits (the message table, `fork_evidence`, arriving
before or after Y through a relay), every file says X void for the cut, Y genuine, no forked
chain, the same heads. Real group files, copied as the hosts would hold them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_relay_apply import local_envelopes
from tests.core.test_validity import admin_bob, log_json, member_seq, path  # noqa: F401

X_BODY, Y_BODY = "X signed before the demotion reached me", "Y signed as a writer again"


def rows(db: Path, statement: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(statement, params).fetchall()


def place_one(alice: User, bob: User, team: str) -> tuple[int, str]:
    """bob posts at place 1 (the cut's place); the state his void post names; its hash."""
    bob.ok("send", "team", "k: the last one the demoter saw")
    [(text,)] = rows(path(alice, team), "SELECT record FROM message WHERE author_seq = 1"
                     " AND body LIKE 'k:%'")
    return member_seq(alice, team), record_hash(text)


def host(tmp_path: Path, name: str, source: Path, team: str) -> Path:
    """A copy of the group file `source` (its write-ahead log included) in a hub of its own."""
    copy = tmp_path / name / f"{team}.db"
    copy.parent.mkdir()
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def signed_x(tmp_path: Path, alice: User, bob: User, team: str, old: int,
             below: str) -> tuple[Path, Envelope]:
    """A copy of alice's file as it is, with X at place 2 in its message table (where it
    arrived before the demotion's cut made it void); and X as a relay carries it."""
    copy = host(tmp_path, "x-first", path(alice, team), team)
    Forger(bob.home).message(copy, team, X_BODY, aseq=2, aprev=below, mseq=old)
    [(text, sig)] = rows(copy, "SELECT record, sig FROM message WHERE body = ?", X_BODY)
    return copy, Envelope(team, "msg", text, bytes(sig), None, "")


def demoted_and_back(alice: User, team: str) -> None:
    alice.ok("role", "team", "bob", "reader")  # cuts bob's chain at place 1
    alice.ok("role", "team", "bob", "writer")


def as_evidence(db: Path, text: str, sig: bytes, author: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                     " VALUES (?, 2, 'msg', ?, ?)", (author, text, sig))


def judged(db: Path, team: str) -> tuple[dict, list, dict]:
    store = GroupStore(db, team)
    try:
        shown = {v.body: v for v in store.recent(50)}
        return shown, store.verify(), store.heads()[2]
    finally:
        store.close()


def refused_for_the_cut(db: Path, team: str, record: Envelope, change: int, role: str) -> None:
    """`record`, applied at the host of `db` after the live record of its place, is refused
    for the cut of membership change `change` (its author demoted to `role`), and kept as no
    evidence of a fork."""
    outcome = apply_records(db.parent, team, [record], create=False, hub_order=True)
    assert outcome is not None and not outcome.applied, outcome
    assert [why for _, why in outcome.refused] == [
        f"beyond where membership change {change} cut its author's chain (demoted to {role})"
        " but names an earlier membership state"]
    assert rows(db, "SELECT COUNT(*) FROM fork_evidence") == [(0,)]


def test_a_record_void_by_a_cut_is_no_half_of_a_fork_on_any_host(tmp_path, alice, bob, team):
    old, below = place_one(alice, bob, team)
    demoted_and_back(alice, team)
    x_first, x = signed_x(tmp_path, alice, bob, team, old, below)
    bob.ok("send", "team", Y_BODY)  # his client: own head 1, the place above the cut again
    db = path(alice, team)
    [(y_text, y_sig, y_place)] = rows(db, "SELECT record, sig, author_seq FROM message"
                                      " WHERE body = ?", Y_BODY)
    assert y_place == 2
    y = Envelope(team, "msg", y_text, bytes(y_sig), None, "")
    [(author,)] = rows(db, "SELECT author FROM message WHERE body = ?", Y_BODY)
    hosts = {"only Y (the author's host)": host(tmp_path, "c", db, team)}
    # X in the message table (arrived before the demotion), Y kept beside it as evidence.
    hosts["X in message, Y in fork_evidence"] = host(tmp_path, "a", x_first, team)
    as_evidence(hosts["X in message, Y in fork_evidence"], y_text, bytes(y_sig), author)
    # Y arriving through the relay where X holds the place: X makes way (set aside).
    through = host(tmp_path, "b", x_first, team)
    outcome = apply_records(through.parent, team, [y], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [y], outcome
    hosts["X first, Y through the relay"] = through
    # X arriving after Y: void, so no evidence of a fork: refused for the cut.
    late = host(tmp_path, "d", db, team)
    refused_for_the_cut(late, team, x, old + 1, "reader")
    hosts["Y first, X through the relay"] = late
    # alice's own file, read by the CLI: Y in the message table, X as evidence.
    as_evidence(db, x.text, x.sig, author)
    heads = set()
    for name, file in hosts.items():
        shown, problems, authors = judged(file, team)
        # (Y kept as evidence is in no log: a state only files from before this rule hold,
        # its verdict and heads are the same; the relay now sets X aside for Y instead.)
        assert Y_BODY in shown or name == "X in message, Y in fork_evidence", name
        assert Y_BODY not in shown or shown[Y_BODY].verified, (name, shown[Y_BODY].problem)
        if X_BODY in shown:
            assert not shown[X_BODY].verified and "cut its author's chain" in str(
                shown[X_BODY].problem), name
        assert not [p for p in problems if "fork" in p.reason], (name, problems)
        heads.add(tuple(sorted(authors.items())))
    assert len(heads) == 1, heads
    [(_, y_hash)] = [value for key, value in heads.pop() if key == author]
    assert y_hash == record_hash(y_text)
    shown_cli = {m["body"]: m for m in log_json(alice)}
    assert shown_cli[Y_BODY]["verified"] is True
    report = alice.run("verify", "team")
    assert "fork" not in report.out, report.out
    # The next membership change arriving there takes X out (relay/voided.py), and Y, kept
    # beside it as evidence, takes its place in the message table: the host shows Y.
    alice.ok("role", "team", "bob", "admin")
    [change] = [e for e in local_envelopes(alice, team) if e.table == "member"][-1:]
    stale = hosts["X in message, Y in fork_evidence"]
    outcome = apply_records(stale.parent, team, [change], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [change], outcome
    assert [why for _, why in outcome.lost] == [
        f"beyond where membership change {old + 1} cut its author's chain (demoted to reader)"
        " but names an earlier membership state"]
    shown, problems, _ = judged(stale, team)
    assert shown[Y_BODY].verified and X_BODY not in shown, problems
    assert rows(stale, "SELECT COUNT(*) FROM fork_evidence") == [(0,)]


def test_a_post_after_an_own_leave_naming_the_state_before_it_is_void_not_a_fork(
        tmp_path, alice, bob, team):
    """The leave's cut is the member's own: X at place 2 naming the state before it is void
    all the same, and Y (signed after rejoining) is the one record counting there."""
    old, below = place_one(alice, bob, team)
    bob.ok("leave", "team")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    db = path(alice, team)
    _, x = signed_x(tmp_path, alice, bob, team, old, below)
    bob.ok("send", "team", Y_BODY)
    [(author, place)] = rows(db, "SELECT author, author_seq FROM message WHERE body = ?", Y_BODY)
    assert place == 2
    as_evidence(db, x.text, x.sig, author)
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown[Y_BODY]["verified"] is True, shown[Y_BODY]
    assert "fork" not in alice.run("verify", "team").out


def two_at_place_two(alice: User, bob: User, db: Path, team: str, below: str,
                     now: int) -> dict:
    """bob signs two records at place 2 on `below` under membership state `now`: both are
    shown void as a fork. Returns alice's log by body."""
    forger = Forger(bob.home)
    forger.message(db, team, "one at two", aseq=2, aprev=below, mseq=now)
    forger.message(db, team, "another at two", aseq=2, aprev=below, mseq=now)
    shown = {m["body"]: m for m in log_json(alice)}
    for body in ("one at two", "another at two"):
        assert shown[body]["verified"] is False and "forked chain" in shown[body]["problem"]
    return shown


def test_two_records_at_one_place_after_the_cut_are_still_a_fork(tmp_path, alice, bob, team):
    """The rule releases only records a cut voids: two records bob signs at place 2 under the
    state after the cut (no cut between them) are a fork, both void, as ever."""
    _, below = place_one(alice, bob, team)
    demoted_and_back(alice, team)
    now = member_seq(alice, team)
    db = path(alice, team)
    rows(db, "DROP INDEX message_author_author_seq")
    two_at_place_two(alice, bob, db, team, below, now)
    report = alice.run("verify", "team")
    assert report.code == 1 and "1 places of their chain hold two records" in report.out


def test_a_void_record_and_two_live_ones_at_one_place_are_a_fork(tmp_path, alice, bob, team):
    """A member cannot hide an equivocation behind a void record: beside X (void by the cut)
    two records at place 2 under the new state are still a fork."""
    old, below = place_one(alice, bob, team)
    demoted_and_back(alice, team)
    now = member_seq(alice, team)
    db = path(alice, team)
    rows(db, "DROP INDEX message_author_author_seq")
    forger = Forger(bob.home)
    forger.message(db, team, X_BODY, aseq=2, aprev=below, mseq=old)
    shown = two_at_place_two(alice, bob, db, team, below, now)
    assert "cut its author's chain" in shown[X_BODY]["problem"]


def test_the_next_cut_lands_on_the_live_record_not_below_the_void_one(tmp_path, alice, bob, team):
    """Where X (void by the cut) and Y hold place 2, the next demotion sees Y: its cut is
    place 2, not place 1 (where a fork stops the walk), so Y and the records on it stay."""
    old, below = place_one(alice, bob, team)
    demoted_and_back(alice, team)
    _, x = signed_x(tmp_path, alice, bob, team, old, below)
    bob.ok("send", "team", Y_BODY)
    db = path(alice, team)
    [(author, y_text)] = rows(db, "SELECT author, record FROM message WHERE body = ?", Y_BODY)
    as_evidence(db, x.text, x.sig, author)
    alice.ok("role", "team", "bob", "reader")
    [(cut,)] = rows(db, "SELECT json_extract(record, '$.cut') FROM group_members"
                    " ORDER BY seq DESC LIMIT 1")
    assert cut == f'[2,"{record_hash(y_text)}"]'
    shown = {m["body"]: m for m in log_json(alice)}
    assert shown[Y_BODY]["verified"] is True, shown[Y_BODY]


def test_hosts_applying_the_records_in_any_order_agree(tmp_path, alice, bob, team):
    """The relay's apply on fresh hosts, the group's records and X in six orders (one record a
    batch, the waiting ones offered again with the next, as a relay holds them): X arrives
    before the demotion, between it and Y, after Y, or with Y in one batch (Y kept then as
    evidence, and taking X's place in the message table once the cut takes X out). Every host ends with Y genuine, no
    fork, the same heads: the divergence of the seventh pass, built without a race."""
    import random

    old, below = place_one(alice, bob, team)
    demoted_and_back(alice, team)
    _, x = signed_x(tmp_path, alice, bob, team, old, below)
    bob.ok("send", "team", Y_BODY)
    envelopes = local_envelopes(alice, team)
    genesis = [e for e in envelopes if e.table == "genesis"]
    others = [e for e in envelopes if e.table != "genesis"] + [x]
    heads = set()
    for seed in range(6):
        order = list(others)
        random.Random(seed).shuffle(order)
        hub = tmp_path / f"order-{seed}"
        hub.mkdir()
        apply_records(hub, team, genesis, create=True)
        held: list[Envelope] = []
        for envelope in order + [None] * 3:  # three more rounds for what still waits
            outcome = apply_records(hub, team, held + ([envelope] if envelope else []),
                                    create=False, hub_order=True)
            assert outcome is not None
            held = [e for e, _ in outcome.waiting]
        assert held == [], (seed, outcome.waiting)
        shown, problems, authors = judged(hub / f"{team}.db", team)
        assert shown[Y_BODY].verified, (seed, shown[Y_BODY].problem)
        assert X_BODY not in shown or not shown[X_BODY].verified, seed
        assert not [p for p in problems if "fork" in p.reason], (seed, problems)
        heads.add(tuple(sorted(authors.items())))
    assert len(heads) == 1, heads


def test_an_invite_void_by_a_cut_arriving_after_the_live_one_is_refused(
        tmp_path, alice, bob, admin_bob):
    """The invite path of the relay (apply_singly._apply_invite, evidence.place_taken): bob (an
    admin) demoted to writer and made admin again; his invite X at place 2 naming the state
    before the demotion arrives where his invite Y of place 2 is: refused for the cut, not
    kept as evidence of a fork, and Y still admits."""
    team = admin_bob
    db = path(alice, team)
    [(text,)] = rows(db, "SELECT record FROM message WHERE body = 'hello as admin'")
    old = member_seq(alice, team)
    alice.ok("role", "team", "bob", "writer")
    alice.ok("role", "team", "bob", "admin")
    stale = host(tmp_path, "x-first", db, team)
    Forger(bob.home).invite(stale, team, aseq=2, aprev=record_hash(text), mseq=old)
    [(x_text, x_sig)] = rows(stale, "SELECT record, sig FROM invite WHERE author_seq = 2")
    code = bob.ok("invite", "team").out.strip()
    late = host(tmp_path, "late", db, team)
    x = Envelope(team, "invite", x_text, bytes(x_sig), None, "")
    refused_for_the_cut(late, team, x, old + 1, "writer")
    assert not [p for p in judged(late, team)[1] if "fork" in p.reason]
    carol = User("carol", tmp_path / "carol", late.parent)
    carol.ok("id", "--handle", "carol")
    carol.ok("join", code)
