"""A backfill's page judged as inserted (relay/stored_rows.rows_as_inserted) and named as
history from its opened records (core/joined_history.expect): the same verdicts and marks as
reading the page back and parsing every text again in SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_relay_backfill_apply import joining_host


def shipped(user: User, group_id: str, message_id: str) -> Envelope:
    """The row `message_id` of `user`'s file as another host's relay would ship it."""
    with sqlite3.connect(user.hub / f"{group_id}.db") as conn:
        text, sig = conn.execute("SELECT record, sig FROM message WHERE id = ?",
                                 (message_id,)).fetchone()
    return Envelope(group_id, "msg", text, bytes(sig), None, "evil")


def ids_by_body(user: User) -> dict[str, str]:
    return {m["body"]: m["id"] for m in user.ok("log", "team", "--json").json()}


def test_a_page_judged_as_inserted_refuses_a_forged_change_in_its_middle_and_keeps_the_others(
        tmp_path: Path, alice: User, bob: User, team: str):
    for i in range(4):
        alice.ok("send", "team", f"alice {i}")
        bob.ok("send", "team", f"bob {i}")
    target = ids_by_body(alice)["alice 1"]
    # bob, a writer, signs a deletion of alice's message: a record that opens and chains,
    # refused only by the judge (neither its author nor an admin).
    forged_id = Forger(bob.home).message(alice.hub / f"{team}.db", team, type="delete",
                                         target=target)
    forged = shipped(alice, team, forged_id)
    here, store, messages = joining_host(tmp_path, alice, team)
    page = messages[:4] + [forged] + messages[4:]
    backfill_state.expect_history(store, page)
    outcome = apply_records(here, team, page, create=False, hub_order=True, store=store)
    assert outcome is not None and not outcome.waiting
    assert [(e.hash, reason) for e, reason in outcome.refused] == [
        (forged.hash, "deleted by someone who is neither its author nor an admin")]
    assert sorted(e.hash for e in outcome.applied) == sorted(e.hash for e in messages)
    assert backfill_state.finish(store) == []  # the walk's end: verify judges all of it
    assert store.verify() == []
    shown = {v.id: v for v in store.recent(50)}
    assert not shown[target].deleted and shown[target].verified
    assert forged_id not in shown
    store.close()


def test_a_value_sqlite_would_convert_is_judged_as_stored(
        tmp_path: Path, alice: User, bob: User, team: str):
    """An import id is no field a text message's checks type: a number is stored as text,
    which is not what bob signed; judged as read back, it is refused, and the rest kept."""
    bob.ok("send", "team", "bob's own")
    odd_id = Forger(bob.home).message(alice.hub / f"{team}.db", team, "odd",
                                      extra={"orig_id": 5})
    odd = shipped(alice, team, odd_id)
    alice.ok("send", "team", "after it")
    here, store, messages = joining_host(tmp_path, alice, team)
    outcome = apply_records(here, team, messages + [odd], create=False, hub_order=True,
                            store=store)
    assert outcome is not None and not outcome.waiting
    assert [(e.hash, reason) for e, reason in outcome.refused] == [
        (odd.hash, "row does not match its signed record (edited in the file)")]
    assert sorted(e.hash for e in outcome.applied) == sorted(e.hash for e in messages)
    assert backfill_state.finish(store) == []  # the walk's end: verify judges all of it
    assert store.verify() == []
    store.close()


def test_a_pages_names_are_its_ids_above_the_top_before_it_opened_or_not(
        tmp_path: Path, alice: User, bob: User, team: str):
    for i in range(3):
        bob.ok("send", "team", f"old {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    genuine = json.loads(messages[1].text)
    altered_text = json.dumps({**genuine, "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "body": "altered"},
                              sort_keys=True, separators=(",", ":"))
    altered = Envelope(team, "msg", altered_text, messages[1].sig, None, "evil")  # never opens
    top = store.last_rowid()
    page = [altered, *messages]
    backfill_state.expect_history(store, page)
    outcome = apply_records(here, team, page, create=False, hub_order=True, store=store)
    assert outcome is not None and [e for e, _ in outcome.refused] == [altered]
    with sqlite3.connect(here / f"{team}.db") as conn:
        named = dict(conn.execute("SELECT id, top FROM joined_history_ids").fetchall())
    assert named == {json.loads(e.text)["id"]: top for e in page}
    backfill_state.lower(store, 1)
    with sqlite3.connect(here / f"{team}.db") as conn:
        assert conn.execute("SELECT lo, hi FROM joined_history").fetchall() == [
            (top + 1, top + len(messages))]
    store.close()
