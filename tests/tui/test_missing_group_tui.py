"""A group whose file is gone (deleted or moved away) opened in the app: a notification titled
"Group file missing" that names the group once and says what brings it back, the app stays on
the group it showed; asked for at start, the app starts on the personal group with the same
words. (It said "Group damaged" and "café: group café: its file ...".)"""

from __future__ import annotations

import shutil

from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


def move_away(user: User, group_id: str, where) -> None:
    where.mkdir()
    for suffix in ("", "-wal", "-shm"):
        path = user.hub / f"{group_id}.db{suffix}"
        if path.exists():
            shutil.move(path, where / path.name)


def said_missing(app) -> list:
    return [n for n in app._notifications if n.title == "Group file missing"]


async def test_opening_a_group_whose_file_is_gone_says_missing(alice: User, tmp_path) -> None:
    cafe = alice.ok("create", "café").out.strip()
    alice.ok("create", "second")
    move_away(alice, cafe, tmp_path / "away")
    app = make_app(alice, "second")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.summaries))
        await pilot.press("alt+2")  # café, the second in the list
        await wait_for(pilot, lambda: bool(said_missing(app)))
        (note,) = said_missing(app)
        assert note.message.count("café") == 1, note.message
        assert "is missing (deleted or moved away)" in note.message, note.message
        assert "put the file back from a backup" in note.message, note.message
        assert app.chat.entry.name == "second"  # still on the group it showed


async def test_starting_on_a_group_whose_file_is_gone_says_missing(alice: User, tmp_path) -> None:
    cafe = alice.ok("create", "café").out.strip()
    move_away(alice, cafe, tmp_path / "away")
    app = make_app(alice, "café")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(said_missing(app)))
        (note,) = said_missing(app)
        assert note.message.count("café") == 1, note.message
        assert not [n for n in app._notifications if n.title == "Group damaged"]
        assert app.chat.entry.personal  # started on the personal group instead
