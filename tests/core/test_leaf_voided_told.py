"""A leaf's own records that a cut voided there before they went out are told to their author
as the hub's refusal of them would have been (docs/relay.md, "Twenty-ninth acceptance pass").

A member removed on the hub while posting from a leaf cut off from it: whether the hub refused
the posts (they reached it first: told to the leaf, hub_refusals) or the leaf's relay took them
out itself (the removal reached it first: relay/voided.py) was a race, and in the second case
the author's `peers groups` read "removed ✓" and the app said nothing of the posts gone. The
end-to-end run of the first order: tests/cli/test_relay_void_told_here.py."""

from __future__ import annotations

import json

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_refusals import HeardRefusals
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.lost_inbound import told_as_refused
from peers_tui.relay.rejected_listing import claims, hub_refused_count, hub_refused_rows

GROUP = "a" * 26
BOB, CAROL = "b" * 52, "c" * 52
CUT = "beyond where membership change 5 cut its author's chain (removed) but names an earlier " \
    "membership state"


def post(author: str, n: int, origin: str) -> Envelope:
    text = json.dumps({"k": "msg", "type": "text", "a": author, "t": 1_796_000_000_000 + n,
                       "body": f"cut off {n}"})
    return Envelope(GROUP, "msg", text, b"s" * 64, None, origin)


def test_posts_taken_out_here_are_told_to_their_author_once(tmp_path):
    ledger = Ledger(tmp_path / "relay.db")
    told: list[tuple[str, int, tuple[str, ...]]] = []
    heard = HeardRefusals(tmp_path, ledger.db, lambda g, n, ids, records: told.append(
        (g, n, tuple(claims(r)[1] for r in records))), lambda: "secret")
    ledger.on_taken_out = told_as_refused(heard, "B")
    mine = [post(BOB, n, "B") for n in range(3)]
    for envelope in mine:  # written on B, taken out there when the removal arrived
        ledger.quarantine_taken_out(envelope, CUT)
    ledger.quarantine_taken_out(post(CAROL, 9, "C"), CUT)  # applied from C: C tells carol
    assert told[-1] == (GROUP, 3, (BOB, BOB, BOB))
    # One record each, counted once: as this host's own refusals (h-rejectedsame)
    assert ledger.rejected_counts() == {"B": 3, "C": 1}
    assert hub_refused_count(ledger.db) == 0 and hub_refused_rows(ledger.db, "B", "A") == []
    # The hub's notice of one of them, heard later (it had refused the copy sent before)
    heard.take({"group": GROUP, "table": "msg", "hash": mine[0].hash, "id": None,
                "reason": CUT})
    assert told[-1][:2] == (GROUP, 3) and hub_refused_count(ledger.db) == 0
