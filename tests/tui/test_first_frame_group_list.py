"""The group list at the left is in the first frame (the outside check of issue 16).

A user with 200 groups saw the newest messages first and the list of their groups ~1 s of CPU
later: the list waited for the first count of every group (rosters replayed, unread counted).
It now shows the listed groups by name in the first frame, read with the rest of that frame
(on plain sqlite3 when the app starts on a StartAccount, as `peers` does); the counts, the
standings and the marks replace those rows when the first count is in.
"""

from __future__ import annotations

from typing import cast

import pytest

from peers_tui.core.account import Account
from peers_tui.core.start_account import StartAccount
from peers_tui.factory import build_app
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for


def _left_column(lines: list[str]) -> str:
    return "\n".join(line[:22] for line in lines)


@pytest.mark.parametrize("start", ["start_account", "account"])
async def test_the_first_frame_lists_every_group_by_name(alice: User, bob: User, team: str,
                                                         start: str) -> None:
    account = Account(alice.home, alice.hub)
    for name in ("alpha", "beta"):
        account.create_group(name)
    bob.ok("send", "team", "hello from bob")
    opened = (cast("Account", StartAccount.open(alice.home, alice.hub))
              if start == "start_account" else Account(alice.home, alice.hub))
    app = build_app(opened, "team")
    first: list[str] = []
    counted_then: list[bool] = []

    def take(screen: object) -> None:
        strips = screen._compositor.render_strips()  # type: ignore[attr-defined]
        first.append(_left_column([strip.text for strip in strips]))
        counted_then.append(getattr(app.chat.buffer_list, "counted", False))

    at_first_frame_with_messages(app, take)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(first))
        for index, name in enumerate(("personal", "team", "alpha", "beta"), start=1):
            assert f"{index} {name}" in first[0], first[0]
        assert counted_then == [False]  # drawn before any group was counted
        await wait_for(pilot, lambda: app.chat.buffer_list.counted and app.is_idle)
        rows = [app.chat.buffer_list.render_line(y).text
                for y in range(len(app.chat.buffer_list.summaries))]
        assert [row.split()[1] for row in rows] == ["personal", "team", "alpha", "beta"]
