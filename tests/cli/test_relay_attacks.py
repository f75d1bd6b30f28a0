"""A leaf host turned hostile: with its own token (its relay's leaf link) it tries to frame
another host, to write past the hub's checks, and to wipe the federation's streams.

Three hosts on loopback (hub A, leaves B and C, real nats-server and relays). The attacker
holds leaf B: everything it does goes through a nats-py client on B's own server, which
forwards over B's leaf link to the hub with the `hub` JetStream domain, exactly as B's relay
does. The hub's permissions for B (relay/permissions.py) must refuse each attempt, and the
federation must still carry a message afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import pytest

from peers_tui.relay.config import client_url, inbox_prefix, load_config
from peers_tui.relay.envelope import FED_STREAM, Envelope, fed_subject, in_subject
from peers_tui.relay.inbound import leaf_stream
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import forged_message
from tests.relay_helpers import Host, Refusals, bodies, federation, stop_all, three_hosts, wait_for

# What a leaf's own server answers at once for a subject the hub does not let it send on.
REFUSED = {"NoStreamResponseError", "ServiceUnavailableError", "NoRespondersError"}


@pytest.fixture
def three(tmp_path):
    """Hub A with alice; leaves B (bob, and mallory who is no member) and C (carol), both
    members of alice's 'team', which has carried a message to everyone."""
    with three_hosts(tmp_path) as made:
        yield made


@pytest.fixture(scope="module")
def shared_three(tmp_path_factory):
    """`three`, made once for the tests of a module (13-23 s of setup each time at load 8)
    that leave its streams and consumers as they found them and count what the relays refuse
    from their own start (`Refusals`). Its processes keep their platform directories in the
    module's temporary directory (as `isolated_dirs` does a test's)."""
    root = tmp_path_factory.mktemp("three")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PEERS_CONFIG_DIR", str(root / "config"))
        env.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
        env.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
        with three_hosts(root) as made:
            yield made


def through(host: Host, action: Callable[[Any, Any], Awaitable[Any]], *,
            as_relay: bool = True) -> str:
    """Run `action(nc, js)` with a client on `host`'s own server (`js` in the hub's domain),
    connected as its relay is (on the hub: with the relay's credential) or, `as_relay=False`,
    as any other local process: "done", or the name of the error it ended with."""

    async def run() -> str:
        config = load_config(host.hub)
        url = client_url(config) if as_relay else f"nats://127.0.0.1:{config.client_port}"
        nc = await nats.connect(url, inbox_prefix=inbox_prefix(config.name))
        try:
            hub_js = nc.jetstream(domain="hub") if config.role == "leaf" else nc.jetstream()
            await action(nc, hub_js)
            return "done"
        except (nats.errors.Error, asyncio.CancelledError, OSError) as exc:
            return exc.__class__.__name__
        finally:
            # The close may meet the server going away (the relay restarts it to apply a
            # revocation): seen in CI as a CancelledError in wait_closed under load. What
            # the action found stands; the close's own failure says nothing about it.
            with contextlib.suppress(asyncio.CancelledError, OSError, nats.errors.Error):
                await nc.close()

    return asyncio.run(run())


def drained(hub: Host) -> None:
    """Wait until the hub's relay has purged its inbound streams of what it applied (it does
    once a stream falls quiet, so a record of the test before may still be there: under load,
    PEERS_IN_B held 1 before the attacks and 0 after), so that what the hub's streams hold
    changes afterwards only if an attack changed it."""
    held: dict[str, int] = {}

    async def inbound(nc: Any, js: Any) -> None:
        for host in ("B", "C"):
            held[host] = (await js.stream_info(leaf_stream(host))).state.messages

    wait_for(lambda: through(hub, inbound) == "done" and not any(held.values()),
             what="the inbound streams purged of what the hub applied")


def publish(subject: str, envelope: Envelope) -> Callable[[Any, Any], Awaitable[Any]]:
    async def action(nc: Any, js: Any) -> None:
        await js.publish(subject, envelope.payload(), headers=envelope.headers(), timeout=2.0)
    return action


