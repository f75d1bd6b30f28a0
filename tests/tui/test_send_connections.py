"""A send opens one connection to each file it touches, and the TUI's outbox keeps its
connection to personal.db between sends (issue 16).

Each SQLite connection costs its pragmas, and closing the last connection a process has to a
WAL file checkpoints it (an fsync of the WAL and of the file): a send that opened 15 of them
spent most of its time there, and so did the sender's part of Enter-to-the-other-screen.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from peers_tui.core.account import Account
from peers_tui.core.database import connection as database
from peers_tui.outbox import Outbox
from tests.tui.test_send_first import Reports  # where the outbox reports (the chat screen)


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


def drain(outbox: Outbox, screen: Reports, connections: Counter[tuple[str, int]]) -> threading.Thread:
    """Run the outbox's worker over what was put in it, counting only its connections."""
    outbox.close()
    connections.clear()
    worker = threading.Thread(target=outbox.run, args=(screen,))
    worker.start()
    worker.join(30)
    return worker


def test_a_send_opens_one_connection_to_each_file(alice, team, connections):
    account = Account(alice.home, alice.hub)
    account.store(account.resolve("team"))  # opened (its genesis checked) as the TUI has it
    connections.clear()
    account.send("team", "hello")
    by_file = Counter({name: count for (name, _), count in connections.items()})
    assert by_file == {"personal.db": 1, f"{team}.db": 1}, by_file


def test_the_outbox_keeps_its_connection_to_personal_db_between_sends(alice, team, connections):
    screen = Reports()
    account = Account(alice.home, alice.hub)
    outbox = Outbox(account)
    for text in ("one", "two", "three"):
        outbox.put(team, text)
    worker = drain(outbox, screen, connections)
    assert [type(m).__name__ for m in screen.messages] == ["MessageSent"] * 3
    personal = sum(count for (name, thread), count in connections.items()
                   if name == "personal.db" and thread == worker.ident)
    assert personal == 1, connections
    assert [v.body for v in account.export_views(team)][-3:] == ["one", "two", "three"]


def test_the_outbox_keeps_its_connection_to_the_group_between_sends(alice, team, connections):
    """Opening a group's file costs as much CPU as the plain write of a message (~1.8 ms: six
    PRAGMAs, the schema checks): the outbox opens it once for a run of sends to the group, and
    a send to another group lets it go (core.held_send)."""
    screen = Reports()
    account = Account(alice.home, alice.hub)
    other = account.create_group("other").id
    for group in (team, other):
        account.store(account.resolve(group))  # opened (genesis checked) as the TUI has them
    outbox = Outbox(account)
    for group, text in ((team, "one"), (team, "two"), (team, "three"), (other, "elsewhere"),
                        (team, "back")):
        outbox.put(group, text)
    worker = drain(outbox, screen, connections)
    assert [type(m).__name__ for m in screen.messages] == ["MessageSent"] * 5
    opened = Counter({name: count for (name, thread), count in connections.items()
                      if thread == worker.ident})
    assert opened[f"{team}.db"] == 2, connections  # once, and again after the other group
    assert [v.body for v in account.export_views(team)][-4:] == ["one", "two", "three", "back"]
    assert all(v.verified for v in account.export_views(team))
