"""`peers join` of a big group across hosts: membership and invites first, the newest page at
once, the rest newest first behind it, below a frontier shown as "not yet received"."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import pytest

from tests.relay_helpers import Host, federation, stop_all, wait_for

MESSAGES = 10_000


def import_lines(count: int, tag: str) -> list[str]:
    start = int(time.time()) - 10 * 86_400
    return [json.dumps({"id": f"{tag}-{i}", "author": "old", "body": f"{tag} {i}",
                        "created_at": start + i}) for i in range(count)]


def bodies_in(path, group_id: str) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {body for (body,) in db.execute("SELECT body FROM message")}


def heads(user, group: str = "team") -> str:
    """Everything a reader can compare across hosts: the messages, each with its state."""
    return json.dumps([(m["id"], m["body"], m.get("verified"), m.get("deleted"))
                       for m in user.ok("log", group, "--json", "--limit", "100000").json()])


def big_group(hub: Host) -> tuple:
    """On the hub host: alice founds 'team', bob (same host) joins and writes three messages,
    then alice imports MESSAGES old ones and writes two more."""
    from peers_tui.core.account import Account

    alice, bob = hub.user("alice"), hub.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team").out.strip())
    for i in range(3):
        bob.ok("send", "team", f"bob early {i}")
    Account(alice.home, alice.hub).import_history("team", import_lines(MESSAGES, "imported"))
    alice.ok("send", "team", "newest but one")
    alice.ok("send", "team", "the newest")
    return alice, bob, group_id


def inject_fed(host: Host, group_id: str, envelopes: list) -> None:
    """Publish records straight into the hub's federation stream, past the hub's checks."""
    import asyncio

    import nats

    from peers_tui.relay.config import client_url, load_config
    from peers_tui.relay.envelope import fed_subject

    async def send() -> None:
        nc = await nats.connect(client_url(load_config(host.hub)))  # as the hub's relay
        js = nc.jetstream()
        for envelope in envelopes:
            await js.publish(fed_subject(group_id, "msg"), envelope.payload(),
                             headers=envelope.headers())
        await nc.close()

    asyncio.run(send())


def forged_after(forger, db, group_id: str, body: str, *, aprev: str | None = None):
    """A message signed with `forger`'s key at the next place of its chain in `db`, with a
    predecessor hash of our choosing."""
    from peers_tui.core.encoding import now_ms
    from peers_tui.core.ids import new_ulid, ulid_text
    from peers_tui.relay.envelope import Envelope
    from peers_tui.testing.forge import Forger

    now = now_ms()
    head = Forger.membership_head(db)[0]
    try:
        aseq, previous = forger.chain_head(db)
    except Exception:
        aseq, previous = 0, ""
    record = forger.sign("msg", group_id, {
        "id": ulid_text(new_ulid(now)), "type": "text", "body": body, "aseq": aseq + 1,
        "aprev": previous if aprev is None else aprev, "mseq": head}, t=now)
    return Envelope(group_id, "msg", record.text, record.sig, None, "A")


def fed_messages(host: Host, group_id: str) -> int:
    """How many message records of the group the hub's federation stream holds."""
    from benchmarks.relay_join import fed_messages as in_stream

    return in_stream(host.hub, group_id)


def published_on_the_hub(hub: Host, leaf: Host) -> tuple:
    """big_group on the hub, both relays up and every record in the federation stream:
    alice, bob, the group id and an invite code for the leaf's user."""
    alice, bob, group_id = big_group(hub)
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what=f"{leaf.name}'s link")
    wait_for(lambda: fed_messages(hub, group_id) >= MESSAGES + 5, timeout=60,
             what="A's records published")
    return alice, bob, group_id, code


@pytest.fixture
def two_hosts(tmp_path):
    made = federation(tmp_path, ("A", "C"))
    yield made
    stop_all(made)