def forgery(hosts: list[Host], group_id: str, body: str, origin: str) -> Envelope:
    """A message signed with a key the attacker holds (mallory's, no member of the group)."""
    hub, b, _ = hosts
    envelope = forged_message(Forger(b.user("mallory").home), hub.users["alice"], group_id, body)
    return dataclasses.replace(envelope, origin=origin)


def crosses(hosts: list[Host], body: str) -> None:
    """bob on B posts `body`: it must reach A and C (the federation still works)."""
    hub, b, c = hosts
    b.users["bob"].ok("send", "team", body)
    wait_for(lambda: body in bodies(hub.users["alice"]) and body in bodies(c.users["carol"]),
             what=f"{body!r} on A and C")


def test_a_leaf_cannot_publish_in_another_hosts_name(shared_three):
    hosts, group_id = shared_three
    hub, b, c = hosts
    refused = Refusals(hosts)
    framed = forgery(hosts, group_id, "C sent this, says the subject", origin="C")
    assert through(b, publish(in_subject("C", group_id), framed)) in REFUSED
    crosses(hosts, "genuine from B")
    assert refused.of(hub) == {}  # C was never blamed (nor anyone)
    assert all(refused.of(host) == {} for host in (b, c))
    assert "C sent this, says the subject" not in bodies(hub.users["alice"])
    # Its own subject stays open to it: a forgery there, even with a header naming C as its
    # origin, is refused by the hub's checks and counted against B, the host that sent it.
    own = forgery(hosts, group_id, "B sent this", origin="C")
    assert through(b, publish(in_subject("B", group_id), own)) == "done"
    wait_for(lambda: refused.of(hub) == {"B": 1}, what="the forgery counted against B")


def test_the_hub_refuses_records_in_the_name_of_a_host_without_a_token(shared_three):
    """Only a process with the hub relay's credential can still publish as any host: what
    names a host that holds no token is not even stored (no inbound stream is that host's,
    relay/inbound.py), even a genuine record; what a revoked leaf's stream still holds is
    refused before any check ("holds no token", intake.py)."""
    from peers_tui.core.group_store import GroupStore
    from peers_tui.relay.rows import scan_local

    hosts, group_id = shared_three
    hub, _, _ = hosts
    refused = Refusals([hub])
    store = GroupStore(hub.hub / f"{group_id}.db", group_id)
    [record] = [e for e in scan_local(store, "Z", 0, 0).genuine if '"welcome"' in e.text]
    store.close()
    assert through(hub, publish(in_subject("Z", group_id), record)) == "NoStreamResponseError"
    assert refused.of(hub) == {}


def test_a_leaf_cannot_publish_into_the_federation_stream(shared_three):
    hosts, group_id = shared_three
    hub, b, c = hosts
    refused, listed_before = Refusals(hosts), c.peers().ok("relay", "rejected", "--json").json()
    hub_before = hub.peers().ok("relay", "rejected", "--json").json()
    past_the_hub = forgery(hosts, group_id, "straight into the federation", origin="B")
    subject = fed_subject(group_id, "msg")
    assert through(b, publish(subject, past_the_hub)) in REFUSED
    crosses(hosts, "genuine after the attempt")
    # Had it got through (here: published with the hub relay's credential), the leaves run the
    # checks of local writes on it: C refuses it, B ignores what names it as the origin, and
    # the hub never applies the federation stream at all.
    assert through(hub, publish(subject, past_the_hub)) == "done"
    wait_for(lambda: refused.of(c) == {"B": 1}, what="C's refusal")
    crosses(hosts, "genuine after the bypass")
    for user in (hub.users["alice"], b.users["bob"], c.users["carol"]):
        assert "straight into the federation" not in bodies(user)
        assert user.run("verify", "team").code == 0
    [refusal] = [row for row in c.peers().ok("relay", "rejected", "--json").json()
                 if row not in listed_before]
    assert refusal["reason"] == "author was not a member when it was written"
    # The hub applies nothing of the federation stream, but its count of the group finds the
    # stream a record longer than its file when it looks within the test (every few seconds:
    # 2 runs in 3 here) and fetches the forgery back, to refuse it in its turn (the census,
    # docs/relay.md "Every host a full replica"): never applied, refused under the origin it
    # was published with. Anything else refused at the hub is a defect.
    hub_refused = [row for row in hub.peers().ok("relay", "rejected", "--json").json()
                   if row not in hub_before]
    assert refused.of(hub) in ({}, {"B": 1}), hub_refused
    assert [row["reason"] for row in hub_refused] == [refusal["reason"]] * len(refused.of(hub))


