"""Records a file cannot store (docs/relay.md "Fourteenth attack pass"): an integer past
SQLite's 64 bits, or a string holding a lone surrogate (`\\ud800` escaped alone, which JSON
allows and UTF-8 cannot encode). Refused with their reason by the relay's apply, never raised
out of it as a damaged file (which kept the batch, and every later one of the group, waiting).

A member (bob) signs each with his own key; they are applied to a real copy of the group on
another host's hub directory, as a relay applies what arrives (relay.apply.apply_records), and
then the group's next genuine record must still go in.
"""

from __future__ import annotations

import pytest

import json

from peers_tui.core.encoding import now_ms
from peers_tui.core.identity import Keypair
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.core.records import RecordError, open_record
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import busy_group, local_envelopes

HUGE = 2 ** 70
HALF = "\ud800"  # half of a UTF-16 pair, alone


def sign_escaped(forger: Forger, kind: str, group_id: str, fields: dict, t: int | None = None):
    """A record signed over its text with every non-ASCII character escaped (`\\ud800`): a
    lone surrogate has no UTF-8, so records.sign cannot write it; a modified client can."""
    data = {"v": 2, "k": str(kind), "a": forger.user_id, "t": now_ms() if t is None else t,
            "g": group_id, **fields}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text, forger.keypair.sign(text.encode("utf-8"))


