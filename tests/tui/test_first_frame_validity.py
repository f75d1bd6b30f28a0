"""The first frame of `peers open` judges every row as the rest of the app does (issue 16).

Start-up is measured against a bare Textual app, and the first frame is where a shortcut
would pay most: reading the newest rows without their checks. Rows written straight into
the group file (a message by someone who was never a member, two messages signed at one
place of an author's chain, a body edited in the file) must be shown in that very frame as
what they are, unverified with their reason, never as genuine: the frame captured here is the
first one drawn with the newest messages, before anything could correct it.
"""

from __future__ import annotations

import sqlite3

from peers_tui.core.account import Account
from peers_tui.core.views import MessageView
from peers_tui.factory import build_app
from peers_tui.testing.forge import Forger
from peers_tui.widgets import MessageLog
from tests.conftest import User
from tests.tui_helpers import at_first_frame_with_messages, wait_for

NON_MEMBER = "carol was never a member"
FIRST_AT_ONE = "bob at place one"
SECOND_AT_ONE = "bob again at place one"
EDITED = "pay bob 500"
GENUINE = "alice, genuine and newest"


def _forge_rows(alice: User, bob: User, carol: User, team: str) -> None:
    path = alice.hub / f"{team}.db"
    alice.ok("send", "team", "alice, genuine before")
    paid = alice.ok("send", "team", "pay bob 5").out.strip()
    bob.ok("send", "team", FIRST_AT_ONE)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("UPDATE message SET body = ? WHERE id = ?", (EDITED, paid))
        conn.execute("DROP INDEX message_author_author_seq")  # as anyone writing the file may
    Forger(bob.home).message(path, team, SECOND_AT_ONE, aseq=1, aprev="")
    Forger(carol.home).message(path, team, NON_MEMBER, mseq=0, aseq=1, aprev="")
    alice.ok("send", "team", GENUINE)


async def _first_frame_views(user: User) -> list[MessageView]:
    app = build_app(Account(user.home, user.hub), "team")
    first: list[list[MessageView]] = []
    at_first_frame_with_messages(app, lambda screen: first.append(
        list(screen.query_one(MessageLog).views)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: bool(first))
    return first[0]


async def test_the_first_frame_shows_forged_forked_and_non_member_rows_as_unverified(
        alice: User, bob: User, carol: User, team: str) -> None:
    _forge_rows(alice, bob, carol, team)
    shown = {view.body: view for view in await _first_frame_views(alice)}
    assert shown[GENUINE].verified and shown["alice, genuine before"].verified
    assert shown[NON_MEMBER].verified is False
    assert shown[NON_MEMBER].problem == "author was not a member when it was written"
    for body in (FIRST_AT_ONE, SECOND_AT_ONE):
        assert shown[body].verified is False
        assert "forked chain" in str(shown[body].problem)
    assert shown[EDITED].verified is False and "edited" in str(shown[EDITED].problem)


async def test_the_first_frame_agrees_with_the_full_read_row_for_row(
        alice: User, bob: User, carol: User, team: str) -> None:
    """What the first frame shows is what the store's full read says, in every field the log
    draws from (so the frame that follows it draws the same rows)."""
    _forge_rows(alice, bob, carol, team)
    framed = await _first_frame_views(alice)
    account = Account(alice.home, alice.hub)
    try:
        full = account.store(account.resolve("team")).recent(len(framed))
    finally:
        account.close()
    assert [(v.id, v.body, v.verified, v.problem, v.author) for v in framed] == \
        [(v.id, v.body, v.verified, v.problem, v.author) for v in full]
