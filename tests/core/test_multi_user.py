"""A shared hub on a multi-user host, with real, separate Unix users (not root).

Each user runs `peers` in a process of their own uid (setpriv), against a hub set up exactly
as the README's "shared hub on a multi-user host" says: a directory of the hub's Unix group,
setgid and sticky (3770). alice and bob are in that group, eve is not.
"""

from __future__ import annotations

import grp
import os
import signal
import stat
import subprocess

from tests.system_helpers import HUB_GROUP, UnixUser

HOLD_OPEN = """
import sys
from pathlib import Path
from peers_tui.core.account import Account
account = Account(Path(sys.argv[1]), Path(sys.argv[2]))
store = account.store(account.resolve(sys.argv[3]))
with store.session():
    store.recent(1)  # a read: the -wal and -shm files now exist
    print("open", flush=True)
    sys.stdin.readline()
"""


def one_line_failure(result) -> str:
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    return result.err


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def founded_team(alice: UnixUser, bob: UnixUser) -> str:
    """alice founds 'team' in the shared hub and bob joins it; returns the group id."""
    alice.ok("id", "--handle", "alice")
    bob.ok("id", "--handle", "bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--uses", "1").out.strip()
    bob.ok("join", code)
    return group_id


def test_shared_hub_recipe_works_between_separate_unix_users(unix_users):
    alice, bob, eve = unix_users["alice"], unix_users["bob"], unix_users["eve"]
    group_id = founded_team(alice, bob)
    alice.ok("send", "team", "hello from alice")
    bob.ok("send", "team", "hello from bob")

    # Each reads the other's message, signed by the other's key, verified.
    bob_id = bob.ok("id", "--json").json()[0]["id"]
    seen_by_alice = {m["body"]: m for m in alice.ok("log", "team", "--json").json()}
    assert seen_by_alice["hello from bob"]["author_id"] == bob_id
    assert seen_by_alice["hello from bob"]["verified"]
    assert "hello from alice" in bob.ok("log", "team").out
    alice.ok("verify", "team")

    # Files: the group DB is alice's, of the hub's group, 0660; secrets are 0600, their own.
    hub_gid = grp.getgrnam(HUB_GROUP).gr_gid
    group_file = alice.hub / f"{group_id}.db"
    info = os.stat(group_file)
    assert (info.st_uid, info.st_gid, mode_of(group_file)) == (alice.uid, hub_gid, 0o660)
    for user in (alice, bob):
        for name in ("identity.key", "personal.db"):
            info = os.stat(user.home / name)
            assert (info.st_uid, mode_of(user.home / name)) == (user.uid, 0o600), (user.name, name)

    # bob may not read alice's secrets, nor delete or rename her group file (sticky hub).
    for name in ("identity.key", "personal.db"):
        result = bob.as_user("cat", str(alice.home / name))
        assert result.code != 0 and "Permission denied" in result.err
    assert bob.as_user("rm", "-f", str(group_file)).code != 0
    assert bob.as_user("mv", str(group_file), str(bob.hub / "moved.db")).code != 0
    assert group_file.exists() and not (bob.hub / "moved.db").exists()

    # eve, outside the hub's group, cannot get at the group DB: one line, exit 1.
    code = alice.ok("invite", "team").out.strip()
    err = one_line_failure(eve.run("join", code))
    assert "permission denied" in err.lower()
    assert eve.as_user("cat", str(group_file)).code != 0


