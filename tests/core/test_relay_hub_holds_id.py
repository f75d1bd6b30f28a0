"""Two records with one message id applied by a relay, without any transport
(relay/hub_holds_id.py): the hub keeps the first it sees and carries the other as evidence
only; a leaf applying the federation's record sets its own row of that id aside; `peers
verify` names the record set aside in the same words wherever it is."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import local_envelopes

def as_evidence(envelope: Envelope) -> Envelope:
    """How a hub carries on a record it keeps in fork_evidence."""
    return replace(envelope, table="evidence")


# The shared id's time, ahead of every signing of a record with it (one whose id's time is
# before its signing time is refused as backdated, not kept as a copy): the leaf case signs
# bob's last copy after two hosts' worth of applies, 0.36-0.92 s after the id was made at
# 1/5-1/7 of a core (h-flake2), and 1 s ahead was crossed at load ~12 (the refusal read
# "backdated: its id places it before the time it was signed"). As the CLI test's.
AHEAD_MS = 60_000

HELD = "another record holds this message id (set aside: holds its place in its author's chain)"


def signed_elsewhere(tmp_path: Path, db: Path, group_id: str, home: Path, name: str,
                     message_id: str, edit: bool = False) -> list[Envelope]:
    """A record `home`'s key signs with `message_id` in a copy of `db` (and an edit of it),
    as envelopes."""
    copy = tmp_path / f"{name}.db"
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as conn:  # a copy of an id: signed where the original is not
        conn.execute("DELETE FROM message WHERE id = ?", (message_id,))
    ids = [Forger(home).message(copy, group_id, f"{name}'s", id=message_id)]
    if edit:
        ids.append(Forger(home).edit(copy, group_id, message_id, f"{name}'s, edited"))
    with sqlite3.connect(copy) as conn:
        rows = [conn.execute("SELECT record, sig FROM message WHERE id = ?", (key,)).fetchone()
                for key in ids]
    return [Envelope(group_id, "msg", text, bytes(sig), None, name) for text, sig in rows]


def tables(db: Path, message_id: str) -> tuple[list[str], list[str]]:
    with sqlite3.connect(db) as conn:
        return ([row[0] for row in conn.execute("SELECT record FROM message WHERE id = ?",
                                                (message_id,))],
                sorted(row[0] for row in conn.execute("SELECT record FROM fork_evidence")))


def problems(db: Path, group_id: str) -> list[tuple[str, str]]:
    store = GroupStore(db, group_id)
    try:
        return sorted((p.where, p.reason) for p in store.verify())
    finally:
        store.close()


def a_host(tmp_path: Path, alice, group_id: str, name: str) -> Path:
    """Another host's directory holding the group's records as on alice's host."""
    hub = tmp_path / f"host-{name}"
    hub.mkdir()
    base = apply_records(hub, group_id, local_envelopes(alice, group_id), create=True)
    assert base is not None and not base.refused and not base.waiting
    return hub


@pytest.mark.parametrize("batches", [[[0], [1]], [[1], [0]], [[0, 1]], [[1, 0]]])
def test_the_hub_keeps_the_first_record_of_an_id_and_carries_the_other_as_evidence(
        tmp_path, alice, bob, team, batches):
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    [alices] = signed_elsewhere(tmp_path, db, team, alice.home, "alice", shared)
    [bobs] = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared)
    pair = [alices, bobs]
    hub = a_host(tmp_path, alice, team, "hub")
    carried = []
    for batch in batches:
        outcome = apply_records(hub, team, [pair[i] for i in batch], create=False)
        assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
        carried += outcome.applied
    first, other = pair[batches[0][0]], pair[1 - batches[0][0]]
    assert tables(hub / f"{team}.db", shared) == ([first.text], [other.text])
    assert sorted(carried, key=lambda e: e.text) == sorted([first, as_evidence(other)],
                                                           key=lambda e: e.text)
    assert problems(hub / f"{team}.db", team) == [(f"message {shared}", HELD)]


