"""Background: what runs as long as the app does (the user's presence, the outbox thread, the
hub watcher), started around the first paint and ended on exit; a hang-up saves first.

The presence is announced once the chat screen is shown, before its roster is first read (the
roster shows the user here). The threads start after the first paint: they would otherwise
compete with that frame for the interpreter, and the outbox and the watcher are modules the
first frame need not import (issue 16). A message sent before (keys typed ahead) waits in the
outbox's queue."""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import TYPE_CHECKING

from textual.app import App

from peers_tui.core.presence import Presence

if TYPE_CHECKING:
    from peers_tui.hangup import HangUp
    from peers_tui.outbox import Outbox
    from peers_tui.screens import ChatScreen
    from peers_tui.services.hub_watch import HubWatcher

HANGUP_GRACE = 2.0  # seconds a hung-up app may take to exit before it is ended
# ... and how long more that end waits for the outbox thread to store what the user sent and
# for the workers' open transactions (each waits at most its busy timeout for another
# process's write lock, 5 s, then fails).
SEND_GRACE = 15.0


class Background:
    def __init__(self, app: App[None], user_id: str, presence: Presence) -> None:
        self.app, self.user_id, self.presence = app, user_id, presence
        self.chat: ChatScreen | None = None
        self.outbox: Outbox | None = None
        self.hub_watch: HubWatcher | None = None
        self.terminal: HangUp | None = None  # SIGHUP's handler, once the app has mounted

    def shown(self, chat: ChatScreen) -> None:
        """The chat screen is mounted: the user is here (a hang-up from now on keeps its
        draft)."""
        self.chat = chat
        self.presence.announce(self.user_id)

    def start(self, chat: ChatScreen, outbox: Outbox, hub_watch: HubWatcher) -> bool:
        """Once the first screen is painted: start the outbox's thread and the hub watcher
        (whose first report starts the counts). Once: a message sent before the work after
        the first paint ran starts them itself (PeersApp.on_send_message). Whether they had
        started before (False: now, the outbox's thread at the loop's next turn)."""
        if self.outbox is not None:
            return True
        self.chat, self.outbox, self.hub_watch = chat, outbox, hub_watch
        self.app.run_worker(lambda: outbox.run(chat), name="outbox", group="outbox",
                            thread=True, exit_on_error=False)
        # Everything built so far lives as long as the app: moved out of the collector's view,
        # a full collection no longer walks it, nor stalls a live message by tens of ms.
        gc.freeze()
        gc.enable()  # paused for start-up by the launcher (peers_tui.launch)
        hub_watch.watch_all()
        if self.terminal is not None:  # a terminal gone without SIGHUP ends the app too
            self.terminal.watch()
        return False

    def wake_threads(self) -> None:
        """Tell the threads to end: they block until told, so nothing polls while idle."""
        self.app.workers.cancel_all()  # thread workers see it at their next check
        if self.outbox is not None:
            self.outbox.close()
        if self.hub_watch is not None:
            self.hub_watch.interrupt()

    def end(self) -> None:
        self.wake_threads()
        self.presence.withdraw()

    def hang_up(self) -> None:
        """The terminal is gone (SSH dropped, tmux pane killed): keep the draft and leave.

        Textual's orderly exit may block writing to a terminal that no longer exists, so what
        matters is saved first and a timer ends the process if the exit stalls; not while the
        outbox thread still stores a message the user sent (it would be lost).
        """
        if self.chat is not None:
            self.chat.save_draft()
        self.presence.withdraw()
        if self.outbox is not None:
            self.outbox.close()
        timer = threading.Timer(HANGUP_GRACE, _end_stalled, (self.outbox,))
        timer.daemon = True
        timer.start()
        self.app.exit()


def _end_stalled(outbox: Outbox | None) -> None:
    """The hung-up app's exit stalled: end the process, once the messages sent are stored and
    no transaction is open (a worker's /leave, /topic, answer, read marker: cut short, it was
    rolled back whole and never done), none begun after (core.database.write_gate)."""
    from peers_tui.core.database import write_gate

    deadline = time.monotonic() + SEND_GRACE
    if outbox is not None:
        outbox.ended.wait(SEND_GRACE)
    write_gate.close(max(0.0, deadline - time.monotonic()))
    os._exit(0)
