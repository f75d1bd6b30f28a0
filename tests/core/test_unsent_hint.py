"""What a leaf says it has not begun to send is a bounded hint, read strictly by the hub
(relay/unsent_hint.py): junk says nothing, a leaf's word replaces its last one and ages out,
and a ping carrying it still carries the round trip (hub_heard.ping_payload)."""

from __future__ import annotations

import json

from peers_tui.relay.hub_heard import ping_payload
from peers_tui.relay.leaf_heard import carried_rtt
from peers_tui.relay.unsent_hint import (
    HINT_FROM, HINT_MOST, PAYLOAD_MOST, HintsHeard, UnsentHint, carried_unsent,
)

GROUP = "a" * 26
OTHER = "b" * 26


def test_junk_says_nothing_and_the_ids_are_bounded():
    for junk in (b"", b"not json", b"\xff\xfe", b"[]", b'{"unsent": "aaaa"}', b'{"unsent": {}}',
                 json.dumps({"unsent": [GROUP]}).encode() + b" " * PAYLOAD_MOST,
                 json.dumps({"unsent": [1, None, "A" * 26, "../" + GROUP, GROUP + "a"]}).encode()):
        assert carried_unsent(junk) == frozenset(), junk
    many = [f"{chr(ord('a') + i // 26)}{chr(ord('a') + i % 26)}" + "a" * 24 for i in range(40)]
    said = carried_unsent(json.dumps({"unsent": many}).encode())
    assert said == frozenset(many[:HINT_MOST])
    assert carried_unsent(json.dumps({"unsent": [GROUP, 5]}).encode()) == {GROUP}


def test_a_leafs_word_replaces_its_last_and_ages_out():
    hints = HintsHeard()
    hints.said("C", frozenset({GROUP}), now=100.0)
    assert hints.hinted("C", GROUP, 5.0, now=104.9)
    assert not hints.hinted("C", GROUP, 5.0, now=105.0)
    assert not hints.hinted("B", GROUP, 5.0, now=101.0)  # of C only
    hints.said("C", frozenset({OTHER}), now=101.0)
    assert not hints.hinted("C", GROUP, 5.0, now=101.5) and hints.hinted("C", OTHER, 5.0, now=101.5)
    hints.said("C", frozenset(), now=102.0)  # a ping without it: nothing unsent now
    assert not hints.hinted("C", OTHER, 5.0, now=102.5)


def test_the_leaf_names_only_a_large_backlog_of_group_files_until_its_pass_ends():
    hint = UnsentHint()
    backlog = {GROUP: HINT_FROM, OTHER: HINT_FROM - 1}.get
    assert hint.woke([f"{GROUP}.db-wal", f"{OTHER}.db", "personal.db", ".link.json"],
                     lambda group_id: backlog(group_id) or 0)
    assert hint.unsent() == [GROUP]
    assert not hint.woke([f"{GROUP}.db"], lambda group_id: HINT_FROM)  # nothing new to say
    hint.passed()
    assert hint.unsent() == []


def test_a_ping_carries_the_round_trip_beside_the_groups():
    payload = ping_payload(12.345, [GROUP])
    assert carried_rtt(payload) == 12.35 and carried_unsent(payload) == {GROUP}
    assert ping_payload(None) == b"" and carried_unsent(ping_payload(3.0)) == frozenset()
