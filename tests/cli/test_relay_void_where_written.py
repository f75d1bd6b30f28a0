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
from collections.abc import Callable
from pathlib import Path

import pytest

from peers_tui.core.encoding import record_hash
from peers_tui.core.whereabouts import home_of
from tests.cli.test_relay_attacks import three  # noqa: F401 (the fixture)
from tests.conftest import User
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
    erin = hosts[2].user("erin")
    void = _removal_over_a_gap(three, where, erin)
    _kept_under_c(hosts, void)


@pytest.mark.parametrize("where", ["leaf", "hub"])
def test_what_a_removal_voids_is_kept_under_its_origin_with_no_home_known(three, where):  # noqa: F811
    """Issue 15 (h-voidwhere): where erin's void posts are kept did not depend on what they
    came with but on presence: the host that presence said was her home, else the host that
    took them out. A CI (fresh clone, load moderate) saw B keep them under B: erin had joined
    on C a second before the removal, and C's presence entry naming her home had not reached
    B yet. Here no host ever names her home (she publishes no profile: `people --publish
    off`), and B's relay is restarted after her posts arrived: every host lists them under
    C, the host each relay applied them from (relay/origins.py, kept in its ledger)."""
    hosts, group_id = three
    hub, b, c = hosts
    erin = User("erin", c.root / "erin", c.hub)
    erin.ok("people", "--publish", "off")
    erin.ok("id", "--handle", "erin")
    c.users["erin"] = erin
    erin_id = erin.ok("id", "--json").json()[0]["id"]

    def restart_b() -> None:  # what B noted survives in its ledger
        b.stop()
        b.start()
        wait_for(b.link_up, what="B's link again")

    void = _removal_over_a_gap(three, where, erin, before_removal=restart_b)
    for host in hosts:  # no presence names her home anywhere (home_of: none)
        assert home_of(host.hub, erin_id) is None, host.name
        assert not (host.hub / ".people" / f"{erin_id}.json").exists(), host.name
    _kept_under_c(hosts, void)


def _removal_over_a_gap(three, where: str, erin: User,  # noqa: F811
                        before_removal: Callable[[], None] | None = None) -> dict[str, str]:
    """erin (on C) joins and posts four times; her second post is deleted from the file of
    the host where the removal is written (C's carol: `leaf`, A's alice: `hub`), which then
    removes her: her posts 2-4 are void everywhere. Body -> hash of those three."""
    hosts, group_id = three
    hub, b, c = hosts
    alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
    code = alice.ok("invite", "team").out.strip()
    wait_for(lambda: erin.run("join", code).code == 0, what="erin's join on C")
    alice.ok("role", "team", "carol", "admin")
    for body in POSTS:
        erin.ok("send", "team", body)
    users = [alice, bob, carol]
    wait_for(lambda: all(bodies(u)[-4:] == POSTS for u in users), timeout=20,
             what="erin's posts everywhere")
    wait_for(lambda: all(_admin(u, carol) for u in users), what="carol an admin everywhere")
    if before_removal is not None:
        before_removal()
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
    return void


def _kept_under_c(hosts: list[Host], void: dict[str, str]) -> None:
    """What the removal voided, in every host's quarantine under C, where erin wrote it."""
    hub, b, c = hosts
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
        # D 5"). Not from presence (h-voidwhere: a CI's B, before C's entry naming erin's
        # home reached it, kept them under B): from the host each relay applied them from.
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
