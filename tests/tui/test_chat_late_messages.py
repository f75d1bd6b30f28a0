"""Messages stored late (imported, backdated, from another host) whose ids sort before the
newest on screen appear live in their place, like any other new message."""

from __future__ import annotations

import json
import time
from pathlib import Path

from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, wait_for


def import_lines(user: User, group: str, tmp_path: Path, *items: tuple[str, str, int]) -> None:
    """Import (original id, body, created_at seconds) lines, in another process."""
    path = tmp_path / f"late-{time.monotonic_ns()}.jsonl"
    path.write_text("".join(json.dumps({"id": i, "author": "old", "body": b, "created_at": t})
                            + "\n" for i, b, t in items))
    user.ok("import", group, str(path))


async def test_a_message_sorting_before_the_newest_appears_in_its_place(alice: User, bob: User,
                                                                       team, tmp_path):
    now = int(time.time())
    import_lines(alice, "team", tmp_path, ("a", "an hour ago", now - 3600))
    bob.ok("send", "team", "just now")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app) == ["an hour ago", "just now"])
        import_lines(alice, "team", tmp_path, ("legacy-7", "half an hour ago", now - 1800))
        await wait_for(pilot, lambda: log_bodies(app) == ["an hour ago", "half an hour ago",
                                                           "just now"], timeout=5)
        assert log.tailing and log.unseen == 0


async def test_a_late_message_below_the_view_counts_as_new(alice: User, bob: User, team,
                                                           tmp_path):
    now = int(time.time())
    import_lines(alice, "team", tmp_path,
                 *((f"old-{i}", f"filler {i}", now - 7200 + i) for i in range(60)))
    bob.ok("send", "team", "just now")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["just now"])
        await pilot.press("pageup", "pageup")
        await wait_for(pilot, lambda: not log.following)
        # Stored now, but sorting after every filler and before "just now": below the view.
        import_lines(alice, "team", tmp_path, ("late", "late but new", now - 60))
        await wait_for(pilot, lambda: "late but new" in log_bodies(app), timeout=5)
        assert log_bodies(app)[-2:] == ["late but new", "just now"]
        await wait_for(pilot, lambda: log.unseen == 1)
        assert "1 new message" in str(app.screen.query_one("#unseen").render())


def test_a_late_message_counts_as_unread_by_arrival(alice: User, bob: User, team, tmp_path):
    """Read up to the newest; then bob imports a message dated an hour ago: it is new to
    alice (unread 1), and reading the group again clears it."""
    alice.ok("role", "team", "bob", "admin")
    now = int(time.time())
    bob.ok("send", "team", "the newest")
    alice.ok("log", "team")  # read
    assert " 0 unread" in next(l for l in alice.ok("groups").lines if " team " in l)
    import_lines(bob, "team", tmp_path, ("x1", "an hour old, stored now", now - 3600))
    assert " 1 unread" in next(l for l in alice.ok("groups").lines if " team " in l)
    alice.ok("log", "team")
    assert " 0 unread" in next(l for l in alice.ok("groups").lines if " team " in l)


async def test_the_new_messages_line_marks_what_arrived_since_reading(alice: User, bob: User,
                                                                     team, tmp_path):
    alice.ok("role", "team", "bob", "admin")
    now = int(time.time())
    bob.ok("send", "team", "read already")
    alice.ok("log", "team")
    import_lines(bob, "team", tmp_path, ("x1", "late but unread", now - 3600))
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: len(log_bodies(app)) == 2)
        assert log_bodies(app) == ["late but unread", "read already"]
        assert log.window.marker_index() == 0  # the line goes above the late one, the unread one
