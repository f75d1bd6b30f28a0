"""A recount of many groups running in its thread waits, between two groups, for the frame of a
switch (issue 16, figure 1): the two share the interpreter, and the start-up recount of 200
groups, still running when the user switches at once, made the switch's frame wait for it."""

from __future__ import annotations

import threading
import time

from peers_tui.core.account import Account
from peers_tui.messages import OpenGroup
from peers_tui.services.unread_counts import FRAME_WAIT
from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


async def test_a_recount_under_way_counts_no_group_between_a_switch_and_its_frame(alice: User,
                                                                                  team):
    account = Account(alice.home, alice.hub)
    for n in range(40):
        account.create_group(f"filler{n:02d}")
    other = account.create_group("other").id
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and not app.chat.message_log.busy, 30)
        counted: list[float] = []  # when a group's count started, in the counting thread
        summary = app.account.summary

        def timed(entry, handle=None):  # noqa: ANN001, ANN202
            if threading.current_thread() is not threading.main_thread():
                counted.append(time.perf_counter())
            return summary(entry, handle)

        app.account.summary = timed  # type: ignore[method-assign]
        frames: list[float] = []
        display = app._display

        def framed(screen, renderable):  # noqa: ANN001, ANN202
            if renderable is not None and app.chat.entry.id == other and not frames:
                frames.append(time.perf_counter())
            return display(screen, renderable)

        app._display = framed  # type: ignore[method-assign]
        navigator, switching = app.navigator, []
        open_group = navigator.open

        def timed_open(group_id: str) -> None:
            switching.append(time.perf_counter())
            open_group(group_id)

        navigator.open = timed_open  # type: ignore[method-assign]
        app.unread.recount()  # every group, as at start-up
        await wait_for(pilot, lambda: len(counted) >= 2, 30)
        app.post_message(OpenGroup(other))
        await wait_for(pilot, lambda: bool(frames), 30)
        # The recount waits FRAME_WAIT at most for the frame, so as not to stop for good: at
        # load ~20 a frame later than that let a second group start (CI, the eighth pass and
        # the tenth), as it should. Within that wait, one group may start as the switch
        # begins (its turn was taken just before); no more.
        end = min(frames[0], switching[0] + FRAME_WAIT)
        during = [t for t in counted if switching[0] < t < end]
        assert len(during) <= 1, (len(during), len(counted))
        await wait_for(pilot, lambda: app.is_idle, 30)
        assert len(counted) >= 40  # and the recount went on after the frame
