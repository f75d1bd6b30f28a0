"""A fork arriving in a backfill's pages, newest first (relay/evidence.py, apply_batch's
NOT_FOLLOWING, docs/relay.md "An author forking their own chain"), without NATS."""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from tests.conftest import User
from tests.core.test_relay_backfill_apply import joining_host


def test_a_fork_arriving_newest_first_keeps_the_record_built_on_it(
        tmp_path: Path, alice: User, bob: User, team: str):
    """bob forks place 1 of his chain and builds place 2 on his first record. A joiner gets
    place 2, then the second record at place 1, then the first: the second does not take
    place 2 out as "does not follow" (the record it names is still to come: the hub carries
    every record of a fork), and the joiner ends as alice's file is (docs/relay.md)."""
    import sqlite3

    from peers_tui.core.encoding import record_hash
    from peers_tui.testing.forge import Forger

    bob.ok("send", "team", "first at one")
    db = alice.hub / f"{team}.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX message_author_author_seq")
        [(first,)] = conn.execute("SELECT record FROM message WHERE body = 'first at one'")
    Forger(bob.home).message(db, team, "built on the first", aseq=2, aprev=record_hash(first))
    Forger(bob.home).message(db, team, "second at one", aseq=1, aprev="")
    here, store, messages = joining_host(tmp_path, alice, team)
    by_body = {e.text: e for e in messages}
    order = [next(e for text, e in by_body.items() if body in text)
             for body in ("built on the first", "second at one", "first at one")]
    held: list[Envelope] = []  # what the relay holds and offers again with the next page
    for envelope in order:
        outcome = apply_records(here, team, held + [envelope], create=False, hub_order=True,
                                store=store)
        assert outcome is not None and not outcome.refused, outcome.refused
        held = [e for e, _ in outcome.waiting]
    assert held == [] and backfill_state.finish(store) == []
    shown = {v.body: v for v in store.recent(50)}
    assert shown["built on the first"].verified, shown["built on the first"].problem
    assert not any(v.verified for body, v in shown.items() if body.endswith("at one"))
    assert store.heads() == GroupStore(db, team).heads()
    store.close()
