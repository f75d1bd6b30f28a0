"""A membership change that lost its place after a hub restore is told once, not as history
deleted for good (docs/relay.md "Restored files, second round (h-restore2)"; the thirteenth
acceptance pass's "Left open").

The hub's file put back to an older copy while its relay was stopped; alice writes a change
into it at the place the stream holds bob's change at (ordered and confirmed earlier). The
hub's relay takes alice's change out when it starts (relay/stream_order.py) and the count
fetches bob's back. alice's client had pinned her change as verified when she wrote it, and
every command of hers then warned that change N, "verified earlier, is gone or altered
(history deleted)". The relay notes what it took out (core.relay_notes): her
client tells once that her change lost its place, lowers its pin to bob's change, and is
quiet after. A change deleted outright from the file is still told as history deleted.

Hub A (alice, fay) and leaf B (bob): real nats-servers, relays and `peers` processes."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_hub_restored import change_at_an_ordered_place, changes, two_hosts
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow

GONE = "gone or altered"


def test_a_change_that_lost_its_place_is_told_once_and_a_deletion_still_warns(tmp_path):
    with two_hosts(tmp_path) as (hub, leaf, alice, bob, fay):
        mine, theirs, place, _ = change_at_an_ordered_place(tmp_path, hub, leaf, alice, bob,
                                                            fay)
        # The note is the relay's own, beside the file, not in it (h-relaynotes).
        assert (mine.parent / ".relay-notes" / f"{mine.stem}.json").is_file()
        with sqlite3.connect(mine) as db:
            assert not db.execute("SELECT 1 FROM sqlite_master WHERE name LIKE 'relay_%'").fetchall()
        told = alice.run("log", "team")
        said = told.out + told.err
        assert f"your membership change {place} lost its place" in said, said
        assert "make it again" in said and GONE not in said, said
        again = alice.run("verify", "team")  # told once: the pin is on bob's change now
        assert again.code == 0 and "lost its place" not in again.out + again.err, again
        assert GONE not in again.out + again.err

        # A change deleted outright (no note of the relay's): history deleted, as before.
        alice.ok("role", "team", "fay", "writer")
        newest = changes(mine)[-1][0]
        wait_for(lambda: changes(theirs)[-1][0] == newest, timeout=30, what="alice's change on B")
        hub.stop()
        with sqlite3.connect(mine) as db:
            db.execute("DELETE FROM group_members WHERE seq = ?", (newest,))
        deleted = alice.run("verify", "team")
        assert f"change {newest}, verified earlier, is {GONE}" in deleted.out + deleted.err
