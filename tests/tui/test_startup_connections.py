"""Start-up holds one connection to personal.db and one to the first group on the app's thread
until its first frame, and writes nothing before that frame (issue 16).

Each session of start-up (the account, the group list, drafts, the buffer list's setting, the
last group, the label, the first window, the roster...) opened a connection of its own (six
PRAGMAs each), and closing the last one to a file unlinks its -wal and -shm; remembering the
last group committed (and checkpointed) personal.db before the first paint: 12 connections and
4 fdatasyncs on the path to the first frame. The app now holds one connection to each file on
its thread until the first paint, and remembers the last group after it.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from peers_tui.core.account import Account
from peers_tui.core.database import connection as database
from peers_tui.factory import build_app
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import wait_for


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """(file name, thread) of every connection peers opens from now on."""
    opened: Counter[tuple[str, int]] = Counter()
    connect = database.Database._connect

    def counted(self: database.Database) -> Any:
        opened[(Path(self.database).name, threading.get_ident())] += 1
        return connect(self)

    monkeypatch.setattr(database.Database, "_connect", counted)
    return opened


async def test_the_first_frame_costs_one_connection_to_each_file_and_no_write(
        alice: User, bob: User, team: str, connections: Counter[tuple[str, int]]) -> None:
    bob.ok("send", "team", "hello from bob")
    account = Account(alice.home, alice.hub)
    connections.clear()
    app = build_app(account, "team")  # resolving the group reads personal.db once
    events: list[str] = []
    remember = account.set_last_group

    def set_last_group(group_id: str) -> None:
        events.append("last group written")
        remember(group_id)

    account.set_last_group = set_last_group  # type: ignore[method-assign]
    at_first_frame: list[Counter[tuple[str, int]]] = []
    display = app._display

    def first_frame(screen: Any, renderable: Any) -> None:
        log = screen.query(MessageLog)
        if not at_first_frame and log and log.first().views:
            at_first_frame.append(Counter(connections))
            events.append("first frame")
        display(screen, renderable)

    app._display = first_frame  # type: ignore[method-assign]
    main = threading.get_ident()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "last group written" in events)
        assert at_first_frame, "no frame showed the log's messages"
        before = {name: count for (name, thread), count in at_first_frame[0].items()
                  if thread == main}
        # personal.db: the resolve above, then the one held; the group: its store opened
        # (genesis checked), then the one held. Before: 6 and 4.
        assert before == {"personal.db": 2, f"{team}.db": 2}, before
        assert events == ["first frame", "last group written"]
    assert Account(alice.home, alice.hub).last_group().id == team