def test_a_leaf_sets_its_own_record_of_an_id_aside_for_the_federations_and_a_hub_does_not(
        tmp_path, alice, bob, team):
    """bob's row on the leaf, written there first, yields to alice's record from the hub's
    federation stream; applied by a hub (not of that stream) the row stays and alice's record
    is evidence."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    [alices] = signed_elsewhere(tmp_path, db, team, alice.home, "alice", shared)
    for hub_order in (True, False):
        host = a_host(tmp_path, alice, team, f"leaf-{hub_order}")
        Forger(bob.home).message(host / f"{team}.db", team, "bob's, here", id=shared)
        [bobs], _ = tables(host / f"{team}.db", shared)
        outcome = apply_records(host, team, [alices], create=False, hub_order=hub_order)
        assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
        assert outcome.rescan == hub_order
        if hub_order:
            assert outcome.applied == [alices]
            assert tables(host / f"{team}.db", shared) == ([alices.text], [bobs])
        else:
            assert outcome.applied == [as_evidence(alices)]
            assert tables(host / f"{team}.db", shared) == ([bobs], [alices.text])
        assert problems(host / f"{team}.db", team) == [(f"message {shared}", HELD)]


def test_a_leaf_whose_record_the_hub_holds_keeps_the_other_as_evidence(tmp_path, alice, bob,
                                                                      team):
    """bob's row on the leaf reached the hub first: the hub carries alice's record of the id
    as evidence, and the leaf keeps it so, its own row holding the id."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    [alices] = signed_elsewhere(tmp_path, db, team, alice.home, "alice", shared)
    leaf = a_host(tmp_path, alice, team, "leaf")
    Forger(bob.home).message(leaf / f"{team}.db", team, "bob's, here", id=shared)
    [bobs], _ = tables(leaf / f"{team}.db", shared)
    outcome = apply_records(leaf, team, [as_evidence(alices)], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [as_evidence(alices)], outcome
    assert not outcome.rescan
    assert tables(leaf / f"{team}.db", shared) == ([bobs], [alices.text])
    assert problems(leaf / f"{team}.db", team) == [(f"message {shared}", HELD)]


def test_the_changes_of_the_record_set_aside_go_with_it_on_the_hub_and_the_leaf(
        tmp_path, alice, bob, team):
    """bob copies alice's id and edits his copy. The hub holds alice's and keeps both of
    bob's as evidence (the edit is not refused: his chain goes on); the leaf where bob wrote
    them sets both aside when alice's arrives. Both files then say the same."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    [alices] = signed_elsewhere(tmp_path, db, team, alice.home, "alice", shared)
    bobs, edit = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared, edit=True)
    hub = a_host(tmp_path, alice, team, "hub")
    assert apply_records(hub, team, [alices], create=False).applied == [alices]
    outcome = apply_records(hub, team, [bobs, edit], create=False)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    assert sorted(e.table for e in outcome.applied) == ["evidence", "evidence"]
    leaf = a_host(tmp_path, alice, team, "leaf")
    assert apply_records(leaf, team, [bobs, edit], create=False).applied == [bobs, edit]
    outcome = apply_records(leaf, team, [alices], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [alices] and outcome.rescan, outcome
    for host in (hub, leaf):
        assert tables(host / f"{team}.db", shared) == ([alices.text], sorted([bobs.text, edit.text]))
        store = GroupStore(host / f"{team}.db", team)
        try:
            [view] = [v for v in store.recent(50) if v.id == shared]
            assert view.body == "alice's" and view.verified
        finally:
            store.close()
    found = problems(hub / f"{team}.db", team)
    assert found == problems(leaf / f"{team}.db", team) and len(found) == 2, found
    assert (f"message {shared}", HELD) in found
    assert any(f"changes message {shared}" in reason for _, reason in found), found


def test_a_leaf_yields_when_the_hubs_record_goes_in_not_while_it_waits(tmp_path, alice, bob,
                                                                       team):
    """alice's record of the id arrives before her previous one: it waits, and bob's row and
    his edit of it stay as they are; when it goes in, both are set aside (the edit void now
    it would change alice's message), as the hub keeps them."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    copy = tmp_path / "alice-two.db"
    shutil.copy(db, copy)
    keys = [Forger(alice.home).message(copy, team, "alice before"),
            Forger(alice.home).message(copy, team, "alice's", id=shared)]
    with sqlite3.connect(copy) as conn:
        before, alices = [Envelope(team, "msg", text, bytes(sig), None, "A") for text, sig in (
            conn.execute("SELECT record, sig FROM message WHERE id = ?", (key,)).fetchone()
            for key in keys)]
    bobs, edit = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared, edit=True)
    leaf = a_host(tmp_path, alice, team, "leaf")
    assert apply_records(leaf, team, [bobs, edit], create=False).applied == [bobs, edit]
    outcome = apply_records(leaf, team, [alices], create=False, hub_order=True)
    assert outcome is not None and outcome.waiting and not outcome.rescan, outcome
    assert tables(leaf / f"{team}.db", shared) == ([bobs.text], [])
    outcome = apply_records(leaf, team, [before, alices], create=False, hub_order=True)
    assert outcome is not None and outcome.applied == [before, alices] and outcome.rescan
    assert tables(leaf / f"{team}.db", shared) == ([alices.text], sorted([bobs.text, edit.text]))
    assert len(problems(leaf / f"{team}.db", team)) == 2


def test_a_record_of_someone_who_is_no_member_is_not_kept_for_a_held_id(tmp_path, alice, bob,
                                                                       carol, team):
    """Any key can sign a record with an id the hub holds: one that may not write here at
    all is refused, as before, not kept as evidence on every host (nor when a host sends it
    as evidence: every host's verify would name it)."""
    db = alice.hub / f"{team}.db"
    bob.ok("send", "team", "bob's message")
    [held] = [m["id"] for m in bob.ok("log", "team", "--json").json()
              if m["body"] == "bob's message"]
    [copy] = signed_elsewhere(tmp_path, db, team, carol.home, "carol", held)
    hub = a_host(tmp_path, alice, team, "hub")
    outcome = apply_records(hub, team, [copy], create=False)
    assert outcome is not None and not outcome.applied, outcome
    assert [reason for _, reason in outcome.refused] == ["author was not a member when it was written"]
    outcome = apply_records(hub, team, [as_evidence(copy)], create=False)
    assert outcome is not None and not outcome.applied, outcome
    assert [reason for _, reason in outcome.refused] == ["author was not a member when it was written"]
    assert tables(hub / f"{team}.db", held)[1] == []


def test_one_authors_two_records_of_an_id_in_one_batch_the_earlier_place_holds_it(
        tmp_path, alice, bob, team):
    """bob's record and, naming it, his next with the same id, the later first in one batch:
    the earlier place holds the id (the later waited for it for good), the later is evidence."""
    db = alice.hub / f"{team}.db"
    shared = ulid_text(new_ulid(now_ms() + AHEAD_MS))
    [first] = signed_elsewhere(tmp_path, db, team, bob.home, "bob", shared)
    data = Forger(bob.home).sign(RecordKind.MSG, team, {
        "id": shared, "type": "text", "body": "bob's next", "aseq": 2,
        "aprev": record_hash(first.text), "mseq": Forger.membership_head(db)[0]})
    second = Envelope(team, "msg", data.text, data.sig, None, "bob")
    hub = a_host(tmp_path, alice, team, "hub")
    outcome = apply_records(hub, team, [second, first], create=False)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    assert sorted(outcome.applied, key=lambda e: e.table) == [as_evidence(second), first]
    assert tables(hub / f"{team}.db", shared) == ([first.text], [second.text])
    assert problems(hub / f"{team}.db", team) == [(f"message {shared}", HELD)]
