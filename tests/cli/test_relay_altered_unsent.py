"""A genuine unsent row altered in place on its author's host (twelfth acceptance pass, "Found
after the count"): bob's `p1` sent while B's relay was stopped, then `UPDATE message SET
body=...` on that row of B's file (his record and signature untouched). B's scan refuses the
row (its columns lie), and as his next message names it, the scan moved it out of B's log
into `fork_evidence` and shipped it as evidence, which the hub took as the message it is: A
held `p1` in the log, B only in fork_evidence with `verify` ok there. The record is genuine,
so it is a message on every host: on B it stays in the log, flagged as an altered row, and
`verify` names it; `peers relay refetch` puts its columns back from the record. Real relays
and nats-servers on loopback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.relay_helpers import Host, bodies, federation, start_linked, stop_all, wait_for


@contextmanager
def bob_joined(tmp_path: Path) -> Iterator[tuple[list[Host], Any, Any, str]]:
    """alice on hub A founds `team`, bob on leaf B joins it: the hosts, alice, bob and the
    group id. Every process is stopped at the end."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()
        start_linked(hosts)
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join")
        yield hosts, alice, bob, group
    finally:
        stop_all(hosts)


@contextmanager
def bobs_row_altered(tmp_path: Path, *later: str) -> Iterator[tuple[list[Host], str, str]]:
    """alice on hub A founds `team`, bob on leaf B joins; with B's relay stopped bob sends
    `p1-to-tamper` and `later`, and p1's body is changed in B's file; B's relay started again.
    The hosts, the group id and p1's id."""
    with bob_joined(tmp_path) as (hosts, alice, bob, group):
        leaf = hosts[1]
        leaf.stop()
        first = bob.ok("send", "team", "p1-to-tamper").out.strip()
        for body in later:
            bob.ok("send", "team", body)
        with sqlite3.connect(leaf.hub / f"{group}.db") as db:
            db.execute("UPDATE message SET body = 'p1 TAMPERED' WHERE id = ?", (first,))
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        yield hosts, group, first


def test_an_altered_unsent_row_stays_in_its_authors_log_and_is_a_message_everywhere(tmp_path):
    with bobs_row_altered(tmp_path, "p2-after") as ((hub, leaf), group, first):
        alice, bob = hub.users["alice"], leaf.users["bob"]
        bob.ok("send", "team", "p3-later")
        wait_for(lambda: "p3-later" in bodies(alice), what="p3 on A")
        assert bodies(alice)[-3:] == ["p1-to-tamper", "p2-after", "p3-later"]
        wait_for(lambda: leaf.status().get("unsent") == 0, what="B's scan of p3")
        with sqlite3.connect(f"file:{leaf.hub / f'{group}.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT body FROM message WHERE id = ?", (first,)).fetchall() == [
                ("p1 TAMPERED",)]
            assert db.execute("SELECT COUNT(*) FROM fork_evidence").fetchone() == (0,)
        log = bob.ok("log", "team", "--json").json()
        altered = [m for m in log if m["id"] == first]
        assert len(altered) == 1 and "does not match its signed record" in str(altered[0])
        verify = bob.run("verify", "team")
        assert verify.code != 0 and "does not match its signed record" in verify.out + verify.err
        assert alice.run("verify", "team").code == 0
        # The repair: `relay refetch` puts the row's columns back from its own signed record.
        repaired = leaf.peers().ok("relay", "refetch", group).out
        assert f"1 rows altered in the file were put back from their signed records ({first})" in repaired
        assert bodies(bob)[-3:] == ["p1-to-tamper", "p2-after", "p3-later"]
        assert bob.run("verify", "team").code == 0
        assert "put back" not in leaf.peers().ok("relay", "refetch", group).out


def test_a_row_put_back_by_refetch_is_not_moved_when_named_later(tmp_path):
    """The row refused alone (nothing named it yet), put back by `relay refetch`, then named by
    bob's next message: the relay's earlier refusal of it is no verdict on a genuine row, which
    stays in the log, and its record goes to every host with the next one."""
    with bobs_row_altered(tmp_path) as ((hub, leaf), group, _):
        alice, bob = hub.users["alice"], leaf.users["bob"]
        wait_for(lambda: leaf.status().get("rejected") == {"B": 1}, what="the row refused on B")
        assert "put back" in leaf.peers().ok("relay", "refetch", group).out
        bob.ok("send", "team", "p2-after")
        wait_for(lambda: "p2-after" in bodies(alice), what="p2 on A")
        assert bodies(alice)[-2:] == ["p1-to-tamper", "p2-after"]
        assert bodies(bob)[-2:] == ["p1-to-tamper", "p2-after"]
        with sqlite3.connect(f"file:{leaf.hub / f'{group}.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT COUNT(*) FROM fork_evidence").fetchone() == (0,)
        assert bob.run("verify", "team").code == 0 and alice.run("verify", "team").code == 0
