"""Applying records from another host (peers_tui.relay.apply), without any transport: a group
written on one hub is copied record by record into another hub's empty directory, and forged
records are refused with their reason, exactly as local writes and readers refuse them."""

from __future__ import annotations

import json
import random
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.rows import scan_local
from peers_tui.testing.forge import Forger
from tests.conftest import User


def local_envelopes(user: User, group_id: str, origin: str = "A") -> list[Envelope]:
    store = GroupStore(user.hub / f"{group_id}.db", group_id)
    try:
        return scan_local(store, origin, 0, 0).genuine
    finally:
        store.close()


def other_host(tmp_path: Path, user: User, name: str) -> User:
    """`user` (same key) on another host with an empty hub of its own."""
    home = tmp_path / f"{name}-home"
    home.mkdir()
    (home / "identity.key").write_bytes((user.home / "identity.key").read_bytes())
    (home / "identity.key").chmod(0o600)
    return User(name, home, tmp_path / f"{name}-hub")


def busy_group(alice: User, bob: User) -> str:
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team", "--role", "admin").out.strip())
    alice.ok("send", "team", "first")
    bob.ok("send", "team", "hello from bob")
    alice.ok("topic", "team", "the topic")
    [first] = [m for m in alice.ok("log", "team", "--json").json() if m["body"] == "first"]
    alice.ok("edit", "team", first["id"], "first, edited")
    alice.ok("send", "team", "to delete")
    [doomed] = [m for m in alice.ok("log", "team", "--json").json() if m["body"] == "to delete"]
    bob.ok("delete", "team", doomed["id"])
    alice.ok("invite", "team")
    return group_id


def test_a_group_copied_record_by_record_is_the_same_group(tmp_path, alice, bob):
    group_id = busy_group(alice, bob)
    envelopes = local_envelopes(alice, group_id)
    random.Random(7).shuffle(envelopes)  # arrival order must not matter
    remote = other_host(tmp_path, alice, "alice-b")
    remote.hub.mkdir()
    outcome = apply_records(remote.hub, group_id, envelopes, create=True)
    assert outcome is not None
    assert not outcome.refused and not outcome.waiting
    assert len(outcome.applied) == len(envelopes)
    again = apply_records(remote.hub, group_id, envelopes, create=True)
    assert again is not None and len(again.duplicates) == len(envelopes) and not again.applied
    # The copy is a group of its own on the other host: verify is clean, the log identical.
    store = GroupStore(remote.hub / f"{group_id}.db", group_id)
    assert store.verify() == []
    original = GroupStore(alice.hub / f"{group_id}.db", group_id)
    assert [(v.id, v.body, v.deleted, v.edited) for v in store.recent(50)] == \
        [(v.id, v.body, v.deleted, v.edited) for v in original.recent(50)]
    assert store.heads()[0:2] == original.heads()[0:2]
    assert [v.body for v in store.search("edited", 10)] == ["first, edited"]


def test_an_unknown_group_is_not_replicated_unless_asked(tmp_path, alice, bob):
    group_id = busy_group(alice, bob)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert apply_records(elsewhere, group_id, local_envelopes(alice, group_id), create=False) is None
    assert not (elsewhere / f"{group_id}.db").exists()


def forged(forger: Forger, group_id: str, body: str, **options) -> Envelope:
    record = forger.sign("msg", group_id, {"body": body, **options})
    return Envelope(group_id, "msg", record.text, record.sig, None, "evil")


def test_forged_records_from_another_host_are_refused_with_their_reason(
        tmp_path, alice, bob, carol):
    group_id = busy_group(alice, bob)
    carol.ok("create", "elsewhere")
    carol.ok("send", "elsewhere", "said elsewhere")
    other_id = carol.ok("groups", "--json").json()[-1]["id"]
    remote = tmp_path / "remote-hub"
    remote.mkdir()
    outcome = apply_records(remote, group_id, local_envelopes(alice, group_id), create=True)
    assert outcome is not None and not outcome.refused
    genuine_bob = [e for e in local_envelopes(alice, group_id) if e.table == "msg"
                   and json.loads(e.text).get("body") == "hello from bob"][0]
    altered = Envelope(group_id, "msg", genuine_bob.text.replace("hello", "HELLO"),
                       genuine_bob.sig, None, "evil")
    elsewhere = local_envelopes(carol, other_id)
    other_genesis = Envelope(group_id, "genesis", elsewhere[0].text, elsewhere[0].sig, None, "evil")
    [other_message] = [Envelope(group_id, "msg", e.text, e.sig, None, "evil")
                       for e in elsewhere if e.table == "msg"]
    non_member = forged_message(Forger(carol.home), alice, group_id, "not a member")
    bad = [altered, other_genesis, other_message, non_member]
    result = apply_records(remote, group_id, bad, create=True)
    assert result is not None
    reasons = {envelope.hash: reason for envelope, reason in result.refused}
    assert len(result.refused) == 4 and not result.applied and not result.waiting, result
    assert reasons[altered.hash] == "bad signature"
    assert reasons[other_genesis.hash] == "another genesis than this group's"
    assert reasons[other_message.hash] == "record belongs to another group"
    assert reasons[non_member.hash] == "author was not a member when it was written"
    store = GroupStore(remote / f"{group_id}.db", group_id)
    assert store.verify() == []


