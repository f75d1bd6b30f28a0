"""Errors say what happened: a full disk, a file deleted while in use, a file nobody may read.

Each names the real cause in one line, never a later error it caused (a failed rollback),
never an error about a file SQLite created in its place, never "read-only: it can be read"
for a file that cannot be read at all.
"""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from peers_tui.core.account import Account
from peers_tui.core.errors import DamagedDatabase
from tests.conftest import User
from tests.system_helpers import fill_disk, require_root, tiny_disk
from tests.tui_helpers import log_bodies, make_app, type_text, wait_for


def leave_free(directory, kib: int) -> None:
    """Fill the disk holding `directory` up to its last `kib` KiB."""
    filler = fill_disk(directory)
    size = filler.stat().st_size
    with open(filler, "r+b") as handle:
        handle.truncate(max(0, size - kib * 1024))


def test_a_full_disk_is_reported_even_when_sqlite_rolled_back_by_itself(make_user, hub):
    # A large write that fills the disk mid-transaction makes SQLite roll the transaction
    # back itself; Peewee's own rollback then fails ("no transaction is active"), and that
    # plainer error used to be all the user saw.
    require_root("mount")
    with tiny_disk(hub, "1m"):
        alice = make_user("alice")
        alice.ok("create", "team")
        alice.ok("send", "team", "before")
        leave_free(hub, 60)
        lines = "".join(json.dumps({"id": str(i), "author": "old", "body": "b" * 300,
                                    "created_at": 1_700_000_000 + i}) + "\n" for i in range(3000))
        result = alice.fails("import", "team", "-", stdin=lines)
        assert result.err.startswith("peers: group team: the disk is full"), result.err
        (hub / "filler").unlink()
        assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["before"]
        assert alice.ok("verify", "team").code == 0


def group_files(user: User, group_id: str) -> list[str]:
    return sorted(p.name for p in user.hub.iterdir() if p.name.startswith(group_id))


def test_a_group_file_deleted_while_in_use_is_missing_and_never_recreated(alice: User, team):
    alice.ok("send", "team", "hello")
    account = Account(alice.home, alice.hub)
    assert [m.body for m in account.log("team")[0]] == ["hello"]  # the store is open now
    (alice.hub / f"{team}.db").unlink()
    for attempt in (lambda: account.log("team"), lambda: account.send("team", "again"),
                    lambda: account.members("team"), lambda: account.verify("team")):
        try:
            report = attempt()
        except DamagedDatabase as exc:
            assert "is missing" in str(exc), exc
        else:  # verify reports instead of raising
            assert "is missing" in str(report), report
        assert f"{team}.db" not in group_files(alice, team)
    summary = next(s for s in account.summaries() if s.name == "team")
    assert summary.state == "missing" and "is missing" in summary.problem
    # And from a fresh process, between two commands: the same words, still no file.
    assert "is missing" in alice.fails("log", "team").err
    assert "is missing" in alice.fails("send", "team", "x").err
    assert f"{team}.db" not in group_files(alice, team)
    alice.ok("create", "other")
    alice.ok("send", "other", "the rest works")


async def test_app_reports_a_group_file_deleted_under_it_and_does_not_recreate_it(alice: User,
                                                                                  team):
    alice.ok("send", "team", "hello")
    app = make_app(alice, "team")
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["hello"]
                       and team in app.hub_watch.watched)
        (alice.hub / f"{team}.db").unlink()
        # The watcher notices (its sweep), the live feed reads, and says what happened.
        await wait_for(pilot, lambda: any("is missing" in n.message for n in app._notifications))
        assert f"{team}.db" not in group_files(alice, team)
        await type_text(pilot, "into the void")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications))
        failure = next(n for n in app._notifications if n.title == "Not sent")
        assert "is missing" in failure.message
        assert f"{team}.db" not in group_files(alice, team)


UNREADABLE_LATER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from peers_tui.core.account import Account
    from peers_tui.core.errors import PeersError
    account = Account(Path(os.environ["PEERS_HOME"]), Path(os.environ["PEERS_HUB"]))
    print(account.log("team")[0][0].body)
    os.chmod(sys.argv[1], 0)
    for attempt in (lambda: account.log("team"), lambda: account.send("team", "x")):
        try:
            attempt()
        except PeersError as exc:
            print(exc)
""")


def test_a_group_file_the_user_cannot_read_says_so(unix_users):
    alice = unix_users["alice"]
    group_id = alice.ok("create", "team").out.strip()
    alice.ok("send", "team", "hello")
    path = alice.hub / f"{group_id}.db"
    # Between two commands: the file's mode is 000 (alice is not root: it stops her).
    os.chmod(path, 0)
    result = alice.fails("log", "team")
    assert "cannot be read (permission denied)" in result.err, result.err
    listed = {g["name"]: g for g in alice.ok("groups", "--json").json()}
    assert "cannot be read (permission denied)" in listed["team"]["problem"]
    # While the group is open in a process: the same, never "read-only: it can be read".
    os.chmod(path, 0o660)
    result = alice.python(UNREADABLE_LATER, str(path))
    lines = result.out.splitlines()
    assert lines[0] == "hello" and len(lines) == 3, (result.out, result.err)
    for line in lines[1:]:
        assert "cannot be read (permission denied)" in line and "it can be read" not in line


def test_a_group_file_of_another_user_that_nobody_else_may_read(unix_users):
    alice, bob = unix_users["alice"], unix_users["bob"]
    group_id = alice.ok("create", "team").out.strip()
    bob.ok("join", alice.ok("invite", "team").out.strip())
    os.chmod(alice.hub / f"{group_id}.db", 0o600)  # alice's alone: bob may not read it
    result = bob.fails("log", "team")
    assert "cannot be read (permission denied)" in result.err, result.err
    assert "it can be read" not in result.err


def test_no_way_of_opening_a_group_file_creates_a_missing_one(tmp_path):
    import sqlite3

    from peers_tui.core.database import connect
    from peers_tui.core.notifier import content_token, open_reader

    path = tmp_path / "gone.db"
    with pytest.raises(sqlite3.Error):
        open_reader(path)
    assert content_token(path)[0] == "unreadable"
    with pytest.raises(sqlite3.Error):  # the read-only way in (a file we may not write)
        connect(path)._connect_immutable(path, "the file is not writable by you")
    with pytest.raises(sqlite3.Error):
        connect(path)._connect()
    assert list(tmp_path.iterdir()) == []


def test_personal_db_deleted_while_in_use_is_missing_and_not_recreated(alice: User):
    account = Account(alice.home, alice.hub)
    assert account.entries()
    (alice.home / "personal.db").unlink()
    with pytest.raises(DamagedDatabase, match="is missing"):
        account.entries()
    assert not (alice.home / "personal.db").exists()
