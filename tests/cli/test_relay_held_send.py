"""The TUI's own send while a handle change waits for the hub (issue 15, loose ends): the app's
send path (core.message_actions, as the outbox calls it) signed the held handle change again
on every send and kept it anew; `peers send`'s lean path already posted at once
(relay/held_peek.py). Now both reuse the kept record, which the relay proposes when the link
is back."""

from __future__ import annotations

import os
import sqlite3

from peers_tui.core import membership_order
from tests.cli.test_relay import joined
from tests.relay_helpers import bodies, federation, stop_all, wait_for

SENDS = 5


def membership_rows(hub, group_id: str) -> list[tuple]:
    with sqlite3.connect(hub / f"{group_id}.db") as db:
        return db.execute("SELECT seq, record FROM group_members ORDER BY seq").fetchall()


def test_the_apps_sends_while_a_handle_change_waits_reuse_the_kept_change(tmp_path):
    from peers_tui.cli.relay import install_ordering
    from peers_tui.core.account import Account
    from peers_tui.relay.held_peek import held_file
    from peers_tui.testing.forge import Forger

    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob, group_id = joined(hub, leaf)
        hub.stop()
        wait_for(lambda: not leaf.link_up(), what="the leaf to see the cut")
        assert "waits for the hub" in bob.ok("id", "--handle", "robert").err
        kept = held_file(str(leaf.hub), group_id, Forger(bob.home).user_id)
        with open(kept) as file:
            text = file.read()
        before, rows = os.stat(kept), membership_rows(leaf.hub, group_id)
        install_ordering()  # as `peers` does before the app starts (cli.relay.in_hub_order)
        account = Account(bob.home, bob.hub)
        try:
            for n in range(SENDS):  # what the app's outbox does for each Enter
                view, after = account.messages.send_first("team", f"from the app {n}")
                after.write()
        finally:
            account.close()
            membership_order.install(None)
            membership_order.install_held(None)
        after_sends = os.stat(kept)
        # Not signed and kept again: the same file (a new one is renamed into place).
        assert (after_sends.st_ino, after_sends.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        with open(kept) as file:
            assert file.read() == text
        assert membership_rows(leaf.hub, group_id) == rows  # nothing written here either
        assert [m["body"] for m in bob.ok("log", "team", "--json").json()][-SENDS:] == [
            f"from the app {n}" for n in range(SENDS)]
        # The kept change is the one the relay proposes once the hub is back.
        hub.start()
        wait_for(lambda: {m["handle"] for m in alice.ok("members", "team", "--json").json()}
                 == {"alice", "robert"}, what="the kept handle change at the hub")
        wait_for(lambda: f"from the app {SENDS - 1}" in bodies(alice), what="the sends at A")
        assert all(m["verified"] for m in alice.ok("log", "team", "--json").json())
    finally:
        stop_all(hosts)