def test_a_removed_members_post_beyond_the_cut_is_refused(tmp_path, alice, bob):
    """bob, removed on host A, posts from a host that had not heard: void on every host."""
    group_id = busy_group(alice, bob)
    before = Forger(alice.home).membership_head(alice.hub / f"{group_id}.db")[0]
    bob_elsewhere = tmp_path / "bob-hub"
    bob_elsewhere.mkdir()
    apply_records(bob_elsewhere, group_id, local_envelopes(alice, group_id), create=True)
    cut_off = GroupStore(bob_elsewhere / f"{group_id}.db", group_id)
    cut_off.post(load_or_create_keypair(bob.home), "posted while cut off")
    [late] = [e for e in scan_local(cut_off, "B", 0, 0).genuine
              if json.loads(e.text).get("body") == "posted while cut off"]
    alice.ok("remove", "team", "bob")
    result = apply_records(alice.hub, group_id, [late], create=False)
    assert result is not None and not result.applied
    [(_, reason)] = result.refused
    assert reason.startswith("beyond where membership change"), reason
    assert "cut its author's chain (removed)" in reason, reason
    assert json.loads(late.text)["mseq"] == before


def forged_message(forger: Forger, owner: User, group_id: str, body: str) -> Envelope:
    """A message by `forger`'s key written into a scratch copy of the file, then shipped."""
    from peers_tui.core.ids import new_ulid, ulid_text
    from peers_tui.core.encoding import now_ms

    now = now_ms()
    head = Forger(owner.home).membership_head(owner.hub / f"{group_id}.db")[0]
    record = forger.sign("msg", group_id, {"id": ulid_text(new_ulid(now)), "type": "text",
                                           "body": body, "aseq": 1, "aprev": "", "mseq": head},
                         t=now)
    return Envelope(group_id, "msg", record.text, record.sig, None, "evil")


def test_a_genesis_that_is_not_the_groups_creates_nothing(tmp_path, alice, carol):
    """What a join fetched from the hub is checked against the group id of the code."""
    group_id = alice.ok("create", "team").out.strip()
    other_id = carol.ok("create", "other").out.strip()
    impostor = [Envelope(group_id, e.table, e.text, e.sig, e.cosig, "evil")
                for e in local_envelopes(carol, other_id)]
    empty = tmp_path / "empty-hub"
    empty.mkdir()
    outcome = apply_records(empty, group_id, impostor, create=True)
    assert outcome is not None and not outcome.applied
    assert [reason for _, reason in outcome.refused] == [
        "genesis of another group (its hash is not the group id)"]
    assert not (empty / f"{group_id}.db").exists()


def test_a_fork_written_on_one_host_is_carried_and_void_on_every_host(tmp_path, alice, bob, team):
    """bob signs two messages at place 1 of his chain and files both in alice's file (its
    unique place index dropped): alice's scan ships both as evidence, and another host that
    gets them in either order keeps both (one in fork_evidence), voids both, and pins the
    same heads (docs/relay.md "An author forking their own chain")."""
    import sqlite3

    bob.ok("send", "team", "first at one")
    db = alice.hub / f"{team}.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX message_author_author_seq")
    Forger(bob.home).message(db, team, "second at one", aseq=1, aprev="")
    envelopes = local_envelopes(alice, team)
    shipped = {json.loads(e.text).get("body") for e in envelopes if e.table == "msg"}
    assert {"first at one", "second at one"} <= shipped
    original = GroupStore(db, team)
    for name, order in (("b", envelopes), ("c", envelopes[::-1])):
        remote = tmp_path / f"{name}-hub"
        remote.mkdir()
        outcome = apply_records(remote, team, order, create=True)
        assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
        store = GroupStore(remote / f"{team}.db", team)
        [kept] = [v for v in store.recent(50) if v.body.endswith("at one")]
        assert not kept.verified and "forked chain" in str(kept.problem)
        assert any("forked chain" in p.reason for p in store.verify())
        assert store.heads() == original.heads()
        again = apply_records(remote, team, order, create=True)
        assert again is not None and not again.applied and not again.refused
        store.close()


def test_a_second_record_kept_only_as_evidence_is_shipped_too(tmp_path, alice, bob, team):
    """A second record with its first's message id cannot go into the message table: filed
    into fork_evidence, it voids both here, and the scan ships it so every host agrees."""
    import sqlite3

    from peers_tui.core.kinds import RecordKind

    bob.ok("send", "team", "first at one")
    db = alice.hub / f"{team}.db"
    with sqlite3.connect(db) as conn:
        [(first_id, first)] = conn.execute("SELECT id, record FROM message")
    data = json.loads(first)
    # Signed at the first's time: a later one would be void on its own (its id older than
    # its signed time), no half of a fork (core/self_void.py).
    second = Forger(bob.home).sign(RecordKind.MSG, team, {
        **{k: data[k] for k in ("id", "type", "aseq", "aprev", "mseq")}, "body": "same id, other"},
        t=data["t"])
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO fork_evidence (author, author_seq, kind, record, sig)"
                     " VALUES (?, 1, 'msg', ?, ?)", (data["a"], second.text, second.sig))
    shipped = local_envelopes(alice, team)
    assert second.text in {e.text for e in shipped}
    remote = tmp_path / "b-hub"
    remote.mkdir()
    outcome = apply_records(remote, team, shipped, create=True)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    store = GroupStore(remote / f"{team}.db", team)
    [kept] = [v for v in store.recent(50) if v.id == first_id]
    assert not kept.verified and "forked chain" in str(kept.problem)
    assert store.heads() == GroupStore(db, team).heads()
