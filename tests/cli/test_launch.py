"""The launcher pauses the garbage collector for start-up only: every path turns it back on."""

from __future__ import annotations

import gc
import subprocess
import sys

from tests.conftest import User
from tests.tui_helpers import make_app, wait_for


def test_commands_collect_again_once_started(alice: User):
    code = ("import gc, sys; from peers_tui import launch; sys.argv = ['peers', 'id'];"
            " status = launch.main(); print(gc.isenabled()); sys.exit(status)")
    proc = subprocess.run([sys.executable, "-c", code], env=alice.env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "True"


async def test_the_app_collects_again_after_its_first_paint(alice: User, team):
    app = make_app(alice, "team")
    gc.disable()  # as the launcher leaves it
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.hub_watch.running)
            assert gc.isenabled()
    finally:
        gc.enable()
