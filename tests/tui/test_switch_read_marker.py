"""A switch writes the read marker of the group it leaves after the frame that shows the group
opened (issue 16, figure 1): the worker that wrote it took the interpreter from that frame.
The marker is still written if the app ends first."""

from __future__ import annotations

import pytest

from peers_tui.core.account import Account
from peers_tui.messages import OpenGroup
from peers_tui.screens import read_tracker
from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


def _newest(user: User, group_id: str) -> str:
    return list(Account(user.home, user.hub).export_views(group_id))[-1].id


def _marker(user: User, group_id: str) -> str | None:
    return Account(user.home, user.hub).resolve(group_id).read_marker


@pytest.fixture(autouse=True)
def marker_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """What was seen is written at a switch (or at the end) here, not by the one-second timer."""
    monkeypatch.setattr(read_tracker, "READ_MARK_DELAY", 60.0)


async def test_the_marker_of_the_group_left_is_written_after_the_switch_frame(alice: User,
                                                                            bob: User, team):
    other = alice.ok("create", "other").out.strip()
    bob.ok("send", "team", "seen before the switch")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and not app.chat.message_log.busy)
        await pilot.pause(0.2)
        assert app.chat.reads.pending is not None  # seen, written a second later (or at a switch)
        workers_at_frame: list[list[str]] = []
        display = app._display

        def first_frames(screen, renderable):  # noqa: ANN001, ANN202
            if renderable is not None and app.chat.entry.id == other and not workers_at_frame:
                workers_at_frame.append([w.name for w in app.workers if not w.is_finished])
            return display(screen, renderable)

        app._display = first_frames  # type: ignore[method-assign]
        app.post_message(OpenGroup(other))
        await wait_for(pilot, lambda: bool(workers_at_frame) and app.is_idle)
        assert "read marker" not in workers_at_frame[0], workers_at_frame
        await wait_for(pilot, lambda: _marker(alice, team) == _newest(alice, team))


async def test_a_marker_left_for_after_the_frame_is_written_when_the_app_ends(alice: User,
                                                                             bob: User, team):
    bob.ok("send", "team", "seen, then the user switches and quits at once")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and not app.chat.message_log.busy)
        await pilot.pause(0.2)
        assert _marker(alice, team) != _newest(alice, team)
        (_, message_id), app.chat.reads.pending = app.chat.reads.pending, None  # as flush()
        assert message_id == _newest(alice, team)
        app.unread.mark_read_after_paint(team, message_id)  # as a switch's MarkRead does
        assert app.unread._unwritten  # not yet in a worker: the frame comes first
        app.exit()
    assert _marker(alice, team) == _newest(alice, team)
