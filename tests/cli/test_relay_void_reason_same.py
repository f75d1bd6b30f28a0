"""A record a cut voids is refused with the cut's reason on every host, whatever the host's file
holds below it (docs/relay.md, "Voided records by origin (h-voidorigin)").

The fifteenth acceptance pass: bob posted on B while B was cut off, erin removed him on C, and
one of his void posts was listed on B as "beyond where membership change 9 cut its author's
chain" (B took it out when the removal arrived) and on A as "does not follow its author's
previous record (chain broken)": the hub judged it when the place below it held another
record of bob's (he had joined again and posted; the cut released those places), and the
chain's reason came before the cut's. Which of an author's records a host holds must not
change why a void one is refused (as for a non-member's: chain_rules.non_member).

Here bob's two posts from the cut-off host are signed with his key as his client signed them
there (after 'b1', naming the state before his removal) and published on B's own subject, as
B's relay publishes, after he joined again and posted 'q1' at the first of those places: the
hub meets the second one with 'q1' below it. Three hosts on loopback (hub A, leaves B and C:
real nats-servers, relays and `peers` processes).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest

from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import bodies, three_hosts, wait_for

pytestmark = pytest.mark.slow

CUT_REMOVED = "cut its author's chain (removed) but names an earlier membership state"


def publish(group_id: str, envelopes: list[Envelope]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        for envelope in envelopes:
            headers = {**envelope.headers(), "Nats-Msg-Id": uuid.uuid4().hex}
            await js.publish(in_subject("B", group_id), envelope.payload(), headers=headers,
                             timeout=5.0)
    return action


def changes(host, group_id: str) -> int:
    with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM group_members").fetchone()[0])


def listed(host, hashes: set[str]) -> dict[str, str]:
    return {str(item["hash"]): str(item["reason"])
            for item in host.peers().ok("relay", "rejected", "--json").json()
            if item["hash"] in hashes}


def test_a_void_record_is_refused_with_the_cuts_reason_over_another_record(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        bob.ok("send", "team", "b1")
        wait_for(lambda: "b1" in bodies(alice), what="b1 on the hub")
        db = b.hub / f"{group_id}.db"
        forger = Forger(bob.home)
        aseq, head = forger.chain_head(db)
        mseq = forger.membership_head(db)[0]
        void: list[Envelope] = []  # what his client signed on a cut-off B: p1, p2
        for n in (1, 2):
            at = now_ms()
            record = forger.sign(RecordKind.MSG, group_id, {
                "id": ulid_text(new_ulid(at)), "type": "text", "body": f"p{n}", "mseq": mseq,
                "aseq": aseq + n, "aprev": head}, t=at)
            head = record.hash
            void.append(Envelope(group_id, "msg", record.text, record.sig, None, "B"))
        hashes = {e.hash for e in void}

        alice.ok("remove", "team", "bob")  # the cut at 'b1': he had signed nothing more
        wait_for(lambda: changes(b, group_id) == changes(hub, group_id), what="the removal on B")
        code = alice.ok("invite", "team").out.strip()
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join again")
        bob.ok("send", "team", "q1")
        wait_for(lambda: all("q1" in bodies(u) for u in (alice, bob, carol)),
                 what="q1 everywhere")
        with sqlite3.connect(hub.hub / f"{group_id}.db") as conn:
            places = dict(conn.execute("SELECT body, author_seq FROM message WHERE body IN"
                                       " ('b1', 'q1')"))
        assert places["q1"] == places["b1"] + 1, places  # p1's place, released by the cut

        # p2 first: the place below it holds q1 at the hub, not p1; then p1, at q1's place
        assert through(b, publish(group_id, void[1:])) == "done"
        assert through(b, publish(group_id, void[:1])) == "done"
        wait_for(lambda: len(listed(hub, hashes)) == 2, timeout=20,
                 what="both refused at the hub")
        reasons = listed(hub, hashes)
        assert all(why.startswith("beyond where membership change")
                   and why.endswith(CUT_REMOVED) for why in reasons.values()), reasons
        assert len(set(reasons.values())) == 1, reasons  # the same cut for both
        for user in (alice, bob, carol):
            assert not {"p1", "p2"} & set(bodies(user)), user.name
        # Each names the host it came from (B) and its record's hash as B's relay would
        assert {record_hash(e.text) for e in void} == hashes
