"""The first frame goes to the terminal as soon as it is made (peers_tui.first_write, h-fig2):
the app runs with a short switch interval of the interpreter lock from its mount until its
first frame is out, and the first task after the frame waits until Textual's output thread
has flushed it. Before, the output thread waited Python's 5 ms switch interval for each
write behind the work the event loop does right after the first frame."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, cast

from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from peers_tui.first_write import FIRST_FRAME_SWITCH, FirstWrite
from peers_tui.hangup import HangUpDriver, _Output
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for


async def test_the_first_frame_is_made_with_the_short_interval_and_the_default_comes_back(
        alice: User, bob: User, team: str) -> None:
    alice.ok("send", "team", "hello")
    default = sys.getswitchinterval()
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    seen: list[float] = []
    at_first_frame_with_messages(app, lambda screen: seen.append(sys.getswitchinterval()))
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: bool(seen))
            await wait_for(pilot, lambda: sys.getswitchinterval() == default)
    finally:
        sys.setswitchinterval(default)
    assert seen == [FIRST_FRAME_SWITCH], "the first frame was made with the default interval"


def test_the_first_task_after_the_frame_waits_until_the_output_thread_has_flushed_it() -> None:
    """With the real driver (HangUpDriver) the event loop waits, its lock given up, until the
    output thread has flushed what was queued (the first frame): on the terminal then."""
    read, write = os.pipe()
    try:
        with os.fdopen(write, "w") as file:
            output = _Output(file)
            driver = HangUpDriver.__new__(HangUpDriver)  # its writes, without a terminal
            driver._output, driver._queued = output, 1
            assert not driver.wait_written(0.01)  # queued, not yet written

            def output_thread() -> None:
                time.sleep(0.05)
                output.write("the first frame")
                output.flush()

            thread = threading.Thread(target=output_thread)
            thread.start()
            assert driver.wait_written(5.0)
            assert output.flushed_writes == 1
            thread.join()
        assert os.read(read, 100) == b"the first frame"
    finally:
        os.close(read)


def test_an_app_ended_before_its_first_frame_leaves_the_interval_as_it_was() -> None:
    default = sys.getswitchinterval()
    first = FirstWrite()
    first.hasten()
    first.hasten()  # a second mount keeps the interval to go back to
    first.restore()
    first.restore()
    assert sys.getswitchinterval() == default
