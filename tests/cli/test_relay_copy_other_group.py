"""A genuine record copied into another group's file on its own host (twelfth acceptance pass):
bob's message of `two`, sent and held everywhere, written with sqlite3 into B's `one` file.
B's relay rightly refused it there ("record belongs to another group"), keeping its hash in
the quarantine; at bob's next message in `two` the scan asked whether the predecessor it
names was refused here, by hash and host alone, and moved bob's genuine record out of
`two`'s message table into `fork_evidence`: gone from `peers log two` on B, still on every
other host. A refusal counts in the group it was made in. Real relays and nats-servers on
loopback."""

from __future__ import annotations

import sqlite3

from tests.relay_helpers import Refusals, bodies, federation, start_linked, stop_all, wait_for

COLUMNS = "id, author, author_seq, kind, created_at, body, record, sig, target, reply_to, orig_id"


def test_a_copy_refused_in_one_group_leaves_the_original_in_its_own(tmp_path):
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        one = alice.ok("create", "one").out.strip()
        two = alice.ok("create", "two").out.strip()
        codes = [alice.ok("invite", name).out.strip() for name in ("one", "two")]
        start_linked(hosts)
        for code in codes:
            wait_for(lambda code=code: bob.run("join", code).code == 0, what="bob's join")
        original = bob.ok("send", "two", "the original").out.strip()
        wait_for(lambda: "the original" in bodies(alice, "two"), what="the original on A")
        refusals = Refusals(hosts)
        with sqlite3.connect(leaf.hub / f"{one}.db") as db:
            db.execute("ATTACH ? AS two", (f"file:{leaf.hub / f'{two}.db'}?mode=ro",))
            db.execute(f"INSERT INTO message ({COLUMNS}) SELECT {COLUMNS} FROM two.message"
                       " WHERE id = ?", (original,))
        wait_for(lambda: refusals.of(leaf) == {"B": 1}, what="the copy refused on B")
        bob.ok("send", "two", "the next one")
        wait_for(lambda: "the next one" in bodies(alice, "two"), what="the next one on A")
        wait_for(lambda: leaf.status().get("unsent") == 0, what="B's scan of the next one")
        assert bodies(bob, "two")[-2:] == ["the original", "the next one"]
        with sqlite3.connect(f"file:{leaf.hub / f'{two}.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT COUNT(*) FROM message WHERE id = ?", (original,)).fetchone() == (1,)
            assert db.execute("SELECT COUNT(*) FROM fork_evidence").fetchone() == (0,)
        assert refusals.of(leaf) == {"B": 1}
        assert refusals.of(hub) == {}
    finally:
        stop_all(hosts)

