"""A member's newest record deleted from their host's file before its relay sent it (the
ninth attack pass, docs/relay.md). The member's next write follows the head their
personal.db pins (core/chain_rules.build_on), so it names a record no host but theirs ever
held, and that host's file no longer holds: its relay refused it ("an earlier record by this
author is missing"), and everything the member wrote after it waited at the hub for good.
One DELETE on the member's own host silenced them on every other host.

Three hosts on loopback (hub A, leaves B and C: real nats-servers and relays); B's relay is
stopped while bob writes and the row is deleted with sqlite3 (a relay that looks at once
makes the window a few milliseconds; a host offline makes it as long as it stays so)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_relay_ends_third_round import failures, three  # noqa: F401 (the fixture)
from tests.cli.test_relay_forks import heads
from tests.relay_helpers import bodies, wait_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sent_before", [False, True], ids=["unsent", "sent, relay stopped"])
def test_bobs_unsent_head_deleted_on_his_host_silences_him_nowhere(
        three, sent_before):  # noqa: F811
    """`sent_before`: 'second' reached A and C before B's relay stopped (docs/relay.md's open
    item of "A member's head deleted on their own host": the next record took the deleted
    row's rowid, which B's relay had passed, and was never published)."""
    (hub, b, c), (alice, bob, carol), group_id = three
    if not sent_before:
        b.stop()
    sent = bob.spawn("send", "team", "second")
    assert sent.code == 0, sent.err
    if sent_before:
        wait_for(lambda: "second" in bodies(alice) and "second" in bodies(carol), timeout=20,
                 what="'second' on A and C")
        b.stop()
    with sqlite3.connect(b.hub / f"{group_id}.db") as conn:
        conn.execute("DELETE FROM message WHERE body = 'second'")
    for body in ("third", "fourth"):
        sent = bob.spawn("send", "team", body)
        assert sent.code == 0, sent.err
    b.start()
    wait_for(lambda: bodies(alice)[-2:] == bodies(carol)[-2:] == ["third", "fourth"],
             timeout=20, what="bob's later sends on A and C")
    assert heads(hub, group_id) == heads(b, group_id) == heads(c, group_id)
    for user in (alice, bob, carol):
        assert failures(user) == (0, []), user.name
    for host in (hub, b, c):
        assert host.status()["waiting"] == 0, host.name
