"""A member's genuine message whose row on their host had a column changed in the file (the
attack pass on "One message id, two records", docs/relay.md). The row is void there (its
columns are not its record's), so B's relay refuses it; bob's next message names it, so
the scan moves it into `fork_evidence` and ships it as evidence (relay/chain_evidence.py).
Its record is bob's, whole and uncontested: before, every host kept it as evidence only, so
bob's message was missing from every log, `peers verify` silent everywhere, his later
messages shown genuine on it. Now the hub applies such evidence as the message it is
(relay/plain_evidence.py), and every other host shows it. Left open: B itself keeps it in
`fork_evidence` (its relay passes over its own records coming back from the hub).

Three hosts on loopback (real nats-servers and relays); the row written into B's file with
bob's key, as his client writes it, a column changed; his next send a real process."""

from __future__ import annotations

import pytest

from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from peers_tui.testing.forge import Forger
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


def test_a_message_whose_row_was_changed_reaches_every_log(three):  # noqa: F811
    (hub, b, c), (alice, bob, carol), group_id = three
    db = b.hub / f"{group_id}.db"
    Forger(bob.home).message(db, group_id, "bob 2", columns={"body": "changed in the file"})
    done = bob.spawn("send", "team", "bob 3")
    assert done.code == 0, done.err
    expected = ["first", "bob 2", "bob 3"]
    wait_for(lambda: bodies(alice) == bodies(carol) == expected, timeout=20,
             what="bob 2 in A's and C's logs")
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    assert failures(alice) == failures(carol) == (0, [])
