"""Keys typed at the first frame are in the composer, and drawn, before the rest of what waited
for that frame is done (key_order.after_keys): the files kept for the next start, the last
group's commit, the CLI's tasks, the background's threads, the footer's and the bars' mounts.
That work ran in the first paint's batch with the composer's mount, before its focus handed the
keys on: the first keys echoed 165-300 ms late while a large group's history streamed in, and
~0.4-0.7 s at load 5 (issue 16)."""

from __future__ import annotations

import time
from typing import Any, cast

from textual import events

from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for

SLOW = 0.3  # s: the after-paint work on a busy machine (its files, its threads, its imports)


async def test_keys_typed_at_the_first_frame_are_drawn_before_the_after_paint_work(
        alice: User, bob: User, team: str) -> None:
    bob.ok("send", "team", "hello from bob")
    app = build_app(cast("Any", StartAccount.open(alice.home, alice.hub)), "team")
    typed = ["o", "r", "d", "e", "r"]
    drawn: list[str] = []  # the composer's text at each frame written
    at_work: list[str | None] = []  # the text of the last frame written, as the work starts

    def slow_work() -> None:  # among the app's own after-paint tasks (the CLI's are there)
        at_work.append(drawn[-1] if drawn else None)
        time.sleep(SLOW)

    app.after_first_paint.append(slow_work)
    display = app._display

    def written(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            composer = app.chat._composer
            drawn.append(composer.text if composer is not None and composer.is_mounted else "")

    app._display = written  # type: ignore[method-assign]
    at_first_frame_with_messages(app, lambda screen: [
        app.post_message(events.Key(key, key)) for key in typed])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(at_work) and app.is_idle
                       and bool(app.screen.query("Footer")))
        assert at_work == ["order"], (at_work, drawn)
        assert app.chat.composer.text == "order"
        assert app.account.last_group().id == app.chat.entry.id  # the work did run after
