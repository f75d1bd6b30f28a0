"""A leaf's records kept until the hub has them (relay/unconfirmed.py): a real ledger file."""

from __future__ import annotations

from dataclasses import dataclass

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.unconfirmed import Unconfirmed


@dataclass
class Ack:
    seq: int
    duplicate: bool = False


def _records(*texts: str) -> list[Envelope]:
    return [Envelope("g" * 26, "msg", t, b"sig", None, "B") for t in texts]


def test_confirmed_records_go_and_a_stream_made_anew_sends_the_rest_again(tmp_path):
    ledger = Ledger(tmp_path / "relay.db")
    kept = Unconfirmed(ledger)
    one, two, three = _records('{"t":1}', '{"t":2}', '{"t":3}')
    kept.sent([one, two, three], [Ack(1), Ack(2), Ack(3)])
    kept.confirmed([one.hash])  # came back in PEERS_FED
    kept.told({"applied": 2, "created": 7, "last": 3})  # the same stream: 2 applied
    assert not kept.anew and [e.text for e in kept.kept("B")] == ['{"t":3}']
    # Kept across a restart of the relay (the table), and a stream made anew found.
    again = Unconfirmed(Ledger(tmp_path / "relay.db"))
    again.told({"applied": 0, "created": 9, "last": 0})
    assert again.anew and [e.text for e in again.kept("B")] == ['{"t":3}']
    assert again.kept("B")[0].origin == "B"


def test_an_acknowledgement_going_back_is_a_stream_made_anew(tmp_path):
    kept = Unconfirmed(Ledger(tmp_path / "relay.db"))
    first, second, dup = _records('{"t":1}', '{"t":2}', '{"t":3}')
    kept.sent([first], [Ack(5)])
    kept.sent([dup], [Ack(3, duplicate=True)])  # a duplicate's acknowledgement says nothing
    assert not kept.anew
    kept.sent([second], [Ack(1)])
    assert kept.anew and len(kept.kept("B")) == 3


def test_a_stream_ending_before_what_was_acknowledged_is_another(tmp_path):
    kept = Unconfirmed(Ledger(tmp_path / "relay.db"))
    kept.sent(_records('{"t":1}'), [Ack(4)])
    kept.told({"applied": 0, "created": 0, "last": 2})  # no creation time kept: by the end
    assert kept.anew
    kept.told("nonsense")  # a malformed answer changes nothing
    assert len(kept.kept("B")) == 1
