"""Knowing, inside a Textual app, when a frame that shows some text was produced.

Textual's screens render each update (the compositor's output for the changed regions) and
hand it to `App._display`, which in a headless `run_test` writes nothing but is still called
once per frame. Wrapping it on the app instance (not the class: nothing global changes)
timestamps every frame; the text of the frame is read back from the update's segments. So
"the refresh that shows its newest row" is the first frame whose own painted text contains
that row's unique marker, and the time is taken when the frame was handed over, before the
(benchmark-only) text extraction runs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.app import App


class FrameWatch:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.frames = 0
        self._waiting: list[tuple[str, asyncio.Future[float]]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            painted = time.perf_counter()
            original(screen, renderable)
            if renderable is None:
                return
            self.frames += 1
            if self._waiting:
                self._check(renderable, painted)

        app._display = display  # type: ignore[method-assign]

    def expect(self, needle: str) -> asyncio.Future[float]:
        """A future set to the perf_counter of the next frame painting `needle`."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append((needle, future))
        return future

    def _check(self, renderable: Any, painted: float) -> None:
        console = self.app.console
        text = "".join(segment.text for segment in
                       renderable.__rich_console__(console, console.options)
                       if not segment.control)
        still = []
        for needle, future in self._waiting:
            if future.done():
                continue
            if needle in text:
                future.set_result(painted)
            else:
                still.append((needle, future))
        self._waiting = still
