"""The relay's loops: one step again and again until the relay stops, trouble never fatal."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

from peers_tui.relay.client_errors import in_words


async def forever(stopping: asyncio.Event, step: Callable[[], Awaitable[object]],
                  pause: float | Callable[[], float]) -> None:
    """Run `step` again and again, `pause` seconds apart (or as many as it says when
    called); trouble is reported once a minute, never fatal."""
    last_report = 0.0
    # The flag as well as the cancellation: asyncio.wait_for can swallow a cancel that
    # lands as its inner call finishes (Python 3.11), and a relay must stop on SIGTERM.
    while not stopping.is_set():
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport hiccup or a damaged file: retry later
            # (said in words: after a SIGCONT the hub's relay printed "publish_once:
            # TimeoutError: nats: timeout": twenty-fifth session's acceptance pass)
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                name = getattr(step, "__name__", "step").strip("_")
                print(f"peers relay: {name}: {in_words(exc)}", file=sys.stderr, flush=True)
        await asyncio.sleep(pause() if callable(pause) else pause)


__all__ = ["forever"]
