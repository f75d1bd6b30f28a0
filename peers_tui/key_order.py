"""Keys and pastes handled in the order typed, held by the app while they cannot be.

From the app's start until the composer is mounted (widgets.first_composer draws the empty
composer's line in the first frame; the composer, a TextArea, is mounted right after it),
every key and paste is held: already in the terminal when the app starts, or typed before
the mount, even the app's own priority keys, so that Alt+N after "hi" does not switch before
"hi" is typed. `release`, once the composer has the focus, hands them on in order.

From then on: the app runs its priority bindings (Alt+N, Ctrl+K, Ctrl+F...) the moment a
key arrives and forwards every other key to the focused widget's queue, which handles it a
turn or more later. In a burst (a fast typist; keys arriving together over SSH or tmux),
"abc" then Alt+3 switched groups before the composer had taken "abc": the letters landed in
the other group's composer and the first group's draft stayed empty. A key the app binds
with priority, arriving while the focused widget still has keys queued, now waits behind
them (a callback queued after them on that widget, handed to the app's loop), and every key
or paste after it waits with it.

The rest of what waited for the first paint (the footer's and the bars' mounts, the link's
watch, the files kept for the next start, the background's threads: ~70 ms of CPU, ~50-300 ms
at a busy machine's first frame) waits for the keys held until then (`after_keys`): those keys
are handed on, drawn, and only then is that work done, one task a turn, so that a key typed
meanwhile waits for one task at most. In the first paint's batch with the composer's mount, the
first keys echoed 165-300 ms late while a large group's history streamed in (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App

Work = Callable[[], Any]  # a callback as call_after_refresh takes it (a coroutine function too)

STUCK = 0.25  # s: a focused widget closed before its queue was read releases them anyway


class KeyOrder:
    def __init__(self) -> None:
        self.app: App[object] | None = None  # set by `release`: nothing is held behind keys before
        self.waiting: list[events.Event] | None = []  # held from the app's start
        self.after: list[Work] | None = []  # the work behind the keys held from the start

    def after_keys(self, app: App[Any], work: Work) -> None:
        """`work` once the keys held from the start are handed on and drawn (see the module);
        after the next refresh if they are already."""
        if self.after is None:
            app.call_after_refresh(work)
        else:
            self.after.append(work)

    def held(self, event: events.Event) -> bool:
        """Whether `event` waits (the app's `on_event`: a key or paste as it comes)."""
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            return False
        if self.waiting is not None:
            self.waiting.append(event)
            return True
        app = self.app
        focused = app.focused if app is not None else None
        if (app is None or focused is None or not isinstance(event, events.Key)
                or not focused.message_queue_size or not self._app_binds(app, event.key)):
            return False
        batch = self.waiting = [event]
        if not focused.call_later(app.call_later, self._release, app, batch):
            self.waiting = None
            return False
        app.set_timer(STUCK, lambda: app.call_later(self._release, app, batch))
        return True

    def release(self, app: App[object]) -> None:
        """The composer is in place (or its screen gone): what was held since the start is
        handed on, on the app's own loop after whatever it has queued already (held too)."""
        if self.app is None:
            self.app = app
            if self.waiting is not None:
                app.call_later(self._release, app, self.waiting)

    @staticmethod
    def _app_binds(app: App[object], key: str) -> bool:
        return any(binding.priority for _, bindings in app.screen._binding_chain
                   for binding in bindings.key_to_bindings.get(key, ()))

    async def _release(self, app: App[object], batch: list[events.Event]) -> None:
        """The batch's events handed on in order, each as the app would have handled it (a
        new wait may start among them: the rest then wait behind it)."""
        if self.waiting is not batch:
            return  # released already
        self.waiting = None
        for event in batch:
            await app._dispatch_message(event)
        if self.after is not None:  # the batch held from the start: its work follows it
            after, self.after = self.after, None
            if after:
                # Behind the keys just queued at the focused widget, then the frame they draw.
                target = app.focused or app.screen
                if not target.call_later(target.call_after_refresh, self._next, app, after):
                    app.call_after_refresh(self._next, app, after)

    def _next(self, app: App[object], after: list[Work]) -> None:
        """The next task, in a turn of its own after the next refresh (Textual awaits it)."""
        app.call_after_refresh(after.pop(0))
        if after:
            app.call_after_refresh(self._next, app, after)


def after_keys(app: App[Any], work: Work) -> None:
    """`work`, which waited for the first paint, once the keys typed at it are in as well (an
    app without a KeyOrder: after the next refresh)."""
    order = getattr(app, "typed_ahead", None)
    if isinstance(order, KeyOrder):
        order.after_keys(app, work)
    else:
        app.call_after_refresh(work)