@pytest.mark.slow
def test_a_join_shows_the_newest_first_and_the_rest_streams_in_behind(two_hosts):
    hub, leaf = two_hosts
    alice, bob, group_id, code = published_on_the_hub(hub, leaf)
    total = MESSAGES + 5
    carol = leaf.user("carol")
    started = time.monotonic()
    carol.ok("join", code)
    joined = time.monotonic() - started
    here = bodies_in(leaf.hub / f"{group_id}.db", group_id)
    # The newest screen is there when join returns; the oldest are not yet.
    assert {"the newest", "newest but one", f"imported {MESSAGES - 1}"} <= here
    assert "imported 0" not in here and "bob early 0" not in here
    assert len(here) < total
    recent = carol.ok("log", "team", "--limit", "5")
    assert "the newest" in recent.out and "earlier history not yet received" in recent.err
    whole = carol.ok("log", "team", "--limit", "100000").out.splitlines()
    assert whole[0].startswith("— earlier history not yet received (")  # above the oldest here
    assert [line for line in whole if "deleted" in line or "UNVERIFIED" in line] == []
    assert "team" in carol.ok("groups").out  # unread counts read a half-received file
    wait_for(lambda: len(bodies_in(leaf.hub / f"{group_id}.db", group_id)) == total,
             timeout=120, what="the whole history on C")
    print(f"join returned after {joined:.2f} s, all in after {time.monotonic() - started:.2f} s")
    # The last page's commit comes before the one that closes the frontier (stderr until then).
    wait_for(lambda: "earlier history not yet received" not in carol.ok("log", "team", "--limit", "5").err,
             what="the frontier closed")
    assert carol.run("verify", "team").code == 0, carol.run("verify", "team").out
    assert carol.ok("search", "team", "early").out.count("bob early") == 3  # the oldest, indexed
    wait_for(lambda: heads(carol) == heads(alice), what="the same log on both hosts")
    assert leaf.status().get("rejected", {}) == {}, (
        leaf.peers().run("relay", "rejected").out, leaf.stderr()[-3000:])
    # A page the leaf applied past its scanner's positions is not remembered as known (no
    # scan will meet it): `known` does not grow with the group (relay/intake.py).
    with sqlite3.connect(f"file:{leaf.hub / '.relay' / 'relay.db'}?mode=ro", uri=True) as db:
        assert db.execute("SELECT COUNT(*) FROM known").fetchone()[0] < MESSAGES // 4


@pytest.mark.slow
def test_a_record_forged_above_the_frontier_is_refused_when_its_chain_arrives(two_hosts):
    """Two forgeries put straight into the hub's federation stream, so they come in the newest
    page: a non-member's post (refused at once, on its own signed data), and a post signed
    with bob's key at the next place of his chain but not following it (bob's last genuine
    record lies far below the frontier: the link is checked when it arrives, and fails)."""
    from peers_tui.testing.forge import Forger

    hub, leaf = two_hosts
    alice, bob, group_id, code = published_on_the_hub(hub, leaf)
    mallory = hub.user("mallory")
    db = hub.hub / f"{group_id}.db"
    inject_fed(hub, group_id, [
        forged_after(Forger(mallory.home), db, group_id, "from a non-member"),
        forged_after(Forger(bob.home), db, group_id, "bob's, off his chain", aprev="0" * 52)])
    carol = leaf.user("carol")
    carol.ok("join", code)
    here = bodies_in(leaf.hub / f"{group_id}.db", group_id)
    assert "from a non-member" not in here
    assert "bob's, off his chain" in here  # judged on its own signed data for now
    wait_for(lambda: "bob's, off his chain" not in bodies_in(leaf.hub / f"{group_id}.db", group_id),
             timeout=120, what="the forgery taken out when bob's chain arrived")
    # On stdout only when the log reaches the oldest message received, on stderr otherwise.
    wait_for(lambda: "earlier history not yet received" not in carol.ok("log", "team").err,
             timeout=120, what="the backfill's end")
    reasons = sorted(row["reason"] for row in leaf.peers().ok("relay", "rejected", "--json").json())
    assert reasons[0] == "author was not a member when it was written"
    assert reasons[1].startswith("does not follow its author's previous record")
    assert carol.run("verify", "team").code == 0
    wait_for(lambda: heads(carol) == heads(alice), what="the same log on both hosts")


@pytest.mark.slow
def test_a_hub_silent_mid_walk_leaves_no_hole_below_the_frontier(two_hosts):
    """A page request nothing answered (the hub gone mid-walk) was taken for the end of the
    page: the walk went on below records it never received and closed the frontier over the
    hole. It is an error now: the walk reads the page again once the hub answers."""
    hub, leaf = two_hosts
    alice, bob, group_id, code = published_on_the_hub(hub, leaf)
    carol = leaf.user("carol")
    carol.ok("join", code)
    path = leaf.hub / f"{group_id}.db"
    joined = len(bodies_in(path, group_id))
    # Mid-walk for certain: a page beyond the join's is in, the walk has asked the hub for its
    # bounds. Then the leaf's relay is held while the hub's server stops, so its next page
    # request is the one nothing answers.
    wait_for(lambda: len(bodies_in(path, group_id)) > joined, timeout=60, what="a page walked")
    assert leaf.process is not None
    leaf.process.send_signal(signal.SIGSTOP)
    assert len(bodies_in(path, group_id)) < MESSAGES + 5, "the walk ended before the cut"
    os.kill(hub.nats_pid(), signal.SIGSTOP)
    try:
        leaf.process.send_signal(signal.SIGCONT)
        time.sleep(8)  # more than two page requests' wait (relay/pages.py FETCH_TIMEOUT)
    finally:
        os.kill(hub.nats_pid(), signal.SIGCONT)
    wait_for(lambda: "earlier history not yet received" not in carol.ok("log", "team", "--limit", "5").err,
             timeout=120, what="the frontier closed")
    assert len(bodies_in(path, group_id)) == MESSAGES + 5
    assert carol.run("verify", "team").code == 0
