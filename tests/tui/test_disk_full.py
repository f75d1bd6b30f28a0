"""A full disk: writes fail with one clear line, nothing stored is damaged or lost, and all
works again once space is freed. The hub, or the user's home, is a tiny tmpfs filled up."""

from __future__ import annotations

import sqlite3

from peers_tui.widgets import Composer
from tests.conftest import User
from tests.system_helpers import fill_disk, require_root, tiny_disk
from tests.tui_helpers import log_bodies, make_app, type_text, wait_for


def bodies(user: User, group: str) -> list[str]:
    return [m["body"] for m in user.ok("log", group, "--json").json()]


def intact(path) -> bool:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def assert_disk_full(result, group: str) -> None:
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith(f"peers: group {group}: the disk is full"), result.err


def test_a_full_hub_refuses_writes_clearly_and_loses_nothing(make_user, hub):
    require_root("mount")
    with tiny_disk(hub, "1m"):
        alice, bob = make_user("alice"), make_user("bob")
        team = alice.ok("create", "team").out.strip()
        bob.ok("join", alice.ok("invite", "team").out.strip())
        alice.ok("send", "team", "one")
        bob.ok("send", "team", "two")
        filler = fill_disk(hub)

        assert_disk_full(alice.spawn("send", "team", "three"), "team")  # a real process
        assert_disk_full(bob.run("send", "team", "three"), "team")
        result = alice.fails("create", "another")
        assert "the disk is full" in result.err
        assert sorted(p.name for p in hub.glob("*.db")) == [f"{team}.db"]  # no empty file left
        assert bodies(bob, "team") == ["one", "two"]  # reading still works on a full disk
        assert "the disk holding the hub" in alice.ok("doctor").out

        filler.unlink()
        assert alice.ok("verify").code == 0
        assert "error" not in alice.ok("doctor").out
        assert intact(hub / f"{team}.db")
        alice.ok("send", "team", "three")
        assert bodies(bob, "team") == ["one", "two", "three"]


def test_a_full_home_refuses_personal_writes_and_keeps_the_rest(make_user, tmp_path):
    require_root("mount")
    with tiny_disk(tmp_path / "alice", "1m"):
        alice = make_user("alice")
        alice.ok("create", "team")
        alice.ok("send", "team", "one")
        alice.ok("send", "personal", "a note")
        filler = fill_disk(alice.home)

        assert_disk_full(alice.spawn("send", "personal", "lost?"), "personal")
        # The group lives in the hub: the post is stored, and said so, though the read
        # marker in the full personal.db could not move.
        alice.ok("send", "team", "two")
        assert bodies(alice, "team") == ["one", "two"]

        filler.unlink()
        assert alice.ok("verify").code == 0
        assert "error" not in alice.ok("doctor").out
        assert intact(alice.home / "personal.db")
        assert bodies(alice, "personal") == ["a note"]
        alice.ok("send", "personal", "space again")
        assert bodies(alice, "personal") == ["a note", "space again"]


async def test_app_reports_a_send_on_a_full_disk_and_keeps_the_text(make_user, hub):
    require_root("mount")
    with tiny_disk(hub, "1m"):
        alice = make_user("alice")
        alice.ok("create", "team")
        app = make_app(alice, "team")
        async with app.run_test(size=(110, 30), notifications=True) as pilot:
            composer = app.chat.query_one(Composer)
            await wait_for(pilot, lambda: app.chat.query_one("MessageLog").loaded)
            filler = fill_disk(hub)
            await type_text(pilot, "words worth keeping")
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(n.title == "Not sent" for n in app._notifications))
            failure = next(n for n in app._notifications if n.title == "Not sent")
            assert "the disk is full" in failure.message
            assert composer.text == "words worth keeping" and not composer.cannot_post

            filler.unlink()
            await pilot.press("enter")  # the kept text, sent again once there is room
            await wait_for(pilot, lambda: log_bodies(app) == ["words worth keeping"])
        assert bodies(alice, "team") == ["words worth keeping"]
