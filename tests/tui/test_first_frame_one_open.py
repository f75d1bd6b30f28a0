"""The group's file is opened once before the first frame (issue 16: a start is measured
against a bare Textual app painting one line).

The start checks the group's genesis on plain sqlite3 (core.start_account) and the chat
screen then reads its newest window the same way (core.lean_window). Each opened the file
on its own: six PRAGMAs and the schema checks twice, and closing the first connection, the
file's last, removed its -wal and -shm files for the second to make again. The connection
of the genesis check is now read on by the first read, which still asks whether a backfill
began in between (then the full path reads the group, as before).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, cast

import pytest

from peers_tui.core.account import Account
from peers_tui.core.lean_reads import connect
from peers_tui.core.lean_window import newest_window
from peers_tui.core.start_account import LaterStore, StartAccount
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, log_bodies, wait_for


async def test_the_group_file_is_opened_once_before_the_first_frame(
        alice: User, bob: User, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bob.ok("send", "team", "hello from bob")
    Account(alice.home, alice.hub).close()
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    entry = started.resolve("team")
    opened: list[str] = []
    real_connect = sqlite3.connect

    def counted(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", counted)
    app = build_app(cast("Account", started), entry)  # answers as an Account does (cli.tui)
    at_first_frame = []
    at_first_frame_with_messages(app, lambda screen: at_first_frame.append(
        ([name for name in opened if os.path.basename(entry.db_file) in name],
         started.loaded)))
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: bool(at_first_frame))
            group_opens, loaded = at_first_frame[0]
            assert len(group_opens) == 1, group_opens
            assert not loaded  # read on plain sqlite3, as before
            assert "hello from bob" in log_bodies(app)
    finally:
        started.close()


def test_a_backfill_begun_after_the_genesis_check_sends_the_read_the_full_way(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    Account(alice.home, alice.hub).close()
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    entry = started.resolve("team")
    store = started.store(entry)
    assert isinstance(store, LaterStore)
    checked = store.take_connection()
    assert checked is not None and store.take_connection() is None  # taken once
    # The relay begins a backfill of the file in between (core.frontier's table).
    other = connect(entry.db_file)
    assert other is not None
    other.execute("CREATE TABLE backfill_state (id INTEGER PRIMARY KEY)")
    other.close()
    assert newest_window(entry.db_file, entry.id, 10, checked) is None
    with pytest.raises(sqlite3.ProgrammingError):  # closed by the read
        checked.execute("SELECT 1")
    started.close()


def test_a_connection_no_read_took_is_closed_when_the_real_store_opens(
        alice: User, team: str) -> None:
    Account(alice.home, alice.hub).close()
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    store = started.store(started.resolve("team"))
    assert isinstance(store, LaterStore)
    checked = store._checked
    assert checked is not None
    assert store.group_id == started.resolve("team").id
    store.last_rowid()  # the real store's: opened now
    assert store.take_connection() is None
    with pytest.raises(sqlite3.ProgrammingError):
        checked.execute("SELECT 1")
    started.close()
