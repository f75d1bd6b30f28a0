"""A member's record that no file can store, published straight into the hub's intake with
its leaf's credential (docs/relay.md "Fourteenth attack pass"): a number beyond 64 bits, or a
string holding a lone surrogate (`\\ud800` escaped alone: JSON allows it, UTF-8 cannot
encode it, so the write raised UnicodeEncodeError the same way).

JSON has integers of any size and Python parses them so; SQLite stores 64 bits. bob, a member
on leaf B, signs one record whose signed time, chain place or cut lies past that (a message
signed 2**70 ms before 1970, an invite or a piece of evidence at place 2**70, a leave whose cut
names place 2**70) and publishes it on B's own subject. The hub's apply wrote or looked up that
number in its file before any rule judged it: "the file holds a value peers cannot use
(OverflowError ...)" (or UnicodeEncodeError), so the whole batch was kept waiting, and with it every later record of
the group from every leaf, each batch failing on the same held record again: carol's messages
from C never reached A or B. Now such a record is malformed on every host (core.records), and
the hub refuses it with that reason, counted against B.

Three hosts on loopback, real nats-servers and relays (tests/relay_helpers.py).
"""

from __future__ import annotations

import pytest

from peers_tui.core.identity import Keypair
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.encoding import now_ms
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, shared_three, through  # noqa: F401 (a fixture)
from tests.core.test_unstorable_records import HALF, sign_escaped
from tests.relay_helpers import Host, Refusals, bodies, wait_for

pytestmark = pytest.mark.slow

HUGE = 2 ** 70  # ms: ~37 billion years; and a chain place no group reaches


def _poison(forger: Forger, db, team: str, case: str) -> Envelope:
    """bob's record of `case`, signed with his own key, at his next place otherwise."""
    aseq, aprev = forger.chain_head(db)
    mseq, mprev = forger.membership_head(db)
    link = {"aseq": aseq + 1, "aprev": aprev, "mseq": mseq}
    table = "msg"
    if case == "message signed 2**70 ms before 1970":
        record = forger.sign(RecordKind.MSG, team, {
            "id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "from before time",
            **link}, t=-HUGE)
    elif case == "invite at place 2**70":
        table = "invite"
        record = forger.sign(RecordKind.INVITE, team, {
            "key": Keypair.generate().public_id, "role": 40, "expires": None, "uses": None,
            **link, "aseq": HUGE})
    elif case == "evidence at place 2**70":
        table = "evidence"
        record = forger.sign(RecordKind.MSG, team, {
            "id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "evidence of what",
            **link, "aseq": HUGE})
    elif case == "leave whose cut names place 2**70":
        table = "member"
        record = forger.sign(RecordKind.MEMBER, team, {
            "seq": mseq + 1, "prev": mprev, "action": "leave", "member": forger.user_id,
            "cut": [HUGE, "0" * 64]})
    elif case == "message whose body holds a lone surrogate":
        text, sig = sign_escaped(forger, RecordKind.MSG, team, {
            "id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "half " + HALF,
            **link})
        return Envelope(team, table, text, sig, None, "B")
    else:  # a handle holding a lone surrogate: on main the hub took it, and every host
        text, sig = sign_escaped(forger, RecordKind.MEMBER, team, {
            "seq": mseq + 1, "prev": mprev, "action": "handle", "member": forger.user_id,
            "handle": "b" + HALF})
        return Envelope(team, "member", text, sig, None, "B")
    return Envelope(team, table, record.text, record.sig, None, "B")


def unstorable(hub: Host) -> list[str]:
    """The lines of `relay rejected` on the hub naming a number past 64 bits or a lone
    surrogate."""
    return [line for line in hub.peers().ok("relay", "rejected").out.splitlines()
            if "beyond 64 bits" in line or "lone surrogate" in line]


@pytest.mark.parametrize("case", ["message signed 2**70 ms before 1970",
                                  "invite at place 2**70", "evidence at place 2**70",
                                  "leave whose cut names place 2**70",
                                  "message whose body holds a lone surrogate",
                                  "handle holding a lone surrogate"])
def test_a_record_no_file_can_store_holds_up_nothing(shared_three, case):
    hosts, team = shared_three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    refused = Refusals(hosts)
    listed = unstorable(hub)
    poison = _poison(Forger(bob.home), b.hub / f"{team}.db", team, case)
    assert through(b, publish(in_subject("B", team), poison)) == "done"
    after = f"carol after the {case}"
    carol.ok("send", "team", after)
    wait_for(lambda: after in bodies(alice) and after in bodies(bob),
             what="carol's message on A and B past bob's record")
    wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing bob's record from B")
    new = [line for line in unstorable(hub) if line not in listed]
    assert len(new) == 1, hub.peers().ok("relay", "rejected").out
    [line] = new
    assert line.startswith("B "), line
    # nothing of it anywhere, and the group as it was
    for user in (alice, bob, carol):
        assert user.ok("verify", "team").code == 0
        assert len(user.ok("members", "team", "--json").json()) == 3
    bob.ok("send", "team", f"bob after the {case}")
    wait_for(lambda: f"bob after the {case}" in bodies(carol), what="bob's own next post on C")
