"""The sender's own message in the frame that takes it out of the composer (h-ownecho).

After Enter the composer was cleared at once and painted in the next frame, while the
message reached the sender's log only with MessageSent (or the live feed), a turn of the loop
after that frame: ~17-30 ms later than the other users' screens showed it. The composer now
keeps the text until the message is stored (a few ms: the loop waits for the commit), and
the same handler puts the stored message in the log and takes it out of the composer. Nothing
is shown in the log before it is committed; a send that fails keeps its text.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from peers_tui.app import PeersApp
from peers_tui.core.account import Account
from peers_tui.widgets import Composer
from tests.conftest import User
from tests.tui.test_send_first import stored_bodies
from tests.tui_helpers import background_started, log_bodies, make_app, type_text, wait_for


async def test_the_stored_message_and_the_empty_composer_come_in_one_turn(
        alice: User, team: str, monkeypatch: pytest.MonkeyPatch):
    seen: list[tuple[list[str], str, list[str]]] = []  # (log, composer, file) as handled
    handle = PeersApp.on_send_message

    def handled(self: PeersApp, event: Any) -> None:
        assert event.text not in log_bodies(self)  # nothing in the log before it is stored
        handle(self, event)
        seen.append((log_bodies(self), self.chat.composer.text, stored_bodies(alice, team)))
    monkeypatch.setattr(PeersApp, "on_send_message", handled)
    # The mechanism, not the bound (see test_send_first): the loop waits for the commit.
    monkeypatch.setattr("peers_tui.app.SEND_FIRST_WAIT", 30.0)
    app = make_app(alice, "team")
    async with app.run_test() as pilot:
        await background_started(pilot, app)
        composer = app.chat.composer
        for n in range(3):
            await type_text(pilot, f"mine {n}")
            await pilot.press("enter")
            # Until the app handled it the text stays in the composer, not in the log.
            await wait_for(pilot, lambda: len(seen) == n + 1)
        await pilot.pause(0.3)  # MessageSent and the live feed come after
        assert composer.text == ""
        final = log_bodies(app)
    for n, (log, text, stored) in enumerate(seen):
        assert log[-1] == f"mine {n}" and text == "", (n, log[-3:], text)
        assert stored[-1] == f"mine {n}"  # shown only once committed
    # Never twice: MessageSent and the live feed bring it again, merged by id.
    assert [final.count(f"mine {n}") for n in range(3)] == [1, 1, 1]
    assert [stored_bodies(alice, team).count(f"mine {n}") for n in range(3)] == [1, 1, 1]


async def test_keys_typed_before_the_send_is_stored_stay_in_the_composer(alice: User, team: str):
    app = make_app(alice, "team")
    async with app.run_test() as pilot:
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "first")
        composer.submitted = "first"  # as the Enter leaves it, the send not yet stored
        composer.submit()  # a second Enter meanwhile sends nothing twice
        await type_text(pilot, " next")
        composer.sent()
        assert composer.text == " next"
        assert "first" not in log_bodies(app)


async def test_a_send_to_a_locked_file_says_so_and_keeps_the_text(alice: User, team: str):
    """Another process holds the group file's write lock for the whole busy timeout (5 s)."""
    app = make_app(alice, "team")
    path = Account(alice.home, alice.hub).resolve(team).db_path
    locker = sqlite3.connect(path, isolation_level=None)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: bool(log_bodies(app)) or app.chat.message_log.loaded)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            await type_text(pilot, "held up")
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications),
                           timeout=30)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await pilot.pause()
        assert app.chat.composer.text == "held up"
        assert "held up" not in log_bodies(app)
        assert app.chat.composer.submitted is None  # the next Enter sends it again
        await pilot.press("enter")
        await wait_for(pilot, lambda: "held up" in log_bodies(app))
        assert app.chat.composer.text == ""
    assert stored_bodies(alice, team).count("held up") == 1
