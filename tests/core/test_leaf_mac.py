"""The hub's word to one leaf, proven with that leaf's credential (relay/leaf_mac.py;
docs/relay.md, "Sixteenth attack pass (h-attack16)"), and a leaf's `Nats-Msg-Id` keyed with it
(relay/envelope.py): second lines behind the leaf server's own authorization (server.py),
which no longer lets another process of the host publish there at all."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from peers_tui.relay import leaf_mac
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_refusals import NOTICE, HeardRefusals
from peers_tui.relay.ledger import Ledger

GROUP = "a" * 26


def notice(digest: str) -> bytes:
    return json.dumps({"group": GROUP, "table": "msg", "hash": digest, "id": None,
                       "reason": "bad signature"}).encode()


def test_a_leaf_takes_only_the_notices_proven_with_its_credential(tmp_path):
    ledger = Ledger(tmp_path / "relay.db")
    told: list[tuple[str, int]] = []
    heard = HeardRefusals(tmp_path, ledger.db, lambda g, t: told.append((g, t.count)),
                           lambda: "secret")
    unproven, wrong, proven = notice("1" * 64), notice("2" * 64), notice("3" * 64)
    for body, headers in ((unproven, None),
                          (wrong, {leaf_mac.HEADER: leaf_mac.mac("guess", NOTICE, wrong)}),
                          (proven, {leaf_mac.HEADER: leaf_mac.mac("secret", NOTICE, proven)})):
        asyncio.run(heard.notice(SimpleNamespace(data=body, headers=headers)))
    kept = [h for h, in ledger.db.execute("SELECT hash FROM refused_at_hub")]
    assert kept == ["3" * 64] and told == [(GROUP, 1)]
    # a proven notice's MAC does not prove another body, nor an answer (another tag)
    assert not leaf_mac.proven("secret", NOTICE, unproven,
                               {leaf_mac.HEADER: leaf_mac.mac("secret", NOTICE, proven)})
    assert not leaf_mac.proven("", NOTICE, proven, {leaf_mac.HEADER: leaf_mac.mac("", NOTICE, proven)})


def test_a_leafs_message_ids_are_keyed_and_stable():
    envelope = Envelope(GROUP, "msg", '{"k": "msg"}', b"s" * 64, None, "B")
    plain = envelope.headers()["Nats-Msg-Id"]
    keyed = envelope.headers("secret")["Nats-Msg-Id"]
    assert plain == envelope.hash  # the hub's, into the federation stream
    assert keyed != plain and keyed == envelope.headers("secret")["Nats-Msg-Id"]
    assert keyed != envelope.headers("another")["Nats-Msg-Id"]
