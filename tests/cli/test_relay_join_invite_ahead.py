"""A join's records are the federation's before the relay can meet them in the file (docs/
relay.md, eighth acceptance pass, "Once, then reproduced"): the hub had published alice's
invite of a group ahead of the messages she imported before it (its scan sends every invite
and only 2,000 messages a look), so on the joining leaf the invite's predecessor was above the
newest page, neither here nor below the frontier. The leaf's relay judged the invite a row
written on this host whose predecessor was "missing (history deleted)" and refused it for good
(`rejected: B 1`): its scan never passed a known invite over (rows._own_row), and the join
told the ledger what it had applied only after linking the file into place, so a scan in
between (at once: inotify; a loaded machine, a relay started again then) found it unknown.

The hub's scan no longer sends an invite ahead of its author's earlier messages (relay/
chain_order.py; the last test), but a leaf must not refuse one that came so (a hub of older
code, a stream written before). Deterministic here: the hub's relay is paused (its
nats-server serves on) while alice imports and invites; the stream is given the invite and
then her oldest messages, as the hub's scan gave them; the join's read and apply are called
as `fetch_group` calls them (the second test holds the ledger's bookkeeping after the apply
back until the leaf's relay has scanned the file). Hub A and leaf B on loopback, real relays."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.relay_helpers import federation, paused_between_writes, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow

IMPORTED = 1_500
PUBLISHED = 800  # of them in the stream when B joins: the newest page is 301-800


def _rows(path, group_id: str) -> tuple[list, list]:
    """The invites, then the messages in alice's chain order, of A's file as envelopes."""
    from peers_tui.relay.envelope import Envelope

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        invites = [Envelope(group_id, "invite", text, bytes(sig), None, "A") for text, sig in
                   db.execute("SELECT record, sig FROM invite ORDER BY id")]
        messages = [Envelope(group_id, "msg", text, bytes(sig), None, "A") for text, sig in
                    db.execute("SELECT record, sig FROM message ORDER BY author_seq")]
    return invites, messages


def _publish(hub, envelopes: list) -> None:
    """Into the hub's federation stream, as its relay's scan publishes them."""
    import nats

    from peers_tui.relay.config import client_url, load_config
    from peers_tui.relay.envelope import fed_subject

    async def send() -> None:
        nc = await nats.connect(client_url(load_config(hub)))
        js = nc.jetstream()
        for envelope in envelopes:
            await js.publish(fed_subject(envelope.group_id, envelope.table), envelope.payload(),
                             headers=envelope.headers())
        await nc.close()

    asyncio.run(send())


def _read_join(hub, group_id: str) -> tuple:
    import nats

    from peers_tui.relay import fetch
    from peers_tui.relay.config import client_url, inbox_prefix, load_config

    config = load_config(hub)

    async def read() -> tuple:  # connected as fetch._fetch connects (a leaf's inbox prefix)
        nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name))
        try:
            return await fetch._read_join(nc.jetstream(domain="hub"), group_id)
        finally:
            await nc.close()

    return asyncio.run(read())


def _position(relay_db, key: str) -> int:
    try:
        with sqlite3.connect(f"file:{relay_db}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT value FROM positions WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0


@contextmanager
def _invite_ahead(tmp_path) -> Iterator[tuple]:
    """Hub A (its relay paused, its nats-server serving) and leaf B; alice's 'big4' with
    IMPORTED messages imported and an invite after them, the stream holding the invite and
    then the oldest PUBLISHED of them. Yields the hosts, the group id, the code, the invite's
    envelope and the messages'; the hub's relay goes on at the end of the block (SIGCONT)."""
    hosts = federation(tmp_path, ("A", "B"))
    hub, _leaf = hosts
    try:
        alice = hub.user("alice")
        group_id = alice.ok("create", "big4").out.strip()
        start_linked(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="the genesis published")
        assert hub.process is not None
        # The hub's relay publishes nothing more; stopped between writes of A's file, which
        # alice's import and invite write next (inside one, they waited on its lock).
        paused_between_writes(hub, group_id)
        try:
            lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                        "created_at": 1_700_000_000 + i}) + "\n"
                            for i in range(IMPORTED))
            alice.ok("import", "big4", "-", stdin=lines)
            code = alice.ok("invite", "big4").out.strip()
            invites, messages = _rows(hub.hub / f"{group_id}.db", group_id)
            assert len(invites) == 1 and len(messages) == IMPORTED
            invite = json.loads(invites[0].text)
            assert invite["aseq"] == json.loads(messages[-1].text)["aseq"] + 1  # after the last
            _publish(hub.hub, invites + messages[:PUBLISHED])  # the invite ahead of them
            yield hosts, group_id, code, invites[0], messages
        finally:
            hub.process.send_signal(signal.SIGCONT)
    finally:
        stop_all(hosts)


def _scanned(leaf, group_id: str) -> None:
    """B's relay has looked at the new file and stored what it found upstream."""
    relay_db = leaf.hub / ".relay" / "relay.db"
    wait_for(lambda: _position(relay_db, f"invite:{group_id}") > 0, timeout=30,
             what="B's relay past the file's invites")


