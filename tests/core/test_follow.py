"""`peers log --follow` in one process sees what other processes commit."""

from __future__ import annotations

import json
import os
import queue
import selectors
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import User


def read_line(proc: subprocess.Popen, timeout: float = 15) -> str:
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            return proc.stdout.readline()
    raise AssertionError("no line from the follower in time")


def follow(user: User, limit: int = 1) -> subprocess.Popen:
    """`peers log team --follow --json` as `user`, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "log", "team", "--follow", "--json", "--limit",
         str(limit)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user.env())


def test_follow_prints_messages_committed_by_other_processes(alice: User, bob: User, team):
    alice.ok("send", "team", "before following")
    follower = follow(bob)
    try:
        assert json.loads(read_line(follower))["body"] == "before following"
        for text in ("one", "two"):
            assert alice.spawn("send", "team", text).code == 0
            shown = json.loads(read_line(follower))
            assert (shown["author"], shown["body"], shown["verified"]) == ("alice", text, True)
        message = shown["id"]
        assert alice.spawn("edit", "team", message, "two, edited").code == 0
        shown = json.loads(read_line(follower))
        assert (shown["id"], shown["body"], shown["edited"]) == (message, "two, edited", True)
    finally:
        follower.terminate()
        follower.wait(timeout=10)


def test_notifier_reports_a_commit_from_another_process(alice: User, team):
    from peers_tui.core.notifier import ChangeNotifier
    notifier = ChangeNotifier()
    notifier.watch(team, alice.hub / f"{team}.db")
    assert notifier.wait(timeout=0.05) == set()
    writer = subprocess.Popen([sys.executable, "-m", "peers_tui", "send", "team", "ping"],
                              env=alice.env())
    assert notifier.wait(timeout=15) == {team}
    writer.wait(timeout=30)
    notifier.close()


def test_readers_do_not_look_like_writers(alice: User, team):
    """Opening and closing connections (ours or the notifier's own) is not a change: an app
    that reacted to it would wake itself for ever."""
    from peers_tui.core.account import Account
    from peers_tui.core.notifier import ChangeNotifier
    alice.ok("send", "team", "something in the WAL")
    notifier = ChangeNotifier(sweep_interval=0.05)
    notifier.watch(team, alice.hub / f"{team}.db")
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    for _ in range(5):
        store.recent(10)
        assert notifier.wait(timeout=0.1) == set()
    account.send("team", "a real commit")
    assert notifier.wait(timeout=5) == {team}
    assert notifier.wait(timeout=0.2) == set()
    notifier.close()


def test_notifier_holds_no_descriptor_on_database_files(alice: User, team):
    import os
    from peers_tui.core.notifier import ChangeNotifier
    notifier = ChangeNotifier()
    notifier.watch(team, alice.hub / f"{team}.db")
    notifier.wait(timeout=1.2)  # includes a sweep
    open_files = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                  if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [f for f in open_files if team in f]
    notifier.close()


def test_interrupting_a_closed_notifier_writes_nowhere(tmp_path):
    """A closed notifier's wake-up descriptor may be reused by another file (a database):
    interrupt() after close() must not write into it."""
    import os
    from peers_tui.core.notifier import ChangeNotifier
    notifier = ChangeNotifier()
    notifier.close()
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"SQLite format 3\0")
    fd = os.open(victim, os.O_RDWR)  # likely takes a number the notifier just released
    try:
        notifier.interrupt()
    finally:
        os.close(fd)
    assert victim.read_bytes() == b"SQLite format 3\0"
    assert notifier.wait(timeout=0.01) == set()


@pytest.mark.parametrize("mode", ["mv", "restore"])
def test_follow_reads_a_group_file_put_back_under_it_again(alice: User, bob: User, team, mode):
    """A file put back to an older copy (or another copy moved onto its name) numbers its new
    rows below what the follower had read: they were never printed (docs/relay.md "A replaced
    group file in an open app (h-restored)")."""
    from tests.tui.test_replaced_group_file import _copy, _group_file, _put_back
    for text in ("one", "two"):
        alice.ok("send", "team", text)
    path = _group_file(alice)
    backup = path.parent / "team-backup.db"
    _copy(path, backup)
    for text in ("three", "four"):
        alice.ok("send", "team", text)
    follower = follow(bob, 4)
    lines: queue.Queue[str] = queue.Queue()  # several lines come at once: read_line's select
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout],  # would
                     daemon=True).start()  # wait for more than the buffer already holds

    def body() -> str:
        return json.loads(lines.get(timeout=15))["body"]

    try:
        assert [body() for _ in range(4)] == [
            "one", "two", "three", "four"]
        time.sleep(0.5)  # the follower watches the file
        _put_back(mode, backup, path)
        assert bob.spawn("send", "team", "five").code == 0
        shown = [body()]
        while shown[-1] != "five":  # anything put back that it had not printed, then five
            shown.append(body())
        assert "one" not in shown and "two" not in shown  # printed before, not again
        assert bob.spawn("send", "team", "six").code == 0
        assert body() == "six"
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    err = follower.stderr.read()
    assert "team's file was replaced: history reloaded" in err


def test_follow_ends_in_one_line_when_another_groups_file_is_moved_under_it(
        alice: User, bob: User, team):
    """Someone able to write the hub moves another group's file onto the followed one's name
    (fifteenth attack pass): `peers log team` refuses such a file ("holds a different
    group"), but the follower, whose store had checked the genesis once, read it on and
    printed its rows under team (flagged: "record belongs to another group"). Now it ends
    with that one line, printing nothing of it."""
    from peers_tui.testing.forge import Forger

    other = alice.ok("create", "other").out.strip()
    alice.ok("send", "other", "said in other")
    alice.ok("send", "team", "one")
    follower = follow(bob)
    try:
        assert json.loads(read_line(follower))["body"] == "one"
        time.sleep(0.5)  # the follower watches the file
        team_file = alice.hub / f"{team}.db"
        os.replace(alice.hub / f"{other}.db", team_file)
        Forger(alice.home).message(team_file, other, "written in other's file")
        out, err = follower.communicate(timeout=15)
    finally:
        if follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=10)
    assert follower.returncode == 1 and out == "", out
    assert err.endswith("holds a different group than " f"{team} (file swapped or forged)\n"), err
    assert "Traceback" not in err


def test_a_file_moved_in_after_the_log_was_read_is_not_followed(alice: User, bob: User, team):
    """`peers log --follow` reads the log through the store it opened (its genesis checked
    then) and takes the follow's file mark after: another group's file moved onto the name
    in between was marked as the one followed, and read on with no check. Now the follow
    checks the file it marked ("holds a different group"). In one process, the move between
    the two here (the CLI's are a few milliseconds apart)."""
    from peers_tui.core.account import Account
    from peers_tui.core.errors import DamagedDatabase

    other = alice.ok("create", "other").out.strip()
    alice.ok("send", "other", "said in other")
    bob.ok("send", "team", "one")
    account = Account(alice.home, alice.hub)
    entry, store = account.group_store("team")
    shown = [view.id for view in store.recent(10)]  # the log above, through the kept store
    os.replace(alice.hub / f"{other}.db", entry.db_path)
    with pytest.raises(DamagedDatabase, match="holds a different group"):
        list(account.messages.follow("team", timeout=0.3, shown=shown))
