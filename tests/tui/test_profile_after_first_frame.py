"""`peers` and `peers open` publish the user's profile once the first screen is painted
(issue 16): publishing imports core.profiles and reads and writes files, ~4 ms of a start
measured against a bare Textual app. It is still published, as after every command."""

from __future__ import annotations

import subprocess
import sys

from peers_tui.core.account import Account
from tests.conftest import User

SCRIPT = """
import asyncio, os, sys
from pathlib import Path
from peers_tui.app import PeersApp
from peers_tui.cli import tui
from peers_tui.cli.inputs import open_account
from peers_tui.cli.parser import parse
from peers_tui.widgets import MessageLog

os.environ["PEERS_HOME"], os.environ["PEERS_HUB"] = sys.argv[1], sys.argv[2]
profile = Path(sys.argv[3])
seen = []

def run(self):  # the app as `peers open team` runs it, headless
    display = self._display

    def drawn(screen, renderable):
        log = screen.query(MessageLog)
        if not seen and renderable is not None and log and log.first().views:
            seen.append([profile.exists(), "peers_tui.core.profiles" in sys.modules])
        display(screen, renderable)

    self._display = drawn

    async def main():
        async with self.run_test(size=(120, 30)) as pilot:
            for _ in range(2000):
                if seen:
                    break
                await pilot.pause(0.01)
            for _ in range(200):
                if profile.exists():
                    break
                await pilot.pause(0.01)
            seen.append(profile.exists())

    asyncio.run(main())

PeersApp.run = run
args = parse(["open", "team"])  # as a shell starts it: the home and hub from the environment
me = open_account(args)
tui.run_app(args, me, me.resolve("team"))
print(seen)
"""


def test_the_profile_is_published_after_the_first_frame(alice: User, bob: User,
                                                         team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    me = Account(alice.home, alice.hub)
    profile = alice.hub / ".people" / f"{me.user_id}.json"
    me.close()
    profile.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(alice.home), str(alice.hub), str(profile)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # At the first frame: not published yet, core.profiles not imported; published after it.
    assert result.stdout.strip().splitlines()[-1] == "[[False, False], True]", result.stdout
