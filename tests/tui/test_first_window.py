"""The log opens on the screenful it shows (issue 16: every message of the first window is
read, verified and laid out before the first frame, against a bare Textual app).

The first window is one message per row of the log and one to spare (a message is at least
a row); the older messages are fetched right after the first frame, as before, and scrolling
up shows them in order, with the day rules and without a gap."""

from __future__ import annotations

import json
import re
from pathlib import Path

from peers_tui.widgets import MessageLog
from peers_tui.widgets.message_log.window import WINDOW, first_window
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, make_app, wait_for

COUNT = 300


def _rows_on_screen(log: MessageLog) -> list[int | str]:
    """What each row of the log shows: a message's number, "rule" (a day's) or "blank"."""
    rows: list[int | str] = []
    for y in range(log.scrollable_content_region.height):
        text = log.render_line(y).text
        match = re.search(r"message (\d+)", text)
        rows.append(int(match.group(1)) if match else "rule" if "─" in text else "blank")
    return rows


def _numbers_on_screen(log: MessageLog) -> list[int]:
    return [row for row in _rows_on_screen(log) if isinstance(row, int)]


def test_the_first_window_is_a_message_a_row_and_one_to_spare() -> None:
    assert first_window(36) == 37
    assert first_window(0) == WINDOW  # no height yet: a whole window
    assert first_window(500) == WINDOW


async def test_the_first_frame_reads_the_screenful_it_shows_and_scrolling_up_shows_the_rest(
        alice: User, team: str, tmp_path: Path) -> None:
    rows = [json.dumps({"id": f"m{i:05d}", "author": "old", "body": f"message {i}",
                        "created_at": 1_700_000_000 + i * 600}) for i in range(COUNT)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n")
    alice.ok("import", "team", str(tmp_path / "many.jsonl"))
    app = make_app(alice, "team")
    first: dict[str, object] = {}

    def take(screen: object) -> None:
        log = app.screen.query_one(MessageLog)
        first.update(views=len(log.views), height=log.scrollable_content_region.height,
                     shown=_rows_on_screen(log))

    at_first_frame_with_messages(app, take)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "shown" in first)
        height, shown = first["height"], first["shown"]
        assert isinstance(height, int) and isinstance(shown, list)
        # One message a row and one to spare were read for the first frame, not ten.
        assert first["views"] == height + 1, first
        # The screen is full and ends with the newest message; no message is missing on it.
        assert shown[-1] == COUNT - 1 and "blank" not in shown, shown
        messages = [n for n in shown if isinstance(n, int)]
        assert messages == list(range(messages[0], COUNT)) and len(messages) >= height - 2
        # Up, a page at a time: every older message in order, none missing or twice.
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: not log.busy and len(log.views) > height + 1)
        seen = set(messages)
        for _ in range(6):
            await pilot.press("pageup")
            await wait_for(pilot, lambda: not log.busy)
            await pilot.pause(0.05)
            page = _numbers_on_screen(log)
            assert page == list(range(page[0], page[0] + len(page))), page
            seen.update(page)
        assert seen == set(range(min(seen), COUNT)) and min(seen) < COUNT - 4 * height
