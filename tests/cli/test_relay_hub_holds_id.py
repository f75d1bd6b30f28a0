"""One message id, two records: the hub's order decides what holds it (docs/relay.md, "One
message id, two records: what holds it").

Each host kept whichever record of an id came first and refused the other ("another record
holds this message id here"): a modified client that signs two records with one id and sends
them through two hosts at once left the leaf holding its own copy, which the hub refused,
for good. Now the hub keeps the first record of an id it sees and carries the other as
evidence only; a leaf applying a record of the hub's federation stream sets its own record
of that id aside into `fork_evidence` (it holds its place in its author's chain there).

Three hosts on loopback (hub A, leaves B and C: real nats-server and relays). Rows are
written straight into the files with sqlite3 and signed with the members' own keys, as a
modified client would (peers_tui.testing.forge).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def at_id(db, message_id: str) -> tuple[list[str], list[str]]:
    """The record texts at `message_id` in the message table, and fork_evidence's texts."""
    with sqlite3.connect(db) as conn:
        held = [row[0] for row in conn.execute("SELECT record FROM message WHERE id = ?",
                                               (message_id,))]
        aside = sorted(row[0] for row in conn.execute("SELECT record FROM fork_evidence"))
    return held, aside


def shown(user, message_id: str) -> list[str]:
    return [m["body"] for m in user.ok("log", "team", "--json").json() if m["id"] == message_id]


def same_everywhere(hosts, users, group_id: str) -> tuple[int, list[str]]:
    """Heads and `peers verify` the same on every host, nothing waiting: verify's report."""
    assert heads(hosts[0], group_id) == heads(hosts[1], group_id) == heads(hosts[2], group_id)
    reports = [failures(user) for user in users]
    assert reports[0] == reports[1] == reports[2], reports
    for host in hosts:
        assert host.status()["waiting"] == 0, host.name
    return reports[0]


@pytest.mark.parametrize("cut", ["C", "B"])
def test_one_authors_two_records_of_one_id_through_two_hosts_end_the_same(three, cut):  # noqa: F811
    """bob's modified client signs his next record on B and, naming it, the one after it with
    the same id on C, one of the two links cut. The hub holds B's (C's waits there for it, or
    never left C: its predecessor is not there); once the link is back C holds the hub's
    record at the id as well, its own set aside, on every host the same."""
    (hub, b, c), (alice, bob, carol), group_id = three
    hosts, users = (hub, b, c), (alice, bob, carol)
    dbs = [host.hub / f"{group_id}.db" for host in hosts]
    (c if cut == "C" else b).stop()
    forger = Forger(bob.home)
    # Ahead of both signing times, however long the wait between them (a record whose id's
    # time is before its signing time is refused as backdated, not as a copy).
    shared = ulid_text(new_ulid(now_ms() + 60_000))
    forger.message(dbs[1], group_id, "bob's on B", id=shared)
    [on_b] = at_id(dbs[1], shared)[0]
    if cut == "C":
        wait_for(lambda: at_id(dbs[0], shared)[0] == [on_b], what="B's record on the hub")
    aseq, _ = forger.chain_head(dbs[1])
    forger.message(dbs[2], group_id, "bob's on C", id=shared, aseq=aseq + 1,
                   aprev=record_hash(on_b))
    [on_c] = at_id(dbs[2], shared)[0]
    (c if cut == "C" else b).start()
    wait_for(lambda: all(at_id(db, shared) == ([on_b], [on_c]) for db in dbs), timeout=30,
             what="B's record at the id, C's set aside, on every host")
    bob.ok("send", "team", "bob next")  # builds on his record set aside: no fork
    wait_for(lambda: all("bob next" in bodies(user) for user in users), what="bob's next")
    for user in users:
        assert shown(user, shared) == ["bob's on B"], user.name
    code, lines = same_everywhere(hosts, users, group_id)
    assert code == 1 and len(lines) == 1, lines
    assert f"message {shared}" in lines[0] and "another record holds this message id" in lines[0]


def test_a_copy_of_another_members_id_displaces_the_original_nowhere(three):  # noqa: F811
    """carol's modified client on C copies the id of alice's message (learnt from another
    host while C's link is cut), and edits it: the hub holds alice's; on C, alice's takes
    the id when it arrives, carol's copy and her edit are set aside, and every host shows
    alice's message as she wrote it."""
    (hub, b, c), (alice, bob, carol), group_id = three
    hosts, users = (hub, b, c), (alice, bob, carol)
    dbs = [host.hub / f"{group_id}.db" for host in hosts]
    c.stop()
    alice.ok("send", "team", "alice's original")
    wait_for(lambda: "alice's original" in bodies(bob), what="alice's message on B")
    [original] = [m["id"] for m in bob.ok("log", "team", "--json").json()
                  if m["body"] == "alice's original"]
    [held] = at_id(dbs[0], original)[0]
    thief = Forger(carol.home)  # signed when alice's was: a genuine record of carol's on C
    thief.message(dbs[2], group_id, "carol's copy", id=original, t=json.loads(held)["t"])
    edit = thief.edit(dbs[2], group_id, original, "carol's edit of it")
    [copy] = at_id(dbs[2], original)[0]
    with sqlite3.connect(dbs[2]) as conn:
        [(edited,)] = conn.execute("SELECT record FROM message WHERE id = ?", (edit,))
    assert [m["verified"] for m in carol.ok("log", "team", "--json").json()
            if m["id"] == original] == [True]
    c.start()
    wait_for(lambda: all(at_id(db, original) == ([held], sorted([copy, edited])) for db in dbs),
             timeout=30, what="alice's record at the id, carol's two set aside, everywhere")
    carol.ok("send", "team", "carol next")  # builds on her edit, set aside: no fork
    wait_for(lambda: all("carol next" in bodies(user) for user in users), what="carol's next")
    for user in users:
        assert shown(user, original) == ["alice's original"], user.name
    assert c.status()["rejected"] == {}  # nothing of carol's refused on her own host either
    code, lines = same_everywhere(hosts, users, group_id)
    assert code == 1 and len(lines) == 2, lines
    assert any(f"message {original}" in line and "another record holds" in line for line in lines)
    assert any(f"message {edit}" in line and f"changes message {original}" in line
               for line in lines), lines