def test_a_leaf_cannot_delete_purge_or_change_the_streams(shared_three):
    from nats.js.api import StreamConfig

    hosts, group_id = shared_three
    hub, b, _ = hosts

    async def stored(nc: Any, js: Any) -> None:
        for stream in (leaf_stream("B"), leaf_stream("C"), FED_STREAM):
            counts[stream] = (await js.stream_info(stream)).state.messages

    counts: dict[str, int] = {}
    drained(hub)
    assert through(hub, stored) == "done"
    before = dict(counts)
    attacks: dict[str, Callable[[Any, Any], Awaitable[Any]]] = {}
    for stream in (leaf_stream("B"), leaf_stream("C"), FED_STREAM):
        attacks[f"delete {stream}"] = lambda nc, js, s=stream: js.delete_stream(s)
        attacks[f"purge {stream}"] = lambda nc, js, s=stream: js.purge_stream(s)
        attacks[f"delete a message of {stream}"] = lambda nc, js, s=stream: js.delete_msg(s, 1)
        attacks[f"shrink {stream}"] = lambda nc, js, s=stream: js.update_stream(
            StreamConfig(name=s, subjects=["peers.nothing"], max_msgs=1))
    attacks["a stream of its own on the hub"] = lambda nc, js: js.add_stream(
        StreamConfig(name="EVIL", subjects=["peers.order.>"]))
    attacks["a consumer of the inbound stream"] = lambda nc, js: js.add_consumer(leaf_stream("B"))
    # Consumer names stay secret to their makers: a leaf may delete a consumer by its name.
    attacks["the names of the consumers"] = lambda nc, js: js.consumers_info(FED_STREAM)
    attacks["the names, the short way"] = lambda nc, js: nc.request(
        f"$JS.hub.API.CONSUMER.NAMES.{FED_STREAM}", b"", timeout=2)
    outcomes = {name: through(b, attack) for name, attack in attacks.items()}
    assert {name: outcome for name, outcome in outcomes.items() if outcome not in REFUSED} == {}
    assert through(hub, stored) == "done"
    assert counts == before
    crosses(hosts, "still federated")


