"""What a membership change written into this host's file voids is taken out by the relay's
scan of that file, as a relay applying the change takes it out (docs/relay.md, "Records a
change voids where it is written"). The ninth pass's case: erin's leave written on C after
records of hers signed later than it (by her clock) under an older state; A and B, applying
the leave, took them out; C kept them (its relay only scans what its own users write).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_head import catch_up
from peers_tui.relay.rows import scan_local
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_voided_by_leave_clock import post_signed_after_a_leave

LEFT = ("signed after its author was gone (left) (membership change 2) but names an earlier "
        "membership state")


def test_the_scan_takes_out_what_a_leave_written_here_voids_once(
        alice: User, bob: User, team: str) -> None:
    db, late = post_signed_after_a_leave(bob, team)
    store = GroupStore(db, team)
    try:
        scan = scan_local(store, "A", 0, 0)
        again = scan_local(store, "A", 0, 0)  # the log has not moved: nothing read again
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM message WHERE body = 'after leaving'"
                            ).fetchone() == (0,)
    assert [(envelope.table, reason) for envelope, reason in scan.voided] == [("msg", LEFT)]
    assert all(envelope.text != scan.voided[0][0].text for envelope in scan.genuine)
    assert again.voided == []
    logged = [m["body"] for m in alice.ok("log", "team", "--json").json()]
    assert "before" in logged and "after leaving" not in logged
    assert late not in alice.ok("verify", "team").out


REMOVED = ("beyond where membership change 2 cut its author's chain (removed) but names an "
           "earlier membership state")


def test_a_commands_catch_up_leaves_what_it_voids_to_the_relays_scan(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    """A leaf's membership command that lost the race writes the hub's changes itself
    (relay.hub_head.catch_up). Its apply took out what they voided with nowhere to keep it:
    destroyed on that host while every other kept it in its relay's quarantine. Now it is
    left for the relay's scan, which keeps it."""
    bob.ok("send", "team", "seen by the remover")
    db = bob.hub / f"{team}.db"
    elsewhere = tmp_path / "elsewhere.db"  # the hub's copy, where alice removes bob
    with sqlite3.connect(db) as source, sqlite3.connect(elsewhere) as copy:
        source.backup(copy)
    seq = Forger(alice.home).change(elsewhere, team, "remove", Forger(bob.home).user_id)
    with sqlite3.connect(elsewhere) as conn:
        text, sig = conn.execute("SELECT record, sig FROM group_members WHERE seq = ?",
                                 (seq,)).fetchone()
    bob.ok("send", "team", "not seen by the remover")  # here, before the removal arrives
    catch_up(bob.hub, team, [Envelope(team, "member", text, bytes(sig), None, "")])
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM message WHERE body LIKE 'not seen%'"
                            ).fetchone() == (1,)
    store = GroupStore(db, team)
    try:
        scan = scan_local(store, "B", 0, 0)
    finally:
        store.close()
    assert [(json.loads(e.text)["body"], why) for e, why in scan.voided] == [
        ("not seen by the remover", REMOVED)]
    logged = [m["body"] for m in alice.ok("log", "team", "--json").json()]
    assert "seen by the remover" in logged and "not seen by the remover" not in logged
