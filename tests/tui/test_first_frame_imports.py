"""What the app has imported when its first frame with the newest messages is drawn (issue 16).

Start-up is measured against a bare Textual app that paints one line, and every module costs
at import (Textual's classes walk their `dir()`, frozen dataclasses compile their methods):
what the first screen does not show is imported after that frame. The roster's hosts and
published profiles (`core.whereabouts`, `core.host_presence`, `core.kept_people`,
`core.profiles`) come with the first roster read, on its worker, and what shows it
(`screens.chat_roster_shown`) when it is shown; what the composer sends
(`screens.chat_sending`) with the first submission; the relay's link state
(`core.link_state`) is read after the first frame, on a hub that has a relay; the hub's
watcher (inotify_simple, ctypes, core.notifier and its four helpers) starts after the frame,
on its thread; the window title is set when the counts come, and selection mode's steps are
imported on its first key; the group navigator with the first switch; the dialogs (and the
service that opens them) and the palette when first opened; the service that stores the user's
own changes to their list of groups with the first change, and the one that signs again a
kept handle change at the hub watcher's first look; the slash commands' classes (their six
modules) with the first Tab, command or palette; the history banner and the count of new
messages below the log when they are mounted, after the frame; the app's services that
start after the first paint (the hub watcher, the unread counts, the invitations' watch, the
outbox) when they start, the relay's link watch then too, and what reads the roster and the
live rows with the first read of each; Tab's completion with the first Tab.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import User

LATER = ("peers_tui.core.whereabouts", "peers_tui.core.host_presence",
         "peers_tui.screens.chat_roster_shown", "peers_tui.screens.chat_sending",
         "peers_tui.core.kept_people", "peers_tui.core.profiles", "inotify_simple", "ctypes",
         "peers_tui.core.notifier", "peers_tui.core.change_tokens", "peers_tui.core.folder_watch",
         "peers_tui.core.held_readers", "peers_tui.core.sweep_plan",
         "peers_tui.window_title", "peers_tui.widgets.message_log.selection",
         "peers_tui.services.navigation", "peers_tui.dialogs",
         "peers_tui.core.link_state", "peers_tui.core.link_words",
         "peers_tui.screens.search", "peers_tui.screens.switcher", "peers_tui.screens.help",
         "peers_tui.screens.group_list", "peers_tui.commands.palette",
         "peers_tui.services.group_list", "peers_tui.services.held_handles",
         "peers_tui.commands.slash", "peers_tui.commands.app_commands",
         "peers_tui.commands.group_commands", "peers_tui.commands.message_commands",
         "peers_tui.commands.people_commands", "peers_tui.commands.completion_sources",
         "peers_tui.widgets.history_banner", "peers_tui.widgets.unseen_bar",
         "peers_tui.services.hub_watch", "peers_tui.services.unread_counts",
         "peers_tui.services.invitation_watch", "peers_tui.outbox",
         "peers_tui.screens.chat_link", "peers_tui.screens.chat_live",
         "peers_tui.screens.chat_roster", "peers_tui.widgets.completion")

SCRIPT = """
import asyncio, sys
from pathlib import Path
from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.widgets import MessageLog

async def main() -> None:
    app = build_app(Account(Path(sys.argv[1]), Path(sys.argv[2])), "team")
    seen = []
    display = app._display

    def drawn(screen, renderable):
        log = screen.query(MessageLog)
        if not seen and renderable is not None and log and log.first().views:
            seen.append(sorted(set(sys.argv[3].split()) & set(sys.modules)))
        display(screen, renderable)

    app._display = drawn
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(2000):
            if seen:
                break
            await pilot.pause(0.01)
    print(seen[0] if seen else "no frame showed the messages")

asyncio.run(main())
"""


def test_the_first_frame_is_drawn_before_the_roster_s_hosts_the_watcher_and_the_dialogs(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(alice.home), str(alice.hub), " ".join(LATER)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
