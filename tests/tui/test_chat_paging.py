"""PgUp / PgDn in a long history: one screenful per key, from the composer or the log, and the
log stays where the last key left it (it used to run away to the oldest message)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tmux_helpers import Tmux, cpu_seconds, needs_tmux
from tests.tui_helpers import log_bodies, make_app, wait_for


def import_numbered(user: User, group: str, count: int, tmp_path: Path) -> None:
    """`count` one-line messages "message 0".. on one day: one message per line of the log."""
    rows = [json.dumps({"id": f"m{i:07d}", "author": "old", "body": f"message {i}",
                        "created_at": 1_700_000_000 + i}) for i in range(count)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n")
    user.ok("import", group, str(tmp_path / "many.jsonl"))


def top_number(log: MessageLog) -> int:
    """The number of the message on the log's top line."""
    return int(re.search(r"message (\d+)", log.rendered_lines[int(log.scroll_y)].text).group(1))


async def settle(pilot, log: MessageLog) -> None:
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: not log.busy)
    await pilot.pause(0.1)


async def check_paging(pilot, log: MessageLog) -> None:
    await wait_for(pilot, lambda: log_bodies(pilot.app)[-1:] == ["message 2999"])
    await settle(pilot, log)
    height = log.scrollable_content_region.height
    start = top_number(log)
    for step in range(1, 13):  # through several windows of older messages
        await pilot.press("pageup")
        await settle(pilot, log)
        assert top_number(log) == start - step * height, f"PgUp {step}"
    still = top_number(log)
    await pilot.pause(0.5)
    assert top_number(log) == still and not log.busy  # nothing moves once the key stops
    for step in range(1, 4):
        await pilot.press("pagedown")
        await settle(pilot, log)
        assert top_number(log) == still + step * height, f"PgDn {step}"


async def test_pageup_moves_one_screen_each_time_from_the_composer(alice: User, team, tmp_path):
    import_numbered(alice, "team", 3000, tmp_path)
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.focused is app.chat.composer
        await check_paging(pilot, app.screen.query_one(MessageLog))


async def test_pageup_moves_one_screen_each_time_from_the_log(alice: User, team, tmp_path):
    import_numbered(alice, "team", 3000, tmp_path)
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.screen.query_one(MessageLog)
        log.focus()
        await check_paging(pilot, log)


async def test_pageup_held_moves_as_many_screens_as_keys_and_stops(alice: User, team, tmp_path):
    import_numbered(alice, "team", 3000, tmp_path)
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["message 2999"])
        await settle(pilot, log)
        height = log.scrollable_content_region.height
        start = top_number(log)
        for _ in range(30):  # a held key: presses faster than windows are fetched
            await pilot.press("pageup")
        await settle(pilot, log)
        assert top_number(log) == start - 30 * height
        await pilot.pause(0.5)
        assert top_number(log) == start - 30 * height


def top_numbers(screen: str) -> list[int]:
    return [int(n) for n in re.findall(r"message (\d+)", screen)]


@needs_tmux
def test_pageup_held_in_a_terminal_stops_when_the_key_stops(alice: User, team, tmp_path):
    """100,000 messages in tmux: 40 PgUp as fast as a held key sends them move 40 screens,
    then the log stays put and the process goes quiet (it used to scroll on by itself for a
    minute at 70% of a core)."""
    import_numbered(alice, "team", 100_000, tmp_path)
    tmux = Tmux()
    try:
        tmux.open("a", alice, "open", "team", size=(120, 40))
        start = tmux.wait_for("a", lambda s: "message 99999" in s, what="the newest message")
        height = len(top_numbers(start))
        for _ in range(40):
            tmux.keys("a", "PageUp")
            time.sleep(0.03)
        expected = 99_999 - 40 * height
        # At least 40 screens up (a first screen painted before its last rows counts fewer
        # rows a page than a page moves, so the log may land a little further).
        tmux.wait_for("a", lambda s: bool(top_numbers(s)) and min(top_numbers(s)) <= expected,
                      timeout=15, what=f"message {expected} or older")
        pid = tmux.pid("a")
        # The window beyond the edge may still be fetched (the scrollbar moves): until the
        # screen holds still for a second. A fixed second was a guess that load can outlast;
        # a log that scrolls on by itself never holds still, and fails below after 15 s.
        shown, settle_by = tmux.screen("a"), time.monotonic() + 15
        while time.monotonic() < settle_by:
            time.sleep(1)
            shown, previous = tmux.screen("a"), shown
            if shown == previous:
                break
        before, cpu_before = top_numbers(tmux.screen("a")), cpu_seconds(pid)
        time.sleep(2)
        assert top_numbers(tmux.screen("a")) == before
        assert expected - 10 * height <= min(before) <= expected  # 40 presses, not on and on
        assert cpu_seconds(pid) - cpu_before < 0.3  # idle, not scrolling on its own
        assert min(before) > 90_000
    finally:
        tmux.close()
