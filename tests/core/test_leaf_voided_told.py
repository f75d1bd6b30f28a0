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
from peers_tui.relay.rejected_listing import hub_refused_count, hub_refused_rows

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
    told: list[tuple[str, int, int, tuple[tuple[str, int], ...]]] = []
    heard = HeardRefusals(tmp_path, ledger.db, lambda g, t: told.append(
        (g, t.count, t.void, t.void_by)), lambda: "secret")
    ledger.on_taken_out = told_as_refused(heard, "B")
    mine = [post(BOB, n, "B") for n in range(3)]
    for envelope in mine:  # written on B, taken out there when the removal arrived
        ledger.quarantine_taken_out(envelope, CUT)
    ledger.quarantine_taken_out(post(CAROL, 9, "C"), CUT)  # applied from C: C tells carol
    assert told[-1] == (GROUP, 3, 3, ((BOB, 3),))  # whose, and void by the cut (h-left15)
    # One record each, counted once: as this host's own refusals (h-rejectedsame)
    assert ledger.rejected_counts() == {"B": 3, "C": 1}
    assert hub_refused_count(ledger.db) == 0 and hub_refused_rows(ledger.db, "B", "A") == []
    # The hub's notice of one of them, heard later (it had refused the copy sent before)
    heard.take({"group": GROUP, "table": "msg", "hash": mine[0].hash, "id": None,
                "reason": CUT})
    assert told[-1][:2] == (GROUP, 3) and hub_refused_count(ledger.db) == 0


def test_only_what_a_cut_voided_is_told_as_void(tmp_path):
    """h-left15: of this host's records kept as refused, those a cut voided (the hub's notice
    with a cut's reason, or taken out here as void) are told apart, in the hub's words; one
    refused for its clock is not. A refusal that this host then takes out as void becomes one."""
    from peers_tui.core.message_rules import AHEAD_OF_HUB

    ledger = Ledger(tmp_path / "relay.db")
    told = []
    heard = HeardRefusals(tmp_path, ledger.db, lambda g, t: told.append(t), lambda: "secret")
    ledger.on_taken_out = told_as_refused(heard, "B")
    ahead, beyond, missing, here = (post(BOB, n, "B") for n in range(4))
    for envelope, reason in ((ahead, AHEAD_OF_HUB), (beyond, CUT),
                             (missing, "an earlier record by this author is missing")):
        heard.take({"group": GROUP, "table": "msg", "hash": envelope.hash, "id": None,
                    "reason": reason})
    assert (told[-1].count, told[-1].void) == (3, 1)  # (whose: no row here to say)
    ledger.quarantine_taken_out(here, "does not follow its author's previous record")
    assert (told[-1].count, told[-1].void) == (4, 2)  # taken out here: void, whatever the words
    ledger.quarantine_taken_out(missing, CUT)  # the hub's refusal, then this host's take-out
    assert (told[-1].count, told[-1].void) == (4, 3)