def _record(forger: Forger, db, group_id: str, case: str) -> Envelope:
    aseq, aprev = forger.chain_head(db)
    mseq, mprev = forger.membership_head(db)
    link = {"aseq": aseq + 1, "aprev": aprev, "mseq": mseq}
    message = {"id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "x", **link}
    table, kind, t = "msg", RecordKind.MSG, None
    if case == "signed 2**70 ms before 1970":
        fields, t = message, -HUGE
    elif case == "signed 2**70 ms after 1970":
        fields, t = message, HUGE
    elif case == "a message at place 2**70":
        fields = {**message, "aseq": HUGE}
    elif case == "a message naming membership state 2**70":
        fields = {**message, "mseq": HUGE}
    elif case == "an import dated 2**70 ms after 1970":
        fields = {**message, "type": "imported", "orig_time": HUGE, "orig_id": "o1",
                  "orig_author": "someone"}
    elif case == "evidence at place 2**70":
        fields, table = {**message, "aseq": HUGE}, "evidence"
    elif case == "evidence signed 2**70 ms before 1970":
        fields, table, t = message, "evidence", -HUGE
    elif case == "an invite at place 2**70":
        fields, table, kind = ({"key": Keypair.generate().public_id, "role": 40,
                                "expires": None, "uses": None, **link, "aseq": HUGE},
                               "invite", RecordKind.INVITE)
    elif case == "a leave whose cut is at place 2**70":
        fields, table, kind = ({"seq": mseq + 1, "prev": mprev, "action": "leave",
                                "member": forger.user_id, "cut": [HUGE, "0" * 64]},
                               "member", RecordKind.MEMBER)
    elif case == "a handle change at membership place 2**70":
        fields, table, kind = ({"seq": HUGE, "prev": mprev, "action": "handle",
                                "member": forger.user_id, "handle": "bobby"},
                               "member", RecordKind.MEMBER)
    elif case == "a body holding a lone surrogate":
        fields = {**message, "body": "x" + HALF}
    elif case == "a reply to a lone surrogate":
        fields = {**message, "reply": HALF}
    elif case == "an import whose original id is a lone surrogate":
        fields = {**message, "type": "imported", "orig_time": 1, "orig_id": HALF,
                  "orig_author": "someone"}
    elif case == "a topic holding a lone surrogate":
        fields = {**message, "type": "topic", "body": HALF}
    elif case == "an invite whose key ends in a lone surrogate":
        fields, table, kind = ({"key": Keypair.generate().public_id + HALF, "role": 40,
                                "expires": None, "uses": None, **link},
                               "invite", RecordKind.INVITE)
    else:  # a handle holding a lone surrogate (applied and carried on main)
        fields, table, kind = ({"seq": mseq + 1, "prev": mprev, "action": "handle",
                                "member": forger.user_id, "handle": "b" + HALF},
                               "member", RecordKind.MEMBER)
    text, sig = sign_escaped(forger, kind, group_id, fields, t)
    return Envelope(group_id, table, text, sig, None, "B")


CASES = ["signed 2**70 ms before 1970", "signed 2**70 ms after 1970", "a message at place 2**70",
         "a message naming membership state 2**70", "an import dated 2**70 ms after 1970",
         "evidence at place 2**70", "evidence signed 2**70 ms before 1970",
         "an invite at place 2**70", "a leave whose cut is at place 2**70",
         "a handle change at membership place 2**70", "a body holding a lone surrogate",
         "a reply to a lone surrogate", "an import whose original id is a lone surrogate",
         "a topic holding a lone surrogate", "an invite whose key ends in a lone surrogate",
         "a handle holding a lone surrogate"]


@pytest.mark.parametrize("case", CASES)
def test_a_record_no_file_can_store_is_refused_not_raised(tmp_path, alice, bob, case):
    group_id = busy_group(alice, bob)
    remote = tmp_path / "remote-hub"
    remote.mkdir()
    assert not apply_records(remote, group_id, local_envelopes(alice, group_id),
                             create=True).refused
    envelope = _record(Forger(bob.home), alice.hub / f"{group_id}.db", group_id, case)
    outcome = apply_records(remote, group_id, [envelope], create=True)  # raised on main
    assert outcome is not None and not outcome.applied and not outcome.waiting, outcome
    [(_, reason)] = outcome.refused
    assert ("beyond 64 bits" if "2**70" in case else "lone surrogate") in reason, reason
    # the group goes on there: bob's next genuine message applies
    bob.ok("send", "team", "bob goes on")
    later = [e for e in local_envelopes(alice, group_id) if "bob goes on" in e.text]
    after = apply_records(remote, group_id, later, create=True)
    assert after is not None and after.applied == later, after


def test_every_reader_calls_it_malformed(alice, bob, team):
    """The rule is the readers' too (core.records, chain_rules, membership.parse_cut): the
    same reason wherever such a record is opened."""
    forger = Forger(bob.home)
    record = forger.sign(RecordKind.MSG, team, {"id": ulid_text(new_ulid(now_ms())),
                                                "type": "text", "body": "x", "aseq": 1,
                                                "aprev": "", "mseq": 1}, t=-HUGE)
    with pytest.raises(RecordError, match="beyond 64 bits"):
        open_record(record.text, record.sig, group_id=team, kind=RecordKind.MSG)
    limit = forger.sign(RecordKind.MSG, team, {"id": ulid_text(new_ulid(now_ms())),
                                               "type": "text", "body": "x", "aseq": 1,
                                               "aprev": "", "mseq": 1}, t=2 ** 63 - 1)
    assert open_record(limit.text, limit.sig, group_id=team, kind=RecordKind.MSG)  # still opens
    text, sig = sign_escaped(forger, RecordKind.MSG, team, {
        "id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "x" + HALF, "aseq": 1,
        "aprev": "", "mseq": 1})
    with pytest.raises(RecordError, match="lone surrogate"):
        open_record(text, sig, group_id=team, kind=RecordKind.MSG)
    text, sig = sign_escaped(forger, RecordKind.MSG, team, {  # a pair escaped is one character
        "id": ulid_text(new_ulid(now_ms())), "type": "text", "body": "x\U0001f600", "aseq": 1,
        "aprev": "", "mseq": 1})
    assert "\\ud83d\\ude00" in text
    assert open_record(text, sig, group_id=team, kind=RecordKind.MSG).data["body"] == "x\U0001f600"
