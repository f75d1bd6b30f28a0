"""A long run of void records signed with a member's own key (nineteenth attack pass,
h-attack19, target 1): bob's modified client writes N edits of alice's message into leaf B's
file, each at his next place (each void: "edited by someone other than its author"), then
signs a genuine message after them. B's relay refuses every one (N quarantine rows), and
when the genuine one is scanned it walks the whole run down into `fork_evidence`
(relay/chain_evidence.move_named_void) and ships it as evidence to every host.

Measured, not only asserted: how long B takes to refuse the run, how long carol's message
(another host, posted while B works on the run) takes to reach B's log, how long bob's
genuine message takes to reach every host, and B's relay's CPU seconds for all of it.
Asserted: every host ends with one log, bob's next verified, `peers verify` clean, and
carol's messages are not held behind the run (nor its walk) for longer than the bounds below,
and B's relay's CPU for the run grows linearly with it (docs/relay.md, "A long run of void
records, linear (h-voidrun)").
"""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow

RUN = int(os.environ.get("PEERS_TEST_VOID_RUN", "1200"))  # docs/relay.md: 600 and 2,400 too
# Carol's message posted while B's relay walks the run into evidence lands in B's file while
# the walk is still under way (fewer than RUN records moved: B's relay moves WALK_TURN a scan
# turn and applies what arrived between turns; before h-voidwalk the walk was one scan on the
# relay's loop, and it landed after all of it), and reaches B's log within this whatever RUN
# is (docs/relay.md, "The void walk a turn at a time (h-voidwalk)"). B's relay spends at
# most this many CPU seconds on the whole run (h-voidrun: linear), scaled with RUN.
WALK_BOUND_S = 6.0
CPU_BOUND_S = 8.0 * RUN / 1200


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def landed(db, body: str, timeout: float) -> int:
    """The rows of `fork_evidence` in the group file `db` at the first read that holds the
    message `body` (one read transaction: the walk's count as the message landed)."""
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            with conn:
                conn.execute("BEGIN")
                if conn.execute("SELECT 1 FROM message WHERE body = ?", (body,)).fetchone():
                    return int(conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone()[0])
        finally:
            conn.close()
        assert time.monotonic() < deadline, f"{body!r} not in {db} after {timeout} s"
        time.sleep(0.02)


def forge_run(forger: Forger, db, group_id: str, target: str, count: int) -> None:
    """`count` edits of `target` by the forger, each at the next place of their chain, all
    in one transaction (a modified client's run)."""
    aseq, aprev = forger.chain_head(db)
    mseq = forger.membership_head(db)[0]
    conn = sqlite3.connect(str(db), isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for n in range(count):
            aseq += 1
            at = now_ms()
            message_id = ulid_text(new_ulid(at))
            fields = {"id": message_id, "type": "edit", "mseq": mseq, "aseq": aseq,
                      "aprev": aprev, "body": f"void {n}", "target": target}
            record = forger.sign(RecordKind.MSG, group_id, fields, t=at)
            conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                         " record, sig, target) VALUES (?,?,?,?,?,?,?,?,?)",
                         (message_id, forger.user_id, aseq, "edit", at, f"void {n}",
                          record.text, record.sig, target))
            aprev = record_hash(record.text)
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_a_long_run_of_void_records_is_bounded_and_holds_no_other_delivery(three):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    alice.ok("send", "team", "alice's first")
    wait_for(lambda: "alice's first" in bodies(bob), what="alice's first on B")
    [target] = [m["id"] for m in bob.ok("log", "team", "--json").json()
                if m["body"] == "alice's first"]
    assert b.process is not None
    cpu0, began = cpu_seconds(b.process.pid), time.monotonic()
    forge_run(Forger(bob.home), b.hub / f"{group_id}.db", group_id, target, RUN)
    forged = time.monotonic()
    carol.ok("send", "team", "carol during the run")
    wait_for(lambda: "carol during the run" in bodies(bob), timeout=60,
             what="carol's message on B while its relay refuses the run")
    carol_on_b = time.monotonic() - forged
    wait_for(lambda: b.status()["rejected"].get("B", 0) >= RUN, timeout=300,
             what="B's relay refusing the whole run")
    refused = time.monotonic() - forged
    bob.ok("send", "team", "bob's next")
    sent = time.monotonic()
    carol.ok("send", "team", "carol during the walk")
    spy = os.environ.get("PEERS_TEST_SPY")
    if spy:  # where B's relay spends the walk (py-spy, for the pass's notes)
        import subprocess

        time.sleep(2)
        with open(b.root.parent / "spy.txt", "w") as spied:
            for _ in range(8):
                subprocess.run([spy, "dump", "--pid", str(b.process.pid)], stdout=spied,
                               check=False)
                time.sleep(2)
    moved_then = landed(b.hub / f"{group_id}.db", "carol during the walk", 300)
    wait_for(lambda: "carol during the walk" in bodies(bob), timeout=300,
             what="carol's message on B while its relay walks the run")
    walk_carol = time.monotonic() - sent
    between = carol.run("verify", "team")  # C holds part of the run, not yet bob's next
    wait_for(lambda: all("bob's next" in bodies(u) for u in (alice, bob, carol)), timeout=300,
             what="bob's next on every host")
    everywhere = time.monotonic() - sent
    cpu = cpu_seconds(b.process.pid) - cpu0
    print(f"run of {RUN}: refused on B in {refused:.1f} s; carol's on B in {carol_on_b:.1f} s;"
          f" bob's next everywhere in {everywhere:.1f} s; carol's during the walk on B in"
          f" {walk_carol:.1f} s ({moved_then} of the run moved then); B's relay {cpu:.1f} CPU s; "
          f"load {os.getloadavg()[0]:.1f}; total {time.monotonic() - began:.1f} s")
    for user in (alice, carol):
        [shown] = [m for m in user.ok("log", "team", "--json").json() if m["body"] == "bob's next"]
        assert shown["verified"] is True, (user.name, shown)
    logs = {u.name: bodies(u) for u in (alice, bob, carol)}
    assert logs["alice"] == logs["bob"] == logs["carol"], logs
    verdicts = {u.name: u.run("verify", "team") for u in (alice, bob, carol)}
    assert all(v.code == 0 for v in verdicts.values()), {n: v.out for n, v in verdicts.items()}
    assert carol_on_b < 30, carol_on_b
    assert between.code == 0 and "deleted" not in between.out, between.out
    assert moved_then < RUN, (moved_then, "carol's held until the whole walk was through")
    assert walk_carol < WALK_BOUND_S, (walk_carol, "carol's held behind the walk")
    assert cpu < max(CPU_BOUND_S, 4.0), (cpu, "B's relay CPU seconds for the run")
