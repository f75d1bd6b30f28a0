"""A record that fails its own checks, signed with a member's key and filed into the hub's
file at the next place of their chain, and then the member's genuine next record from their
own host (fourteenth acceptance pass; fixed: docs/relay.md, "A self-void record holds no
place (h-forkhalf)").

Live: a delete by dave and a topic by hal (writers), signed with their own keys while their
chains stood two hours ahead of the clock, went into A's (the hub's) `crew` file and were
refused there ("backdated: signed earlier than its author's previous record"), never sent.
dave's and hal's next genuine messages from B took the same places: the hub kept each as
evidence of a fork (both void there) and carried it on as evidence only; leaf C filed it into
`fork_evidence` with nothing else at its place (not in C's log; `peers verify` ok); B, where
it was written, shows it. Three hosts, three verdicts. Now a record void for its own checks
(core/self_void.py) is no half of a fork on any host: the hub sets it aside for the genuine
one, which it carries on as a message, and every host shows it, verifies clean of forks and
pins the same heads. One test for each way a record is void on its own
(tests/core/test_self_void_forks.py: SELF_VOID).

Three hosts on loopback (hub A, leaves B and C, real nats-servers and relays).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.core.test_self_void_forks import SELF_VOID
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def _forge_after_first(three, body: str, options) -> None:  # noqa: F811
    """bob's first message everywhere, then a record of his at his next place, with
    `options(signed time of the first)`, written into the hub's file."""
    hosts, group_id = three
    hub, b, c = hosts
    users = (hub.users["alice"], b.users["bob"], c.users["carol"])
    users[1].ok("send", "team", "bob's first")
    wait_for(lambda: all("bob's first" in bodies(user) for user in users),
             what="bob's first everywhere")
    db = hub.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:
        [(text, aseq)] = conn.execute("SELECT record, author_seq FROM message WHERE body = ?",
                                      ("bob's first",)).fetchall()
    Forger(users[1].home).message(db, group_id, body, aseq=aseq + 1, aprev=record_hash(text),
                                  **options(json.loads(text)["t"]))


@pytest.mark.parametrize("how", sorted(SELF_VOID))
def test_a_self_void_record_in_the_hubs_file_does_not_take_its_authors_next_message(three, how):  # noqa: F811
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    options, reason = SELF_VOID[how]
    _forge_after_first(three, f"void: {how}", options)
    wait_for(lambda: reason in hub.peers().ok("relay", "rejected").out,
             what="the hub's relay refusing the void row of its own file")
    bob.ok("send", "team", "bob's genuine next")
    wait_for(lambda: "bob's genuine next" in bodies(bob), what="bob's next on B")

    def seen() -> list[bool]:
        return ["bob's genuine next" in bodies(user) for user in (alice, bob, carol)]

    wait_for(lambda: all(seen()), timeout=20,
             what="bob's genuine next message on every host (A, B, C)")
    for user in (alice, bob, carol):
        [shown] = [m for m in user.ok("log", "team", "--json").json()
                   if m["body"] == "bob's genuine next"]
        assert shown["verified"] is True, (user.name, shown)
        assert "forked chain" not in user.run("verify", "team").out, user.name
    heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads() for h in hosts]
    assert heads[0] == heads[1] == heads[2], heads


def test_a_record_refused_only_for_the_hubs_clock_gives_one_verdict_everywhere(three):  # noqa: F811
    """A record signed 26 h ahead passes every rule of its own (a signed time is no reader's
    to doubt) and is refused by the hub's clock: no rule of the record's voids it, so the
    verdict is the fork rule's (both void), which every host reaches only holding both. The
    hub kept bob's genuine next as evidence and carried it on; it ships the refused one as
    evidence too (rows._uncarried). Before: on A both void, on B the genuine one live, on C
    kept as evidence with nothing beside it (verify ok). Now on every host the same lines of
    `peers verify` (both records of the fork) and the genuine one live nowhere: in B's log
    unverified, on A and C in fork_evidence (as any fork's second record off its host)."""
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    _forge_after_first(three, "a day ahead", lambda t: {"t": t + 26 * 3_600_000})
    wait_for(lambda: "ahead" in hub.peers().ok("relay", "rejected").out,
             what="the hub's relay refusing the row signed ahead")
    bob.ok("send", "team", "bob's genuine next")
    wait_for(lambda: "bob's genuine next" in bodies(carol) or _evidence_count(c, group_id) > 0,
             timeout=20, what="bob's next on C, in the log or as evidence")

    def verdicts() -> list[tuple[bool, str]]:
        found = []
        for user in (alice, bob, carol):
            live = [m["verified"] for m in user.ok("log", "team", "--json").json()
                    if m["body"] == "bob's genuine next"] == [True]
            report = [line.split(": ", 1)[1] for line in user.run("verify", "team").out.splitlines()
                      if "forked" in line]
            found.append((live, "\n".join(report)))
        return found

    wait_for(lambda: len(set(verdicts())) == 1, timeout=20,
             what="one verdict on bob's genuine next on A, B and C")
    [(live, report)] = set(verdicts())
    assert not live and report.count("forked chain: another record") == 2, report


def _evidence_count(host, group_id: str) -> int:
    with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM fork_evidence").fetchone()[0]