def test_wal_files_left_by_another_user_keep_working(unix_users):
    """SQLite's -wal and -shm files are made by whoever opens the DB first; with the hub's
    setgid and the DB's 0660 they are the group's to write, even after their maker died."""
    alice, bob = unix_users["alice"], unix_users["bob"]
    group_id = founded_team(alice, bob)
    alice.ok("send", "team", "before")
    group_file = alice.hub / f"{group_id}.db"
    holder = subprocess.Popen(
        ["setpriv", f"--reuid={bob.account}", f"--regid={bob.account}", "--init-groups",
         "/usr/bin/python3", "-P", "-c", HOLD_OPEN, str(bob.home), str(bob.hub), "team"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=bob.env(), cwd=bob.site)
    try:
        assert holder.stdout.readline().strip() == "open"
        hub_gid = grp.getgrnam(HUB_GROUP).gr_gid
        for suffix in ("-wal", "-shm"):
            path = group_file.with_name(group_file.name + suffix)
            info = os.stat(path)
            assert (info.st_uid, info.st_gid, mode_of(path)) == (bob.uid, hub_gid, 0o660)
        alice.ok("send", "team", "while bob has it open")
        holder.send_signal(signal.SIGKILL)  # bob's files stay behind, his locks do not
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
    alice.ok("send", "team", "after bob died")
    bob.ok("send", "team", "bob again")
    bodies = [m["body"] for m in alice.ok("log", "team", "--json").json()]
    assert bodies == ["before", "while bob has it open", "after bob died", "bob again"]
    alice.ok("verify", "team")


def test_a_group_file_bob_may_not_write_reads_but_refuses_posts(unix_users):
    """alice makes her group file read-only for the group (0640): bob still reads it, his
    post is refused with one clear line, and his reading leaves nothing of his in the hub
    (a -wal of his, 0640, would lock alice herself out of writing)."""
    alice, bob = unix_users["alice"], unix_users["bob"]
    group_id = founded_team(alice, bob)
    alice.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    alice.as_user("chmod", "0640", str(alice.hub / f"{group_id}.db"))

    assert [m["body"] for m in bob.ok("log", "team", "--json").json()] == ["one", "two"]
    err = one_line_failure(bob.run("send", "team", "three"))
    assert "read-only" in err and "team" in err
    team = next(g for g in bob.ok("groups", "--json").json() if g["name"] == "team")
    assert team["state"] == "active" and "not writable" in team["read_only"]
    assert "read-only" in bob.ok("doctor").out
    assert [p.name for p in bob.hub.iterdir() if p.stat().st_uid == bob.uid] == []

    alice.ok("send", "team", "alice can still post")
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == [
        "one", "two", "alice can still post"]


FOLLOW_READ_ONLY = """
import sys
from pathlib import Path
from peers_tui.core.account import Account
from peers_tui.core.live_feed import LiveFeed
account = Account(Path(sys.argv[1]), Path(sys.argv[2]))
store = account.store(account.resolve(sys.argv[3]))
feed = LiveFeed(store, store.last_rowid())
feed.read()
print("watching", flush=True)
sys.stdin.readline()
print(",".join(view.body for view in feed.read().views), flush=True)
"""


def test_a_live_reader_of_a_group_it_may_not_write_sees_new_messages(unix_users):
    """bob's app follows a group file he may only read (0640, opened `immutable`, a snapshot):
    what alice posts after his first read must still reach him (the open group's connection
    is kept between reads only when it sees later commits)."""
    alice, bob = unix_users["alice"], unix_users["bob"]
    group_id = founded_team(alice, bob)
    alice.ok("send", "team", "before")
    alice.as_user("chmod", "0640", str(alice.hub / f"{group_id}.db"))
    follower = subprocess.Popen(
        ["setpriv", f"--reuid={bob.account}", f"--regid={bob.account}", "--init-groups",
         "/usr/bin/python3", "-P", "-c", FOLLOW_READ_ONLY, str(bob.home), str(bob.hub), "team"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=bob.env(), cwd=bob.site)
    try:
        assert follower.stdout.readline().strip() == "watching", follower.stderr.read()
        alice.ok("send", "team", "after bob looked")
        out, err = follower.communicate("go\n", timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0, err
    assert out.strip() == "after bob looked"


def test_doctor_run_by_a_user_flags_unsafe_modes(unix_users):
    alice, bob = unix_users["alice"], unix_users["bob"]
    group_id = founded_team(alice, bob)
    before = alice.ok("doctor").out
    assert "warning" not in before, before
    alice.as_user("chmod", "0644", str(alice.home / "identity.key"))
    alice.as_user("chmod", "0666", str(alice.hub / f"{group_id}.db"))
    result = alice.run("doctor")
    assert result.code == 0  # warnings, not errors: everything still works
    assert f"warning: secret key {alice.home / 'identity.key'} has mode 0644" in result.out
    assert "group team" in result.out and "has mode 0666" in result.out
