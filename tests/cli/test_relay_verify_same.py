"""Two void records in a row signed with a member's own key, written into one host's file
(docs/relay.md, "A void row's place, the same on every host"): `peers verify` must give every
record, and every author's chain, the same verdict and reason on every host.

bob's modified client on leaf B files, as his next record, a row that is no record of his at
that place (another group's record of his, or carol's record under his name), then an edit
chained on it by hash, then his honest client sends. B's relay refuses the first two; the
second is carried as evidence (the honest one names it: relay/chain_evidence.py), the first
holds no place and stays on B alone. A and C said bob's chain misses a record ("1 of their
records are missing (history deleted)"), B named only the row ("record belongs to another
group"): B counted the row's place as held, from its columns. Now every host says the
place is empty (B: altered or forged in its file, where its row stands), and B names its row as well (a row only its file holds, as in
tests/cli/test_relay_junk_at_arrival.py).

Three hosts on loopback (hub A, leaves B and C: real nats-server and relays); the rows are
written straight into B's file with sqlite3, signed with keys the test holds."""

from __future__ import annotations

from typing import Any

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.envelope import Envelope, fed_subject, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.conftest import User
from tests.relay_helpers import bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow

MISSING = "1 of their records are missing (history deleted)"
ALTERED = "1 of their records are altered or forged in this file (not deleted)"


def write_void_row(how: str, db, group_id: str, bob: User, carol: User) -> tuple[str, str]:
    """At bob's next place of B's file, a row that is not his record there; returns its id
    and the reason B's verify gives for it."""
    forger = Forger(bob.home)
    aseq, aprev = forger.chain_head(db)
    if how == "another group's record":  # bob's own key and place, another group's id
        elsewhere = bob.ok("create", "elsewhere").out.strip()
        return forger.message(db, elsewhere, "from elsewhere", aseq=aseq + 1, aprev="",
                              mseq=0), "record belongs to another group"
    # carol signs bob's next place; the columns say bob
    return Forger(carol.home).message(db, group_id, "not bob's", aseq=aseq + 1, aprev=aprev,
                                      columns={"author": forger.user_id}), "row does not match its signed record"


def verdicts(user: User) -> dict[str, tuple[bool, str | None]]:
    """Each record of `peers log --json`: (verified, problem)."""
    return {m["id"]: (m["verified"], m.get("problem")) for m in user.ok("log", "team",
                                                                        "--json").json()}


@pytest.mark.parametrize("how", ["another group's record", "signed by another key"])
def test_two_void_records_in_a_row_read_the_same_on_every_host(how, three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    row, reason = write_void_row(how, db, group_id, bob, carol)
    [first] = [m["id"] for m in bob.ok("log", "team", "--json").json() if m["body"] == "first"]
    Forger(bob.home).edit(db, group_id, first, "edited on the void row")  # names it by hash
    wait_for(lambda: b.status().get("rejected") == {"B": 2}, what="B's two refusals")
    bob.ok("send", "team", "honest after")
    wait_for(lambda: "honest after" in bodies(alice) and "honest after" in bodies(carol),
             what="bob's honest message on A and C")
    assert hub.status()["waiting"] == 0 and c.status()["waiting"] == 0

    # Every record the hosts share: the same verdict and reason everywhere.
    logs = [verdicts(user) for user in (alice, bob, carol)]
    assert logs[0] == logs[2] == {key: found for key, found in logs[1].items() if key != row}
    # Every host says bob's chain lacks his record at the place the row stands at: A and C
    # that it is missing, B, whose file alone holds the row, that it is altered or forged
    # there (core/altered_before.py); B names the row too (why it is no record of bob's).
    elsewhere = [failures(user) for user in (alice, carol)]
    assert elsewhere[0] == elsewhere[1], elsewhere
    code, lines = elsewhere[0]
    assert code == 1 and len(lines) == 1 and MISSING in lines[0], lines
    code, here = failures(bob)
    [named] = [line for line in here if row in line]
    assert f"message {row}: {reason}" in named and len(here) == 2, here
    [place] = [line for line in here if line != named]
    assert place.startswith(lines[0].replace(MISSING, ALTERED)), (place, lines)


def envelope(forger: Forger, signed_for: str, group_id: str, fields: dict[str, Any]) -> Envelope:
    """A text message of `forger`'s, signed for group `signed_for`, shipped as `group_id`'s
    from B."""
    now = now_ms()
    record = forger.sign(RecordKind.MSG, signed_for, {"id": ulid_text(new_ulid(now)),
                                                      "type": "text", **fields}, t=now)
    return Envelope(group_id, "msg", record.text, record.sig, None, "B")


@pytest.mark.parametrize("stream", ["B's inbound stream", "the federation stream"])
def test_two_void_records_in_a_row_published_into_a_stream_read_the_same(stream, tmp_path):
    """The same three records (another group's record of bob's as his first, one on it, one
    on that) published into B's inbound stream (as B's relay would) or past the hub into the
    federation stream (with the hub relay's credential): the relay reading them refuses the
    first, the second once bob's honest first record holds his place 1, and the third waits
    for the second (bounded, as any record whose predecessor never comes); no file holds any
    of them, so
    every host's `peers verify` and log say the same. A regression guard: this passed before
    the fix above too (no host stores a void record that arrives: only one written into a
    host's own file is kept there)."""
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        forger = Forger(bob.home)
        elsewhere = bob.ok("create", "elsewhere").out.strip()
        mseq = Forger(alice.home).membership_head(alice.hub / f"{group_id}.db")[0]
        first = envelope(forger, elsewhere, group_id,
                         {"body": "elsewhere", "aseq": 1, "aprev": "", "mseq": 0})
        second = envelope(forger, group_id, group_id, {"body": "on it", "aseq": 2,
                                                       "aprev": first.hash, "mseq": mseq})
        third = envelope(forger, group_id, group_id, {"body": "on that", "aseq": 3,
                                                      "aprev": second.hash, "mseq": mseq})
        reader = hub if stream == "B's inbound stream" else c  # (B ignores its own origin)
        subject = (in_subject("B", group_id) if reader is hub
                   else fed_subject(group_id, "msg"))
        for sent in (first, second, third):
            assert through(b if reader is hub else hub, publish(subject, sent)) == "done"
        wait_for(lambda: reader.status().get("rejected") == {"B": 1}, timeout=30,
                 what="the first refused")
        bob.ok("send", "team", "honest")  # bob's place 1: what names the first breaks a chain
        wait_for(lambda: "honest" in bodies(alice) and "honest" in bodies(carol), timeout=30,
                 what="bob's honest message on A and C")
        # (30 s: it timed out at 15 three times beside a 40,000-message verify, load 5)
        wait_for(lambda: reader.status().get("rejected") == {"B": 2}, timeout=30,
                 what="the second refused")
        logs = [verdicts(user) for user in (alice, bob, carol)]
        assert logs[0] == logs[1] == logs[2] and all(ok for ok, _ in logs[0].values()), logs
        assert [failures(user) for user in (alice, bob, carol)] == [(0, [])] * 3
