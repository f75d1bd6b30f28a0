"""The log says it is settled (MessageLog.busy False) only once it has read what it reads
without being asked: the newest screen and, right after it, the scrollback above it.

The newest screen (first_window: 26 messages at 120x30) was shown with `busy` False in the
frame before the log looked for the window above it (a look after the frame:
LogScrolling._look_after_refresh), and a test that read the log then found 26 messages where
it wanted 50 (test_replaced_group_file's scrolled-back reader after Ctrl+End, at load ~9-12).
Every frame is checked here: none drawn while the log is settled may show fewer messages than
it holds once nothing more comes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, wait_for

MESSAGES = 300


def settled_frames(app: Any) -> list[tuple[int, int]]:
    """(the window's generation, the messages loaded) at each frame drawn while the log said
    it was settled."""
    display = app._display
    seen: list[tuple[int, int]] = []

    def drawn(screen: Any, renderable: Any) -> None:
        logs = screen.query(MessageLog)
        if logs and not logs.first().busy:
            seen.append((logs.first().window.generation, len(logs.first().views)))
        display(screen, renderable)

    app._display = drawn
    return seen


@pytest.mark.parametrize("how", ["opened", "ctrl+end"])
async def test_no_frame_says_settled_before_the_scrollback_is_read(alice: User, team, tmp_path,
                                                                   how: str):
    rows = [json.dumps({"id": str(i), "author": "old", "body": f"message {i}",
                        "created_at": 1_700_000_000 + i}) for i in range(MESSAGES)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n")
    alice.ok("import", "team", str(tmp_path / "many.jsonl"))
    app = make_app(alice, "team")
    seen = settled_frames(app)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        expected = log.first_window() + 100  # the newest screen and one window above it
        if how == "ctrl+end":
            await wait_for(pilot, lambda: len(log.views) >= expected and not log.busy)
            [oldest] = [m["id"] for m in alice.ok("log", "team", "--json", "--limit", "400",
                                                   "--no-events").json()
                        if m["body"] == "message 0"]
            log.jump_to(oldest)
            await wait_for(pilot, lambda: "message 0" in log_bodies(app) and not log.busy)
            await pilot.press("ctrl+end")  # a new window: frames of the one before are not it
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == [f"message {MESSAGES - 1}"]
                       and len(log.views) >= expected and not log.busy)
        assert len(log.views) == expected
        # (Once settled the log may draw no frame at all: none drawn is no failure.)
        assert all(count == expected for generation, count in seen
                   if generation == log.window.generation), seen
