"""A rewind note planted in a group file hides no "file was replaced" notice (docs/relay.md
"Relay notes out of the group file (h-relaynotes)").

The relay noted its own deletions of a file's newest rows in the file itself (table
`relay_rewinds`), so that the app reads the log again without saying the file was replaced.
Anyone able to write the file could plant such a note: here in an older copy put back into
the live file (SQLite's backup API), and the app said nothing of the replacement. The notes
now live in `<hub>/.relay-notes/`, the relay's own; a table of that name in the file is read
by nobody."""

from __future__ import annotations

import sqlite3
import time

from tests.conftest import User
from tests.tui.test_replaced_group_file import NOTICE, _copy, _group_file, _send, _stored
from tests.tui_helpers import log_bodies, make_app, wait_for


async def test_a_rewind_note_planted_in_a_copy_put_back_hides_no_notice(
        alice: User, bob: User, team, tmp_path):
    bob.ok("send", "team", "one")
    path = _group_file(alice)
    backup = path.parent / "team-backup.db"
    _copy(path, backup)
    with sqlite3.connect(backup) as planted:  # "the relay took the table down to 0 just now"
        planted.execute("CREATE TABLE relay_rewinds (n INTEGER PRIMARY KEY, top INTEGER"
                        " NOT NULL, at REAL NOT NULL)")
        planted.execute("INSERT INTO relay_rewinds (top, at) VALUES (0, ?)", (time.time() + 3600,))
    bob.ok("send", "team", "two")
    bob.ok("send", "team", "three")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["one", "two", "three"])
        await wait_for(pilot, lambda: team in app.hub_watch.watched)
        _copy(backup, path)  # put back: same inode, the copy's rows and rowids
        _send(bob, "four")
        notices: list[str] = []
        await wait_for(pilot, lambda: notices.extend(n.message for n in app._notifications)
                       or "four" in log_bodies(app))
        await pilot.pause(0.5)
        notices.extend(n.message for n in app._notifications)
        assert log_bodies(app) == _stored(alice)
    assert NOTICE in notices, notices
