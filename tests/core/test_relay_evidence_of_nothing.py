"""An "evidence" envelope whose record is evidence of nothing (the attack pass on "One
message id, two records", docs/relay.md): a genuine message that no other record contests
(no other record of its author at its place, no other record of its id, not void). A leaf's
relay operator can send any record written on that host so (or anyone able to write the
leaf's file can move an unsent row into its `fork_evidence`, which its scan ships as
evidence): before, the hub kept it in `fork_evidence` and carried it as evidence only, so
every host hid the message from its log, `peers verify` said nothing anywhere, and its
author's later records stood on it. Now the hub applies it as the message it is."""

from __future__ import annotations

import sqlite3

from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from tests.core.test_relay_hub_holds_id import a_host, as_evidence, problems


def bodies(db) -> tuple[list[str], int]:
    with sqlite3.connect(db) as conn:
        return ([body for (body,) in conn.execute("SELECT body FROM message ORDER BY rowid")],
                conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone()[0])


def test_a_genuine_message_sent_as_evidence_is_applied_as_a_message_at_the_hub(
        tmp_path, alice, bob, team):
    alice.ok("send", "team", "hello")
    hub = a_host(tmp_path, alice, team, "hub")
    for body in ("bob 1", "bob 2"):
        bob.ok("send", "team", body)  # on his host, not at the hub yet
    with sqlite3.connect(alice.hub / f"{team}.db") as conn:
        first, second = [Envelope(team, "msg", text, bytes(sig), None, "B") for text, sig in
                         conn.execute("SELECT record, sig FROM message WHERE author_seq > 0"
                                      " AND body LIKE 'bob %' ORDER BY author_seq")]
    outcome = apply_records(hub, team, [as_evidence(first)], create=False)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    assert [(e.table, e.text) for e in outcome.applied] == [("msg", first.text)]
    outcome = apply_records(hub, team, [second], create=False)
    assert outcome is not None and [e.text for e in outcome.applied] == [second.text], outcome
    assert bodies(hub / f"{team}.db") == (["hello", "bob 1", "bob 2"], 0)
    assert problems(hub / f"{team}.db", team) == []
