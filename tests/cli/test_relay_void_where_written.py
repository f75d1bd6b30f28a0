"""Records a membership change voids, on the host where the change was written (docs/relay.md,
"Records a change voids where it is written"; the ninth pass's open item).

A removal cuts the removed member's chain at the last record the remover had seen: the top of
the chain walked up from its first record in the remover's file (core.chains.seen_head_record).
A record standing above a gap there was not seen, so everything of the member's from the gap
up lies beyond the cut; every host that applies the removal from the hub takes those records
out (relay.voided). The host where it was written holds some of them too (those above the
gap) and, before, kept them: its message table held rows the others had not, and its `peers
verify` named them. Such a gap is in a file during a join's history walk (newest page first)
and where a record was taken out of it (README rule 9); here erin's second post is deleted
from C's file with sqlite3, which makes the gap without any race.

Three hosts on loopback (hub A, leaves B and C: real nats-servers, relays and `peers` processes).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from peers_tui.core.encoding import record_hash
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.relay_helpers import Host, bodies, wait_for

pytestmark = pytest.mark.slow

POSTS = ["erin 1", "erin 2", "erin 3", "erin 4"]
CUT = "beyond where membership change 5 cut its author's chain (removed) but names an earlier " \
    "membership state"


def messages(host: Host, group_id: str) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(host.hub / f"{group_id}.db") as conn:
        return sorted(conn.execute("SELECT id, record, sig FROM message"))


def rejected_hashes(host: Host, own: bool = False) -> dict[str, str]:
    """hash -> reason of what `relay rejected` lists; `own`: not what the hub said of this
    host's records ("refused by the hub A: ...": hub_refusals), only this relay's own."""
    listed = host.peers().ok("relay", "rejected", "--json").json()
    return {str(item["hash"]): str(item["reason"]) for item in listed
            if not (own and item.get("refused_at_hub"))}


def rejected_hosts(host: Host, hashes: set[str]) -> set[str]:
    """The host each of these quarantined records is kept under."""
    listed = host.peers().ok("relay", "rejected", "--json").json()
    return {str(item["host"]) for item in listed if item["hash"] in hashes}


@pytest.mark.parametrize("where", ["leaf", "hub"])
def test_a_removal_written_here_takes_out_here_what_it_voids(three, where):  # noqa: F811
    """The removal written on leaf C by carol (after the hub accepted it), or on the hub by
    alice (whose file orders it); the gap in erin's chain is in that host's file."""
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    erin = c.user("erin")
    code = alice.ok("invite", "team").out.strip()
    wait_for(lambda: erin.run("join", code).code == 0, what="erin's join on C")
    alice.ok("role", "team", "carol", "admin")
    for body in POSTS:
        erin.ok("send", "team", body)
    users = [alice, bob, carol]
    wait_for(lambda: all(bodies(u)[-4:] == POSTS for u in users), timeout=20,
             what="erin's posts everywhere")
    wait_for(lambda: all(_admin(u, carol) for u in users), what="carol an admin everywhere")
    with sqlite3.connect(hub.hub / f"{group_id}.db") as conn:
        void = {body: record_hash(text) for body, text in conn.execute(
            "SELECT body, record FROM message WHERE body IN (?, ?, ?)", POSTS[1:])}
    remover, here = (carol, c) if where == "leaf" else (alice, hub)
    db: Path = here.hub / f"{group_id}.db"
    with sqlite3.connect(db) as conn:  # a gap in erin's chain there (README rule 9)
        conn.execute("DELETE FROM message WHERE body = 'erin 2'")

    remover.ok("remove", "team", "erin")  # cut at 'erin 1': 2-4 were not seen as her chain

    def gone_everywhere() -> bool:
        return all(not set(bodies(u)) & set(POSTS[1:]) for u in users)

    wait_for(gone_everywhere, timeout=20, what="erin's void posts out of every host's view")
    wait_for(lambda: messages(hub, group_id) == messages(b, group_id) == messages(c, group_id),
             timeout=20, what="one message table on every host")
    assert all(bodies(u) == ["welcome", "erin 1"] for u in users)  # nothing genuine went
    reports = [u.run("verify", "team") for u in users]
    assert [r.out for r in reports[1:]] == [reports[0].out] * 2, [r.out for r in reports]
    assert {r.code for r in reports} == {0}, reports[0].out
    # Set aside where it was written as where the removal was applied: in the relay's
    # quarantine, with the cut's reason (relay rejected), not destroyed. Where it was
    # written, 'erin 2' (deleted by hand) comes back too: the relay's count finds the file a
    # record short of the hub's stream, fetches it again, and refuses it as void by the same
    # cut (relay/census.py). When that count runs is the relay's (a second or more after the
    # removal's commit): two fresh-clone CIs looked before and saw three of two.
    for host in hosts:
        def quarantined(host=host) -> dict:  # (the hub's word on them aside: below)
            return {digest: why for digest, why in rejected_hashes(host, own=True).items()
                    if digest in void.values()}

        wait_for(lambda: sorted(quarantined()) == sorted(void.values()),
                 timeout=30, what=f"the void posts in {host.name}'s quarantine")
        kept = quarantined()
        assert sorted(kept) == sorted(void.values()), (host.name, kept)
        assert set(kept.values()) == {CUT}, (host.name, kept)
        # Under the host they came from, erin's (C), on every host: where the removal was
        # written and where it was applied, as 'erin 2' fetched back where it was deleted is
        # refused as it arrives, as any record refused on arrival (h-voidorigin: before, each
        # host kept what it took out in its own name, the fifteenth acceptance pass's dora's
        # post under A on A, B on B, D on C and D; the tenth's under no host, "rejected:  2,
        # D 5").
        assert rejected_hosts(host, set(void.values())) == {"C"}, host.name
        assert host.status()["rejected"].get("C", 0) >= len(void), host.status()["rejected"]
        assert "" not in host.status()["rejected"], host.status()["rejected"]
    # The hub took them out under C too, but did not tell C "refused by the hub" (as it does
    # of a record of C's it refuses on arrival: hub_refusals): C carried them, applies the same
    # removal and takes them out itself.
    told = [item for item in c.peers().ok("relay", "rejected", "--json").json()
            if item.get("refused_at_hub") and item["hash"] in void.values()]
    assert told == [], told
    for host in hosts:
        assert host.status()["waiting"] == 0, host.name


def _admin(user, carol) -> bool:
    return any(m.get("handle") == "carol" and m.get("role") == "admin"
               for m in user.ok("members", "team", "--json").json())
