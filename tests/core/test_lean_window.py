"""The newest window read with plain sqlite3 (core.lean_window, the first frame of `peers
open` without Peewee) is the window the models read: the same views, field for field, judged
by the same rules (core.history through core.window_reads), and None wherever that path does
not read a file (the full read then says what is wrong)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from peers_tui.core.account import Account
from peers_tui.core.lean_window import newest_window
from peers_tui.core.views import MessageView
from tests.conftest import User
from tests.tui.test_first_frame_validity import _forge_rows


def _full_and_lean(user: User, limit: int) -> tuple[list[MessageView], list[MessageView] | None]:
    account = Account(user.home, user.hub)
    try:
        entry = account.resolve("team")
        store = account.store(entry)
        full = store.recent(limit)
        lean = newest_window(entry.db_file, entry.id, limit)
        assert lean is None or lean.last_rowid == store.last_rowid()
    finally:
        account.close()
    return full, None if lean is None else lean.views


def test_forged_forked_and_non_member_rows_are_judged_as_the_full_read_judges_them(
        alice: User, bob: User, carol: User, team: str) -> None:
    _forge_rows(alice, bob, carol, team)
    for limit in (2, 5, 50):
        full, lean = _full_and_lean(alice, limit)
        assert lean is not None
        assert lean == full  # every field: verified, problem, author, fingerprint, rowid...
    assert {v.body: v.verified for v in lean} == {v.body: v.verified for v in full}
    assert sum(1 for v in lean if not v.verified) >= 4


def test_edits_deletions_reactions_and_replies_come_out_as_the_full_read_s(
        alice: User, bob: User, team: str) -> None:
    first = alice.ok("send", "team", "first").out.strip()
    second = bob.ok("send", "team", "second").out.strip()
    alice.ok("edit", "team", first, "first, edited")
    bob.ok("delete", "team", second)
    bob.ok("react", "team", first, "👍")
    for index in range(8):
        bob.ok("send", "team", f"filler {index}")
    alice.ok("send", "team", "a reply", "--reply-to", first)
    for limit in (1, 3, 20):  # the reply's target inside the window, and outside it
        full, lean = _full_and_lean(alice, limit)
        assert lean == full
    assert any(v.reply_body == "first, edited" for v in lean or [])


def test_a_file_this_path_does_not_read_goes_the_full_way(alice: User, bob: User,
                                                          team: str) -> None:
    alice.ok("send", "team", "hello")
    account = Account(alice.home, alice.hub)
    entry = account.resolve("team")
    account.close()
    assert newest_window(entry.db_file, entry.id, 10) is not None
    assert newest_window(entry.db_file, "someothergroupid", 10) is None  # a swapped file
    mode = os.stat(entry.db_file).st_mode
    os.chmod(entry.db_file, stat.S_IRUSR)  # read-only: the full path opens it `immutable`
    try:
        if os.access(entry.db_file, os.W_OK):  # (root writes anything)
            return
        assert newest_window(entry.db_file, entry.id, 10) is None
    finally:
        os.chmod(entry.db_file, mode)


def test_the_lean_window_loads_no_peewee() -> None:
    result = subprocess.run([sys.executable, "-c", (
        "import sys; import peers_tui.core.lean_window; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('peewee', 'playhouse')"
        " or m in ('peers_tui.core.models', 'peers_tui.core.chains')))")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
