"""Keys the app acts on itself wait for the keys typed before them.

The app runs its priority bindings (Alt+N, Ctrl+K, Ctrl+F...) the moment a key arrives and
forwards every other key to the focused widget's queue, which handles it a turn or more later.
In a burst (a fast typist; keys arriving together over SSH or tmux), "abc" then Alt+3 switched
groups before the composer had taken "abc": the letters landed in the other group's composer
and the first group's draft stayed empty. A key the app binds with priority, arriving while
the focused widget still has keys queued, now waits behind them (a callback queued after them
on that widget, handed to the app's loop), and every key or paste after it waits with it, so
all act in the order typed. Held from the composer's mount (widgets.first_composer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App

STUCK = 0.25  # s: a focused widget closed before its queue was read releases them anyway


class KeyOrder:
    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.waiting: list[events.Event] | None = None  # the priority key, then what followed

    def held(self, event: events.Event) -> bool:
        """Whether `event` (a key or paste the app has not forwarded yet) waits."""
        if self.waiting is not None:
            self.waiting.append(event)
            return True
        focused = self.app.focused
        if (not isinstance(event, events.Key) or focused is None
                or not focused.message_queue_size or not self._app_binds(event.key)):
            return False
        batch = self.waiting = [event]
        if not focused.call_later(self.app.call_later, self._release, batch):
            self.waiting = None
            return False
        self.app.set_timer(STUCK, lambda: self.app.call_later(self._release, batch))
        return True

    def _app_binds(self, key: str) -> bool:
        return any(binding.priority for _, bindings in self.app.screen._binding_chain
                   for binding in bindings.key_to_bindings.get(key, ()))

    async def _release(self, batch: list[events.Event]) -> None:
        """The batch's events handed on in order, each as the app would have handled it (a
        new wait may start among them: the rest then wait behind it)."""
        if self.waiting is not batch:
            return  # released already
        self.waiting = None
        for event in batch:
            await self.app._dispatch_message(event)