def test_a_leaf_cannot_read_replies_meant_for_another_host(shared_three):
    """Leaf B listens on every inbox it can name, and on everything, while carol on C sends a
    message (C's relay stores it upstream: a publish ack for C) and changes her handle (C asks
    the hub's sequencer: its answer is for C) and alice's message is delivered to C's
    consumer. B must see none of it: the hub sends B only replies under B's own prefix."""
    hosts, _ = shared_three
    hub, b, c = hosts
    patterns = ("_INBOX.>", f"{inbox_prefix('C')}.>", ">")
    seen: dict[str, list[bytes]] = {pattern: [] for pattern in patterns}
    subjects: list[tuple[str, bytes]] = []  # everything B's link carries, with its subject

    def keeper(pattern: str) -> Callable[[Any], Awaitable[None]]:
        async def keep(msg: Any) -> None:  # nats-py takes coroutine functions only
            seen[pattern].append(msg.data)
            if pattern == ">":
                subjects.append((msg.subject, msg.data))
        return keep

    async def spy(nc: Any, js: Any) -> None:
        for pattern in patterns:
            await nc.subscribe(pattern, cb=keeper(pattern))
        await nc.flush()
        await asyncio.sleep(0.5)  # B's interest reaches the hub
        await asyncio.to_thread(carol_and_alice_talk)
        await asyncio.sleep(0.5)

    def carol_and_alice_talk() -> None:
        carol = c.users["carol"]
        carol.ok("send", "team", "from carol, acked to C")
        carol.ok("id", "--handle", "caroline")  # ordered by the hub: the answer goes to C
        hub.users["alice"].ok("send", "team", "to carol's consumer")
        wait_for(lambda: "to carol's consumer" in bodies(carol) and "from carol, acked to C"
                 in bodies(hub.users["alice"]) and "to carol's consumer" in bodies(b.users["bob"]),
                 what="the messages across")

    assert through(b, spy) == "done"
    everything = seen[">"]
    for_c = [data for data in everything if b'"PEERS_IN' in data or data == b'{"ok": true}']
    assert for_c == []  # neither C's publish ack nor the hub's answer to C
    assert seen["_INBOX.>"] == [] and seen[f"{inbox_prefix('C')}.>"] == []
    # Alice's message came to B only on subjects B may read: the federation stream's own and
    # B's inbox (C's consumer would deliver it elsewhere). Not a count of copies: under load
    # B's ordered consumer may be made again from its last applied position and deliver it
    # twice (seen once in a full parallel run), which is B's own copy, not C's.
    copies = [subject for subject, data in subjects if b"to carol's consumer" in data]
    assert copies and all(subject.startswith(("peers.fed.", f"{inbox_prefix('B')}."))
                          for subject in copies), copies


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` one or more at the end."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or token not in ("*", have[index]):
            return False
    return len(want) == len(have)


def test_the_allow_list_grants_no_destructive_call_and_no_other_hosts_subject():
    """A guard for whoever adds a subject to permissions.py: none of these may ever match."""
    from peers_tui.relay.permissions import leaf_permissions

    allowed = leaf_permissions("B")
    sends, receives = allowed["publish"]["allow"], allowed["subscribe"]["allow"]
    api = "$JS.hub.API"
    forbidden = [f"{api}.STREAM.{verb}.{stream}" for stream in (leaf_stream("B"), leaf_stream("C"), FED_STREAM)
                 for verb in ("DELETE", "PURGE", "UPDATE", "CREATE", "MSG.DELETE")]
    mine = leaf_stream("B")
    forbidden += [f"{api}.CONSUMER.DELETE.{mine}.x", f"{api}.CONSUMER.CREATE.{mine}",
                  f"{api}.CONSUMER.CREATE.{mine}.x.peers.in.C.g", f"{api}.STREAM.LIST",
                  f"$JS.API.STREAM.DELETE.{FED_STREAM}", "peers.in.C.g", "peers.fed.g.r",
                  "peers.fed.g.m", "peers.order.C.g", "peers.presence.C", "_INBOX.x",
                  "peers.refusals.C", "_INBOX_C.peers-refused"]
    assert [(p, s) for p in sends for s in forbidden if matches(p, s)] == []
    assert any(matches(p, "peers.in.B.g") for p in sends)  # and the matcher does match
    assert any(matches(p, "_INBOX_B.x.y") for p in receives)
    # What the leaf receives: replies only, never another host's requests or records.
    for subject in ("peers.in.C.g", "peers.order.C.g", "peers.fed.g.r", "$JS.hub.API.INFO",
                    "_INBOX.x.y", "_INBOX_C.x", "_INBOX_B2.x"):
        assert not any(matches(p, subject) for p in receives)


def test_a_leaf_still_reads_a_backlog_larger_than_its_consumers_window(tmp_path):
    """The allow-list must keep what the relay needs: an ordered consumer across the link
    stalls after ~2 MB unless the leaf may answer its flow control (`$JS.FC.<stream>.>`)."""
    from nats.js.api import ConsumerConfig, DeliverPolicy

    hosts = federation(tmp_path, ("A", "B"))
    hub, b = hosts
    count, size = 400, 16_000
    try:
        for host in hosts:
            host.start()
        wait_for(b.link_up, what="B's link")

        async def fill(nc: Any, js: Any) -> None:
            for start in range(0, count, 100):
                await asyncio.gather(*[js.publish(fed_subject("a" * 26, "msg"), bytes(size))
                                       for _ in range(start, min(count, start + 100))])

        async def read_all(nc: Any, js: Any) -> None:
            sub = await js.subscribe(fed_subject("a" * 26), stream=FED_STREAM, ordered_consumer=True,
                                     config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
            while len(received) < count:
                received.append(len((await sub.next_msg(timeout=5)).data))
            await sub.unsubscribe()

        received: list[int] = []
        assert through(hub, fill) == "done"
        assert through(b, read_all) == "done", f"stalled after {len(received)} of {count}"
        assert received == [size] * count
    finally:
        stop_all(hosts)
