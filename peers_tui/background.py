"""Background: what runs as long as the app does (the user's presence, the outbox thread, the
hub watcher), started around the first paint and ended on exit; a hang-up saves first."""

from __future__ import annotations

import gc
import os
import threading

from textual.app import App

from peers_tui.core.presence import Presence
from peers_tui.outbox import Outbox
from peers_tui.screens import ChatScreen
from peers_tui.services.hub_watch import HubWatcher

HANGUP_GRACE = 2.0  # seconds a hung-up app may take to exit before it is ended


class Background:
    def __init__(self, app: App[None], user_id: str, outbox: Outbox, presence: Presence) -> None:
        self.app, self.user_id, self.outbox, self.presence = app, user_id, outbox, presence
        self.chat: ChatScreen | None = None
        self.hub_watch: HubWatcher | None = None

    def start(self, chat: ChatScreen, hub_watch: HubWatcher) -> None:
        self.chat, self.hub_watch = chat, hub_watch
        self.presence.announce(self.user_id)
        self.app.run_worker(lambda: self.outbox.run(chat), name="outbox", group="outbox",
                            thread=True, exit_on_error=False)
        # The watcher and the counts start once the first screen is painted: their threads
        # would otherwise compete with it for the interpreter.
        self.app.call_after_refresh(self._after_first_paint, hub_watch)

    def _after_first_paint(self, hub_watch: HubWatcher) -> None:
        # Everything built so far lives as long as the app: moved out of the collector's view,
        # a full collection no longer walks it, nor stalls a live message by tens of ms.
        gc.freeze()
        gc.enable()  # paused for start-up by the launcher (peers_tui.launch)
        hub_watch.watch_all()

    def wake_threads(self) -> None:
        """Tell the threads to end: they block until told, so nothing polls while idle."""
        self.app.workers.cancel_all()  # thread workers see it at their next check
        self.outbox.close()
        if self.hub_watch is not None:
            self.hub_watch.interrupt()

    def end(self) -> None:
        self.wake_threads()
        self.presence.withdraw()

    def hang_up(self) -> None:
        """The terminal is gone (SSH dropped, tmux pane killed): keep the draft and leave.

        Textual's orderly exit may block writing to a terminal that no longer exists, so what
        matters is saved first and a timer ends the process if the exit stalls.
        """
        if self.chat is not None:
            self.chat.save_draft()
        self.presence.withdraw()
        self.outbox.close()
        timer = threading.Timer(HANGUP_GRACE, os._exit, (0,))
        timer.daemon = True
        timer.start()
        self.app.exit()
