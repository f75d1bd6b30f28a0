"""The account the app starts on (core.start_account) answers the first frame's questions on
plain sqlite3 exactly as an Account does, and hands everything else to one: the same group
for every GROUP (the same error for one that names none or several), the same group opened
last, the same label and settings; Peewee loaded only when something else is asked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.start_account import LaterStore, StartAccount
from tests.conftest import User


def _outcome(call: Callable[[str], GroupEntry], query: str) -> object:
    try:
        return call(query).id
    except PeersError as error:
        return (type(error), str(error))


def test_the_first_frame_s_reads_agree_with_the_account_s(alice: User) -> None:
    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    twin = account.create_group("twins")
    account.create_group("twins")
    archived = account.create_group("team")
    account.personal.set_archived(archived.id, True)
    account.create_group("tеam")  # a Cyrillic e: looks like "team"
    account.set_last_group(twin.id)
    account.save_draft(team.id, "half a thought")
    account.save_input_history(["one", "two"])
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    for query in ["team", " team ", team.id, team.id.upper(), team.id[:5], twin.id,
                  archived.id]:
        assert _outcome(started.resolve, query) == _outcome(account.resolve, query), query
    assert started.last_group().id == account.last_group().id == twin.id
    for entry in (team, twin, archived):
        assert started.label(entry) == account.label(entry)
    assert started.draft(team.id) == "half a thought"
    assert started.input_history() == ["one", "two"]
    assert started.ui_state.buffer_list_shown() == account.ui_state.buffer_list_shown()
    assert isinstance(started.store(team), LaterStore)
    assert started.user_id == account.user_id
    assert not started.loaded  # all of that on plain sqlite3
    # A GROUP that names none or several: the Account says so, as it would have.
    for query in ["twins", "nothing", "te", "%"]:
        assert _outcome(started.resolve, query) == _outcome(account.resolve, query), query
    # Anything else is the real Account's, made once.
    assert [e.id for e in started.entries()] == [e.id for e in account.entries()]
    assert started.loaded and started.full() is started.full()
    assert started.store(team).group_id == team.id  # opened now: the real store
    started.close()
    account.close()


def test_resolving_reads_only_the_rows_that_can_answer_and_agrees_with_the_account(
        alice: User) -> None:
    """GROUP is looked for among the rows whose id starts with it or whose name is it (and
    any row of another type than text, judged in Python as before), not among all groups:
    the same answer, the same errors."""
    import sqlite3

    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    other = account.create_group(team.id[:6])  # a name that is a prefix of another's id
    account.create_group("50%_off")
    odd = account.create_group("odd")
    shared = account.create_group("shared")
    account.close()
    with sqlite3.connect(alice.home / "personal.db") as raw:  # a name stored as a BLOB
        raw.execute("UPDATE groups SET name = CAST('blob name' AS BLOB) WHERE id = ?",
                    (odd.id,))
    account = Account(alice.home, alice.hub)
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    queries = ["team", team.id[:6], team.id[:4], team.id[:3], team.id.upper(), other.id,
               "50%_off", "50%", "50_", "%", "_", "blob name", "odd", shared.id[:5],
               shared.id + "x", "", "  ", "İ", "Team"]
    for query in queries:
        assert _outcome(started.resolve, query) == _outcome(account.resolve, query), query
    started.close()
    account.close()


def test_a_first_run_starts_on_a_real_account(tmp_path) -> None:
    assert StartAccount.open(tmp_path / "home", tmp_path / "hub") is None


def test_starting_loads_no_peewee(alice: User) -> None:
    Account(alice.home, alice.hub).close()
    result = subprocess.run([sys.executable, "-c", (
        "import sys; from pathlib import Path; "
        "from peers_tui.core.start_account import StartAccount; "
        f"a = StartAccount.open(Path({str(alice.home)!r}), Path({str(alice.hub)!r})); "
        "e = a.last_group(); a.label(e); a.draft(e.id); a.input_history(); a.store(e); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('peewee', 'playhouse')))")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_read_marker_moves_as_the_account_moves_it_without_loading_it(alice: User) -> None:
    """An app hung up right after its first frame writes its read marker as it ends: on
    plain sqlite3, by arrival as Account.mark_read, not by loading Peewee and the stores."""
    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    first = account.send(team.id, "first").id
    second = account.send(team.id, "second").id
    personal = account.personal
    personal.replace_read_marker(team.id, personal.group(team.id).read_marker, first)
    started = StartAccount.open(alice.home, alice.hub)
    assert started is not None
    started.mark_read(team.id, second)
    assert personal.group(team.id).read_marker == second
    started.mark_read(team.id, first)  # stored before the marker: it stays
    assert personal.group(team.id).read_marker == second
    assert not started.loaded
    started.close()
    account.close()
