"""A row of a receiving host's file that is no record of its author's holds no place, no
message id and no import id when a genuine record arrives there (relay/junk_places.py,
docs/relay.md "Junk where a record arrives"): the relay's batch apply (`_without_stored`,
`_ready`) on real group files, without any transport. The three-host version:
tests/cli/test_relay_junk_at_arrival.py."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_holds_id import as_evidence
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_bad_signature_place import BadSigner
from tests.core.test_relay_apply import local_envelopes


def bob_wrote(alice: User, bob: User, team: str, *bodies: str) -> tuple[list[Envelope], dict[str, Envelope]]:
    """bob sends `bodies` after a first message; the group's records on alice's host, and
    bob's records by body."""
    for body in ("first", *bodies):
        bob.ok("send", "team", body)
    envelopes = local_envelopes(alice, team)
    by_body = {json.loads(e.text).get("body"): e for e in envelopes if e.table == "msg"}
    return envelopes, by_body


def receiving_host(tmp_path: Path, team: str, envelopes: list[Envelope],
                   left_out: list[Envelope]) -> tuple[Path, GroupStore]:
    """Another host's file holding the group's records but `left_out`."""
    hub = tmp_path / "receiving-hub"
    hub.mkdir()
    outcome = apply_records(hub, team, [e for e in envelopes if e not in left_out], create=True)
    assert outcome is not None and not outcome.refused and not outcome.waiting
    return hub, GroupStore(hub / f"{team}.db", team)


def held(store: GroupStore) -> tuple[list[str], list[tuple[str, bool]]]:
    """The log's bodies (genuine or not) and each row of fork_evidence with its kind."""
    with sqlite3.connect(store.path) as conn:
        evidence = [(str(kind), isinstance(record, bytes)) for kind, record in
                    conn.execute("SELECT kind, record FROM fork_evidence ORDER BY id")]
    return [view.body for view in store.recent(50)], evidence


def test_a_row_with_a_bad_signature_at_the_place_is_set_aside_for_the_record(
        tmp_path, alice, bob, team):
    """Before: bob's record was kept as evidence of a fork and the junk stayed in the log."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"]])
    BadSigner(bob.home).message(store.path, team, "junk", aseq=2, aprev="x")
    outcome = apply_records(hub, team, [by_body["second"]], create=False)
    assert outcome is not None and outcome.applied == [by_body["second"]], outcome
    assert not outcome.refused and not outcome.waiting
    assert held(store) == (["first", "second"], [("msg", False)])
    assert all(view.verified for view in store.recent(50))
    [problem] = store.verify()
    assert "bad signature (set aside: holds no place)" in str(problem), problem


def test_a_copy_of_the_arriving_record_with_its_signature_spoiled_is_no_duplicate(
        tmp_path, alice, bob, team):
    """The same text under the same id, its signature one bit off: before, the genuine
    record was dropped as a duplicate of it, and the host kept the spoiled copy alone."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    second = by_body["second"]
    hub, store = receiving_host(tmp_path, team, envelopes, [second])
    data = json.loads(second.text)
    with sqlite3.connect(store.path) as conn:
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                     " record, sig) VALUES (?,?,?,?,?,?,?,?)",
                     (data["id"], data["a"], 2, "text", data["t"], "second", second.text,
                      bytes([second.sig[0] ^ 1]) + second.sig[1:]))
    outcome = apply_records(hub, team, [second], create=False)
    assert outcome is not None and outcome.applied == [second], outcome
    assert held(store)[0] == ["first", "second"]
    assert all(view.verified for view in store.recent(50))
    [problem] = store.verify()
    assert f"message {data['id']}: bad signature (set aside" in str(problem), problem


def test_a_record_whose_predecessor_place_holds_junk_waits_for_it_and_then_applies(
        tmp_path, alice, bob, team):
    """_ready takes the junk row for the predecessor; the judge (chain_rules.by_hash) does
    not, so the record waits as on a host that holds nothing there, and both apply once the
    genuine predecessor comes: its place set aside for it, the record after it following it."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second", "third")
    second, third = by_body["second"], by_body["third"]
    hub, store = receiving_host(tmp_path, team, envelopes, [second, third])
    with sqlite3.connect(store.path) as conn:  # bytes that are no record at bob's place 2
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                     " record, sig) VALUES ('junk', ?, 2, 'text', 1, 'junk', ?, X'00')",
                     (Forger(bob.home).user_id, b"\xff\x00"))
    early = apply_records(hub, team, [third], create=False)
    assert early is not None and not early.applied and not early.refused, early
    [(_, reason)] = early.waiting
    assert reason.startswith("an earlier record by this author is missing"), reason
    late = apply_records(hub, team, [second, third], create=False)
    assert late is not None and late.applied == [second, third] and not late.refused, late
    assert held(store) == (["first", "second", "third"], [("msg", True)])
    assert all(view.verified for view in store.recent(50))
    [problem] = store.verify()
    assert "row 1 of fork_evidence: record is not valid JSON" in str(problem), problem


def test_a_genuine_second_record_of_the_author_at_the_place_is_still_a_fork(
        tmp_path, alice, bob, team):
    """The rule is about junk: bob's own record at his place (his modified client signed two)
    holds it, and the arriving one is kept as evidence of his fork, as before (carried on as
    evidence: the federation stream carries as a message only what the hub's message table
    holds, relay/hub_holds_id.py)."""
    envelopes, by_body = bob_wrote(alice, bob, team, "second")
    hub, store = receiving_host(tmp_path, team, envelopes, [by_body["second"]])
    Forger(bob.home).message(store.path, team, "his other second", aseq=2)
    outcome = apply_records(hub, team, [by_body["second"]], create=False)
    assert outcome is not None and outcome.applied == [as_evidence(by_body["second"])], outcome
    assert held(store) == (["first", "his other second"], [("msg", False)])
    assert sum("forked chain: another record" in str(problem) for problem in store.verify()) == 2


def test_junk_at_the_place_of_an_arriving_invite_does_not_make_it_evidence(
        tmp_path, alice, bob, team):
    """apply_singly._apply_invite took any row at the invite's place for its author's other record:
    the genuine invite was kept as evidence of a fork on this host alone (no use here)."""
    alice.ok("send", "team", "hello")
    alice.ok("invite", "team")
    envelopes = local_envelopes(alice, team)
    [invite] = [e for e in envelopes if e.table == "invite"][-1:]
    hub, store = receiving_host(tmp_path, team, envelopes, [invite])
    aseq = json.loads(invite.text)["aseq"]
    BadSigner(alice.home).message(store.path, team, "junk", aseq=aseq, aprev="x")
    outcome = apply_records(hub, team, [invite], create=False)
    assert outcome is not None and outcome.applied == [invite] and not outcome.refused, outcome
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM invite WHERE record = ?",
                            (invite.text,)).fetchone() == (1,)
    [problem] = store.verify()  # the junk row, where it was written
    assert "bad signature" in str(problem) and "set aside" not in str(problem), problem
