"""Read-only group files: readable as ever, posting refused with the reason, nothing lost.

As root, permission bits do not stop a write, so the files are made read-only the ways that
stop root too: `chattr +i`, and a read-only bind mount. (A file that an unprivileged member
may not write is in test_multi_user.py.)
"""

from __future__ import annotations

import pytest

from peers_tui.messages import OpenGroup
from peers_tui.core.account import Account
from peers_tui.widgets import Composer
from peers_tui.widgets.group_label import group_text
from tests.conftest import User
from tests.system_helpers import immutable, read_only_mount, require_root
from tests.tui_helpers import log_bodies, make_app, type_text, wait_for

TOOLS = {"immutable": "chattr", "read-only mount": "mount"}


def made_read_only(how: str, path):
    return immutable(path) if how == "immutable" else read_only_mount(path)


def bodies(user: User, group: str) -> list[str]:
    return [m["body"] for m in user.ok("log", group, "--json").json()]


@pytest.mark.parametrize("how", list(TOOLS))
def test_read_only_group_is_read_and_refuses_posts_with_the_reason(alice: User, bob: User,
                                                                   team, how):
    require_root(TOOLS[how])
    alice.ok("send", "team", "one")
    bob.ok("send", "team", "two")
    alice.ok("create", "other")
    path = alice.hub / f"{team}.db"
    with made_read_only(how, path):
        assert bodies(alice, "team") == ["one", "two"]
        result = alice.fails("send", "team", "three")
        assert result.code == 1
        assert result.err.startswith("peers: group team is read-only (")
        expected = "mounted read-only" if how == "read-only mount" else "not writable by you"
        assert expected in result.err
        groups = {g["name"]: g for g in alice.ok("groups", "--json").json()}
        assert groups["team"]["state"] == "active" and expected in groups["team"]["read_only"]
        assert "read_only" not in groups["other"]
        assert alice.ok("verify").code == 0
        assert "read-only" in alice.ok("doctor").out
        alice.ok("send", "other", "elsewhere all is well")
        # Reading created nothing beside the file (and wrote nothing into it).
        assert not path.with_name(path.name + "-wal").exists()
    alice.ok("send", "team", "three")
    assert bodies(bob, "team") == ["one", "two", "three"]
    assert bodies(alice, "other") == ["elsewhere all is well"]
    alice.ok("verify")


async def test_app_marks_a_read_only_group_and_keeps_the_others_working(alice: User, bob: User,
                                                                        team):
    require_root("chattr")
    bob.ok("send", "team", "from bob")
    alice.ok("create", "other")
    Account(alice.home, alice.hub).set_last_group(team)
    with immutable(alice.hub / f"{team}.db"):
        app = make_app(alice)
        async with app.run_test(size=(110, 30), notifications=True) as pilot:
            composer = app.chat.query_one(Composer)
            await wait_for(pilot, lambda: composer.cannot_post)
            assert app.chat.entry.name == "team" and log_bodies(app) == ["from bob"]
            assert "cannot post here (read-only: the file is not writable by you)" in \
                str(composer.placeholder)
            await wait_for(pilot, lambda: any(s.read_only for s in app.summaries))
            listed = {s.name: s for s in app.summaries}
            assert "read-only" in group_text(listed["team"]).plain
            assert "read-only" not in group_text(listed["other"]).plain

            app.post_message(OpenGroup(listed["other"].id))
            await wait_for(pilot, lambda: app.chat.entry.name == "other" and not composer.cannot_post)
            await type_text(pilot, "posted elsewhere")
            await pilot.press("enter")
            await wait_for(pilot, lambda: log_bodies(app) == ["posted elsewhere"])


async def test_a_send_into_a_group_gone_read_only_is_reported_and_kept(alice: User, team):
    require_root("chattr")
    app = make_app(alice, "team")
    path = alice.hub / f"{team}.db"
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        composer = app.chat.query_one(Composer)
        await wait_for(pilot, lambda: app.chat.query_one("MessageLog").loaded)
        await type_text(pilot, "typed before it went read-only")
        with immutable(path):
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications))
            failure = next(n for n in app._notifications if n.title == "Not sent")
            assert "group team is read-only" in failure.message
            assert composer.text == "typed before it went read-only"
            await wait_for(pilot, lambda: composer.cannot_post)  # it now says so, not fails again
        assert log_bodies(app) == []
    assert alice.ok("log", "team", "--no-events").out == ""


def test_a_connection_kept_open_never_lets_a_write_past_a_read_only_file(alice: User, bob: User,
                                                                        team):
    """The live feed keeps its connection open between reads: a post from the same process
    after the file turned read-only must still be refused, not slipped into the WAL."""
    require_root("chattr")
    from peers_tui.core.account import Account
    from peers_tui.core.errors import ReadOnly
    from peers_tui.core.live_feed import LiveFeed
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    feed = LiveFeed(store, store.last_rowid())
    bob.ok("send", "team", "live")
    assert feed.read() is not None  # the feed has read through its kept connection
    path = alice.hub / f"{team}.db"
    with immutable(path):
        with pytest.raises(ReadOnly):
            account.send("team", "must not be written")
    assert "must not be written" not in alice.ok("log", "team").out
