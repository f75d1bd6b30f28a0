"""Regenerate screenshots/*.svg from the real app on the sample data (peers_tui.demo).

    .venv/bin/python scripts/screenshots.py

Times are shown in UTC and every key is fixed, so the pictures change only when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["TZ"] = "UTC"
time.tzset()

from peers_tui.demo import build_demo  # noqa: E402
from peers_tui.testing.settle import settle  # noqa: E402

OUT = ROOT / "screenshots"


async def shoot(scratch: Path, name: str, size: tuple[int, int],
                then: Callable[[object], Awaitable[None]] | None = None,
                group: str = "release-crew") -> None:
    # A fresh sample hub for each picture: opening a group marks it read, which would take
    # the "new messages" line and the unread counts out of the pictures after the first.
    demo = build_demo(scratch / name)
    app = demo.app(group)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        if then is not None:
            await then(pilot)
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    print(f"screenshots/{name}.svg")


async def group_list(pilot) -> None:
    await pilot.press("ctrl+g")


async def search(pilot) -> None:
    await pilot.press("ctrl+f", *"staging")
    for _ in range(200):
        await pilot.pause(0.01)
        if pilot.app.screen.query_one("#search-results").option_count:
            break


async def help_screen(pilot) -> None:
    await pilot.press("f1")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        await shoot(scratch, "chat", (120, 32))
        await shoot(scratch, "chat-80x24", (80, 24))
        # From another group, so release-crew shows its unread count and mention mark.
        await shoot(scratch, "group-list", (100, 24), group_list, group="book club")
        await shoot(scratch, "search", (120, 32), search)
        await shoot(scratch, "help", (120, 42), help_screen)


if __name__ == "__main__":
    asyncio.run(main())
