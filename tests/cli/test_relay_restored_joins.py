"""Refusals of genuine records that stand in the hub's file since (docs/relay.md "Restored
files, second round (h-restore2)"; the thirteenth acceptance pass's "Left open").

Before its fix, the hub's relay refused the genuine joins it fetched back into a file put back
to an older copy ("join names an unknown invite"); `peers relay refetch` brought them back
into the file, but the quarantine kept the refusals: `relay status` counted them and `relay
rejected` listed fay's and erin's joins as refused, for good. The refusals are put into the
hub's ledger here as that relay wrote them (Ledger.quarantine, with its reason); the rest is
the relays' own doing. Now a refusal of a record that the hub's stream holds and that stands
in the file goes to the restored ones, as other restored refusals: when the running relay
fetches the record back, and when `relay refetch` finds it in the file already.

Hub A (alice, fay) and leaf B (bob): real nats-servers, relays and `peers` processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from tests.cli.test_relay_hub_restored import copy, members, team_files, two_hosts
from tests.relay_helpers import Host, bodies, wait_for

pytestmark = pytest.mark.slow

OLD_REASON = "join names an unknown invite"  # what the relay before the fix said


def change_at(path: Path, seq: int, group_id: str, origin: str) -> Envelope:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        record, sig, cosig = db.execute("SELECT record, sig, cosig FROM group_members WHERE"
                                        " seq = ?", (seq,)).fetchone()
    return Envelope(group_id, "member", record, bytes(sig), bytes(cosig) if cosig else None,
                    origin)


def refused_as_before(host: Host, envelope: Envelope) -> None:
    ledger = Ledger(host.hub / ".relay" / "relay.db")
    try:
        ledger.quarantine(envelope, OLD_REASON)
    finally:
        ledger.close()


def listed(host: Host) -> dict[str, dict]:
    return {row["hash"]: row for row in host.peers().ok("relay", "rejected", "--json").json()}


def test_joins_refused_before_the_fix_are_restored_once_back_in_the_hubs_file(tmp_path):
    with two_hosts(tmp_path) as (hub, leaf, alice, bob, fay):
        alice.ok("send", "team", "a1")
        wait_for(lambda: "a1" in bodies(bob), timeout=30, what="a1 on B")
        mine, theirs = team_files(alice, hub, leaf)
        group_id = mine.stem
        backup = tmp_path / "backup.db"
        copy(mine, backup)
        erin = leaf.user("erin")
        code = alice.ok("invite", "team").out.strip()  # made on A: "not arrived yet" until
        wait_for(lambda: erin.run("join", code).code == 0, what="erin's join")  # it is on B
        wait_for(lambda: members(mine) == members(theirs), what="erin's join on A and B")
        erins_join = change_at(mine, members(mine)[-1], group_id, "B")

        # As the relay before the fix left it: erin's join refused at the hub, and the file
        # put back without it (the running relay does not fetch back what it refused:
        # census.set_aside); `relay refetch` by hand brings it back, and the refusal goes.
        refused_as_before(hub, erins_join)
        assert hub.status()["rejected"] == {"B": 1}
        copy(backup, mine)
        hub.peers().ok("relay", "refetch", "team")
        wait_for(lambda: members(mine) == members(theirs), timeout=30,
                 what="erin's join back in the hub's file")
        wait_for(lambda: hub.status()["rejected"] == {}, timeout=10,
                 what="the refusal of erin's join no longer counted")
        assert "restored" in listed(hub)[erins_join.hash]

        # A refusal of a record that stands in the file and in the hub's stream already (a
        # refetch brought it back before; the record then went in): `relay refetch` finds it.
        bobs_join = change_at(mine, members(mine)[1], group_id, "B")
        refused_as_before(hub, bobs_join)
        assert hub.status()["rejected"] == {"B": 1}
        hub.peers().ok("relay", "refetch", "team")
        assert hub.status()["rejected"] == {}
        row = listed(hub)[bobs_join.hash]
        assert "relay refetch" in row["restored"]["how"] and row["reason"] == OLD_REASON, row
        listing = hub.peers().ok("relay", "rejected")
        assert "no records are refused now" in listing.err, listing
