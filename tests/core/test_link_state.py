"""core.link_state and core.link_words without NATS: the file every user of a hub may write
is read as "no link state" unless it is exactly one, and never shows a terminal escape."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from peers_tui.core.link_state import (
    Arrival, GroupSync, LinkState, link_path, read_link_state, relay_configured, write_link_state,
)
from peers_tui.core.link_words import hosts_phrase, indicator, sync_label

GROUP = "a" * 26


def state(**changes) -> LinkState:
    fields = dict(host="B", role="leaf", pid=os.getpid(), running=True, updated=time.time(),
                  up=True, since=time.time() - 72, rtt_ms=2.4, to="A",
                  groups={GROUP: GroupSync(unsent=5, sent=12)},
                  arrivals=(Arrival(GROUP, "C", 37, "01A", "01Z", time.time()),))
    fields.update(changes)
    return LinkState(**fields)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def hub(tmp_path):
    (tmp_path / ".relay").mkdir(mode=0o700)
    return tmp_path


def test_written_whole_readable_by_all_and_read_back(hub):
    tmp_path = hub
    written = state()
    os.umask(0o077)  # whatever the relay's umask: users must be able to read it
    try:
        write_link_state(tmp_path, written)
    finally:
        os.umask(0o022)
    assert stat.S_IMODE(os.stat(link_path(tmp_path)).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == [".link.json", ".relay"]  # no temporary
    back = read_link_state(tmp_path)
    assert back == written
    assert back.unsent == 5 and back.alive()


def test_words_for_up_offline_and_not_running(tmp_path):
    now = time.time()
    assert indicator(state(groups={}), True, now) == "⇅ hub ✓ 2 ms"
    assert indicator(state(up=False, since=now - 72), True, now) == "⇅ offline 1m12s · 5 unsent"
    assert indicator(state(role="hub", to=None), True, now) == "⇅ hub ✓ · 5 unsent"
    assert indicator(state(), False, now) == ""  # no relay: nothing at all
    assert indicator(None, True, now) == "⇅ relay not running"
    assert sync_label(state(up=False, since=now - 240), True, GROUP, now) == "offline 4m, 5 unsent"
    assert sync_label(state(groups={}), True, GROUP, now) == "✓"
    receiving = {GROUP: GroupSync(receiving=0.41)}
    assert sync_label(state(groups=receiving), True, GROUP, now) == "receiving 41%"
    assert sync_label(None, False, GROUP, now) == ""
    assert hosts_phrase(["C", "D", "C"]) == " from C and D"


def test_a_link_that_has_just_dropped_reads_less_than_a_second_not_0s():
    """As `peers relay status` says it (relay.config.ago): the TUI read "⇅ offline 0s" for
    the first second of a cut, and `peers groups` "offline 0s" (acceptance pass h-tuiacc)."""
    now = time.time()
    just = state(up=False, since=now - 0.4)
    assert indicator(just, True, now) == "⇅ offline <1s · 5 unsent"
    assert sync_label(just, True, GROUP, now) == "offline <1s, 5 unsent"
    assert indicator(state(up=False, since=now - 1.2), True, now) == "⇅ offline 1s · 5 unsent"


def test_a_stale_file_of_a_relay_that_holds_its_lock_reads_silent():
    """core.relay_lock found the relay's process holding its run lock (SIGSTOP, stuck)."""
    now = time.time()
    stale = state(updated=now - 25)
    assert indicator(stale, True, now, stopped=3, silent=True) == "⇅ relay silent for 25s · 3 unsent"
    assert sync_label(stale, True, GROUP, now, stopped=lambda: 3, silent=True) == \
        "relay silent for 25s, 3 unsent"
    assert indicator(None, True, now, silent=True) == "⇅ relay silent"
    assert indicator(stale, True, now, stopped=3) == "⇅ relay not running · 3 unsent"


def test_a_hub_relay_silent_under_its_answering_server_is_said_not_ticked():
    """Issue 15: the hub's server answered the link probe while its relay was stopped, and
    a leaf read `⇅ hub ✓ 2 ms`, `peers groups` `✓`, of records nobody passed on."""
    now = time.time()
    quiet = state(groups={GROUP: GroupSync()}, hub_relay_silent=now - 25)
    assert indicator(quiet, True, now) == "⇅ hub relay silent 25s"
    assert sync_label(quiet, True, GROUP, now) == "hub relay silent 25s"
    assert indicator(state(hub_relay_silent=now - 25), True, now) == \
        "⇅ hub relay silent 25s · 5 unsent"
    assert sync_label(state(hub_relay_silent=now - 95), True, GROUP, now) == \
        "hub relay silent 1m, 5 unsent"
    down = state(up=False, since=now - 3, hub_relay_silent=now - 25)  # the link says more
    assert indicator(down, True, now) == "⇅ offline 3s · 5 unsent"


def test_the_hub_relays_silence_travels_in_the_file(hub):
    written = state(hub_relay_silent=round(time.time() - 7, 3))
    write_link_state(hub, written)
    assert read_link_state(hub) == written
    for junk in ("long ago", -1, True, float("inf")):
        (hub / ".link.json").write_text(json.dumps(damaged(good_json(), "hub_relay_silent", junk)))
        assert read_link_state(hub) is None