def test_a_joined_invite_ahead_of_its_predecessor_is_not_refused_by_the_leafs_scan(tmp_path):
    """The join as `peers join` makes it (fetch_group): the relay judged the invite whether
    the ledger knew it or not (a known invite row was never passed over)."""
    from peers_tui.relay import fetch

    with _invite_ahead(tmp_path) as (hosts, group_id, code, invite, messages):
        hub, leaf = hosts
        outcome = fetch.fetch_group(leaf.hub, group_id)
        assert outcome is not None and outcome.refused == [] and outcome.waiting == []
        assert _count(leaf.hub / f"{group_id}.db") == fetch.NEWEST  # 301-800: not the last
        _scanned(leaf, group_id)
        assert leaf.status().get("rejected", {}) == {}, leaf.peers().run("relay", "rejected").out
        # The hub's relay goes on: the rest arrives behind it, the code works on B, nothing
        # was refused anywhere.
        hub.process.send_signal(signal.SIGCONT)
        wait_for(lambda: _count(leaf.hub / f"{group_id}.db") == IMPORTED, timeout=60,
                 what="the whole import on B")
        bob = leaf.user("bob")
        bob.ok("join", code)
        assert bob.run("verify", "big4").code == 0, bob.run("verify", "big4").out
        assert leaf.status().get("rejected", {}) == {}, leaf.peers().run("relay", "rejected").out
        assert hub.status().get("rejected", {}) == {}, hub.peers().run("relay", "rejected").out


def test_an_invite_ahead_is_not_refused_while_the_join_has_not_written_the_ledger(tmp_path):
    """The join's process slow between linking the file into place and writing the ledger
    (a loaded machine): B's relay scans the file in between."""
    from peers_tui.relay import fetch

    with _invite_ahead(tmp_path) as (hosts, group_id, _code, invite, messages):
        _hub, leaf = hosts
        # What fetch_group does, the ledger's bookkeeping after the apply held back.
        newest, firsts, low, found = _read_join(leaf.hub, group_id)
        assert invite.hash in {e.hash for e in firsts}
        assert len(newest) == fetch.NEWEST and newest[-1].hash == messages[PUBLISHED - 1].hash
        outcome = fetch.apply_join(leaf.hub, group_id, firsts, newest, low, found)
        assert outcome.refused == [] and outcome.waiting == []
        _scanned(leaf, group_id)
        fetch._record(leaf.hub, outcome)
        assert leaf.status().get("rejected", {}) == {}, leaf.peers().run("relay", "rejected").out


def _stream(hub, group_id: str) -> list:
    """The group's records in the hub's federation stream, in stream order."""
    import nats

    from peers_tui.relay.config import client_url, load_config
    from peers_tui.relay.fetch import read_group

    async def read() -> list:
        nc = await nats.connect(client_url(load_config(hub)))
        try:
            return await read_group(nc.jetstream(), group_id)
        finally:
            await nc.close()

    return asyncio.run(read())


def test_the_hubs_scan_sends_an_invite_after_its_authors_earlier_messages(tmp_path):
    """The cause upstream: a look at the hub's file sends every new invite and 2,000 messages
    (rows.SCAN_LIMIT); an invite signed after 3,000 imports went out with the first 2,000."""
    hosts = federation(tmp_path, ("A",))
    hub = hosts[0]
    try:
        alice = hub.user("alice")
        group_id = alice.ok("create", "big4").out.strip()
        lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n" for i in range(3_000))
        alice.ok("import", "big4", "-", stdin=lines)
        alice.ok("invite", "big4")
        hub.start()
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="A's records published")
        order = [(e.table, json.loads(e.text).get("aseq")) for e in _stream(hub.hub, group_id)
                 if e.table in ("msg", "invite")]
        invite = next(index for index, (table, _) in enumerate(order) if table == "invite")
        sent_before = {aseq for table, aseq in order[:invite] if table == "msg"}
        assert len(sent_before) == 3_000, f"the invite went out after {len(sent_before)} imports"
    finally:
        stop_all(hosts)


def _count(path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
        return int(db.execute("SELECT COUNT(*) FROM message").fetchone()[0])
