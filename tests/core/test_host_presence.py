"""Presence across hosts, the core side: the hosts file a relay writes and every reader of it
(the roster, `peers members`) must survive whatever another host or a hub user put there."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from peers_tui.core.host_presence import (
    HOME_KEPT, HOSTS_FILE, MAX_ENTRY_BYTES, MAX_FILE_BYTES, MAX_IDS, HostEntry, is_host_name,
    parse_payload, read_hosts_file, this_host, write_hosts_file,
)
from peers_tui.core.identity import Keypair
from peers_tui.core.presence import Presence
from peers_tui.core.profiles import PEOPLE_DIR
from peers_tui.core.whereabouts import locate

pytestmark = pytest.mark.usefixtures("relay_files_mine")  # (tests/conftest.py)

ALICE, BOB, CAROL = (Keypair.from_seed(bytes([n]) * 32).public_id for n in (1, 2, 3))


def entry_json(host: str = "hostB", **fields) -> dict:
    return {"v": 1, "host": host, "present": [BOB], "home": [BOB], "seen": time.time(), **fields}


def write_raw(hub: Path, data) -> None:
    hub.mkdir(parents=True, exist_ok=True)
    (hub / HOSTS_FILE).write_text(data if isinstance(data, str) else json.dumps(data))


def test_written_entries_read_back_and_the_file_is_readable_by_all(tmp_path):
    hub = tmp_path / "hub"
    hub.mkdir()
    old_umask = os.umask(0o077)
    try:
        write_hosts_file(hub, "hostA", [HostEntry("hostB", frozenset({BOB}), frozenset({CAROL}),
                                                  time.time())])
    finally:
        os.umask(old_umask)
    assert os.stat(hub / HOSTS_FILE).st_mode & 0o777 == 0o644
    view = read_hosts_file(hub)
    assert view is not None and view.here == "hostA"
    assert [(e.host, e.present, e.home) for e in view.others] == [
        ("hostB", frozenset({BOB}), frozenset({CAROL}))]
    assert [p.name for p in hub.iterdir()] == [HOSTS_FILE]  # no temporary left behind


@pytest.mark.parametrize("content", [
    "not json", "[1, 2]", "{", json.dumps({"v": 2, "here": "hostA", "hosts": []}),
    json.dumps({"v": 1, "here": "host\x1b[31mA", "hosts": []}),
    json.dumps({"v": 1, "here": "hostA", "hosts": {"hostB": {}}}),
    "[" * 100_000 + "]" * 100_000,  # deep nesting
])
def test_a_damaged_file_counts_as_no_relay(tmp_path, content):
    write_raw(tmp_path / "hub", content)
    assert read_hosts_file(tmp_path / "hub") is None


def test_an_oversized_file_or_a_symlink_is_not_read(tmp_path):
    hub = tmp_path / "hub"
    big = {"v": 1, "here": "hostA", "hosts": [entry_json(f"h{n}") for n in range(64)],
           "pad": "x" * MAX_FILE_BYTES}
    write_raw(hub, big)
    assert read_hosts_file(hub) is None
    (hub / HOSTS_FILE).unlink()
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"v": 1, "here": "hostA", "hosts": [entry_json()]}))
    (hub / HOSTS_FILE).symlink_to(target)
    assert read_hosts_file(hub) is None


def test_malformed_entries_are_left_out_one_by_one(tmp_path):
    now = time.time()
    bad = [
        entry_json("\x1b]0;title\x07"), entry_json("two words"), entry_json("x" * 33),
        entry_json("-dash"), entry_json(None), entry_json(7),
        entry_json("hostC", present="not a list"),
        entry_json("hostD", present=[BOB] * (MAX_IDS + 1)),
        entry_json("hostE", home={"a": 1}), entry_json("hostF", seen="yesterday"),
        entry_json("hostG", seen=True), entry_json("hostH", seen=now - HOME_KEPT - 1),
        entry_json("hostK", seen=now + 3600), entry_json("hostL", seen=float("inf")),
        entry_json("hostM", seen=float("nan")),
        entry_json("hostI", v=2), entry_json("hostA"),  # this host itself: it knows better
        "text", None, 3, [], {},
    ]
    junk_ids = entry_json("hostJ", present=["\x1b[2J", 5, None, BOB + "x", BOB], home=[])
    write_raw(tmp_path / "hub", {"v": 1, "here": "hostA", "written": now,
                                 "hosts": bad + [junk_ids, entry_json("hostB"),
                                                 entry_json("hostN", seen=now - 3600)]})
    view = read_hosts_file(tmp_path / "hub", now=now)
    assert view is not None
    assert [(e.host, e.present) for e in view.others] == [  # hostN: not heard for an hour
        ("hostB", frozenset({BOB})), ("hostJ", frozenset({BOB})), ("hostN", frozenset())]


def test_a_host_name_ending_in_a_newline_is_no_host_name(tmp_path):
    """`^...$` with `match` let one trailing newline through (`$` matches before it): a host
    `hostB\\n` in the hosts file put a line break after a member's name in the roster
    (docs/relay.md "Fourteenth attack pass"). Names from NATS subjects cannot hold one."""
    hub = tmp_path / "hub"
    write_raw(hub, {"v": 1, "here": "hostA", "hosts": [entry_json("hostB\n")]})
    view = read_hosts_file(hub)
    assert view is not None and view.others == ()
    write_raw(hub, {"v": 1, "here": "hostA\n", "hosts": [entry_json()]})
    assert read_hosts_file(hub) is None
    assert not is_host_name("hostB\n") and is_host_name("hostB")


def test_wire_entries_are_bounded_and_checked():
    now = time.time()
    good = HostEntry("hostB", frozenset({BOB}), frozenset(), 0.0).payload()
    assert parse_payload(good, seen=now) == HostEntry("hostB", frozenset({BOB}), frozenset(), now)
    assert parse_payload(b"x" * (MAX_ENTRY_BYTES + 1), seen=now) is None
    assert parse_payload(b"\xff\xfe", seen=now) is None
    assert parse_payload(json.dumps(entry_json("bad\x1bhost")).encode(), seen=now) is None
    assert parse_payload(b"[" * 50_000, seen=now) is None


def test_members_are_located_here_on_other_hosts_and_at_home(tmp_path):
    hub = tmp_path / "hub"
    presence = Presence(hub)
    assert locate(presence, [ALICE, BOB]).hosts == {}  # no relay: nothing but the locks
    presence.announce(ALICE)
    (hub / PEOPLE_DIR).mkdir()
    (hub / PEOPLE_DIR / f"{CAROL}.json").write_text("{}")
    write_hosts_file(hub, "hostA", [HostEntry("hostB", frozenset({BOB}), frozenset({BOB}),
                                              time.time()),
                                    HostEntry("hostC", frozenset({ALICE}), frozenset(),
                                              time.time())])
    try:
        where = locate(presence, [ALICE, BOB, CAROL])
        assert where.present == {ALICE, BOB}
        assert where.hosts == {ALICE: ("hostA", "hostC"), BOB: ("hostB",), CAROL: ("hostA",)}
        # the relay stopped an hour ago: its file is stale, nobody elsewhere is present,
        # but bob's home is still shown (away); a day later the other hosts count no more
        later = locate(presence, [ALICE, BOB, CAROL], now=time.time() + 3600)
        assert later.present == {ALICE}
        assert later.hosts == {ALICE: ("hostA",), BOB: ("hostB",), CAROL: ("hostA",)}
        forgotten = locate(presence, [ALICE, BOB, CAROL], now=time.time() + HOME_KEPT + 60)
        assert forgotten.hosts == {ALICE: ("hostA",), BOB: (), CAROL: ("hostA",)}
        entry = this_host(presence, "hostA")
        assert (entry.present, entry.home) == (frozenset({ALICE}), frozenset({CAROL}))
    finally:
        presence.withdraw()


def test_a_relay_takes_a_hosts_word_only_for_itself(tmp_path):
    from peers_tui.relay.presence_sync import PresenceSync

    hub = tmp_path / "hub"
    hub.mkdir()

    async def hear_all() -> dict:
        sync = PresenceSync(hub, "hostA", None, None, None,  # type: ignore[arg-type]
                            asyncio.Event())
        payload = HostEntry("hostB", frozenset({BOB}), frozenset(), 0.0).payload()
        assert not sync.hear("peers.presence.hostC", payload)  # B pretending to be C
        assert not sync.hear("peers.presence.hostA", payload)  # or this host
        assert not sync.hear("peers.presence.hostB", b"{not json")
        assert not sync.hear("peers.presence.hostB.x", payload)
        assert sync.hear("peers.presence.hostB", payload)
        sync.watch.close()
        return sync.heard

    heard = asyncio.run(hear_all())
    assert list(heard) == ["hostB"]
    view = read_hosts_file(hub)
    assert view is not None and [e.host for e in view.others] == ["hostB"]