@pytest.mark.parametrize("why", ["stopped", "pid gone", "too old"])
def test_a_relay_that_is_gone_reads_as_not_running(why):
    gone = {"stopped": state(running=False), "pid gone": state(pid=dead_pid()),
            "too old": state(updated=time.time() - 3600)}[why]
    assert not gone.alive()
    assert indicator(gone, True) == "⇅ relay not running"
    assert sync_label(gone, True, GROUP) == "relay not running"


def good_json() -> dict:
    return state().to_json()


def damaged(data: dict, path: str, value: object) -> dict:
    copy = json.loads(json.dumps(data))
    where = copy
    keys = path.split("/")
    for key in keys[:-1]:
        where = where[int(key)] if isinstance(where, list) else where[key]
    if isinstance(where, list):
        where[int(keys[-1])] = value
    else:
        where[keys[-1]] = value
    return copy


HOSTILE = [
    ("host", "\x1b]0;owned\x07"), ("host", "B\x1b[2J"), ("to", "A\n"), ("role", "god"),
    ("pid", "1"), ("pid", -1), ("up", 1), ("running", "yes"), ("updated", "now"),
    ("since", float("nan")), ("rtt_ms", [1]), ("groups", []), ("groups", {"../x": {}}),
    (f"groups/{GROUP}/unsent", -3), (f"groups/{GROUP}/unsent", True),
    (f"groups/{GROUP}/receiving", 7), (f"groups/{GROUP}/frontier", "\x1b[31m"),
    ("arrivals/0/host", "C\x1b[31m"), ("arrivals/0/count", 1.5), ("arrivals", {"a": 1}),
    ("arrivals/0", "x"), ("v", 2),
]


@pytest.mark.parametrize("field,value", HOSTILE)
def test_a_hostile_or_damaged_file_is_no_link_state(hub, field, value):
    tmp_path = hub
    (tmp_path / ".link.json").write_text(json.dumps(damaged(good_json(), field, value)))
    assert read_link_state(tmp_path) is None
    shown = indicator(read_link_state(tmp_path), relay_configured(tmp_path))
    assert shown == "⇅ relay not running" and "\x1b" not in shown


@pytest.mark.parametrize("content", [b"", b"{", b"null", b"[]", b"\xff\xfe", b"1e999",
                                     b"[" * 100000, b'{"v": 1}', b" " * (2 << 20)])
def test_junk_is_no_link_state_and_never_a_traceback(hub, content):
    tmp_path = hub
    (tmp_path / ".link.json").write_bytes(content)
    assert read_link_state(tmp_path) is None


def test_a_directory_a_fifo_or_a_link_in_its_place_is_no_link_state(tmp_path):
    for name in ("dir", "fifo", "link"):
        (tmp_path / name / ".relay").mkdir(parents=True)
    (tmp_path / "dir" / ".link.json").mkdir()
    os.mkfifo(tmp_path / "fifo" / ".link.json")  # not opened for reading: it would block
    write_link_state(tmp_path, state())
    (tmp_path / "link" / ".link.json").symlink_to(tmp_path / ".link.json")
    assert read_link_state(tmp_path / "link") is None
    for name in ("dir", "fifo"):
        assert read_link_state(tmp_path / name) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="making a file of another user needs root")
def test_a_file_of_another_user_than_the_relays_is_not_the_relays(hub):
    write_link_state(hub, state())
    assert read_link_state(hub) is not None
    os.chown(link_path(hub), 4242, 4242)
    assert read_link_state(hub) is None


def test_without_the_relays_directory_there_is_no_link_state(tmp_path):
    write_link_state(tmp_path, state())
    assert read_link_state(tmp_path) is None


def test_no_relay_no_file(tmp_path):
    assert not relay_configured(tmp_path) and read_link_state(tmp_path) is None
    write_link_state(tmp_path, state())
    assert not relay_configured(tmp_path)  # a file anyone could have put there
    (tmp_path / ".relay").mkdir()
    assert relay_configured(tmp_path)


def test_the_records_the_hub_refused_are_counted_for_their_author() -> None:
    """Seventeenth acceptance pass: a removed member's 25 posts voided by the cut read "25
    refused by the hub" in every app of his host. `refused_by` says whose they are; those the
    relay could not tell are counted for everyone; a relay from before it, every one."""
    hal, carol = "h" * 52, "c" * 52
    sync = GroupSync(refused=26, refused_by=((hal, 25),))
    assert (sync.refused_for(hal), sync.refused_for(carol), sync.refused_for(None)) == (26, 1, 26)
    assert GroupSync(refused=3).refused_for(carol) == 3
    state = LinkState(host="C", role="leaf", pid=os.getpid(), running=True, updated=time.time(),
                      up=True, since=time.time(), rtt_ms=1.0, to="A",
                      groups={GROUP: GroupSync(refused=25, refused_by=((hal, 25),))})
    assert indicator(state, True, user=hal).endswith("· 25 refused by the hub")
    assert "refused" not in indicator(state, True, user=carol)
    assert sync_label(state, True, GROUP, user=carol) == "✓"
    assert sync_label(state, True, GROUP, user=hal) == "25 refused by the hub"
