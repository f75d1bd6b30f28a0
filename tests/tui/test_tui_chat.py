"""The chat screen driven with Pilot: the log, the roster, the composer, live updates."""

from __future__ import annotations

import json
import subprocess
import sys

from textual import events

from peers_tui.widgets import Composer, MessageLog, RosterPanel
from peers_tui.widgets.message_log import MAX_BUFFER
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, screen_text, send_all, type_text, wait_for


async def test_opens_the_group_with_its_messages(alice: User, bob: User, team):
    bob.ok("send", "team", "hello alice")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["hello alice"])
        assert "bob ┃ hello alice" in screen_text(app)  # it names her: the mention bar
        assert app.screen.query_one(Composer).has_focus


async def test_enter_sends_and_the_message_is_stored(alice: User, bob: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, "typed in the tui")
        await pilot.press("enter")
        await wait_for(pilot, lambda: log_bodies(app) == ["typed in the tui"])
        assert app.screen.query_one(Composer).text == ""
    assert [m["body"] for m in bob.ok("log", "team", "--json").json()] == ["typed in the tui"]


async def test_newline_keys_and_multiline_paste_send_one_message(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, "first")
        await pilot.press("ctrl+j")
        await type_text(pilot, "second")
        await pilot.press("alt+enter")
        await type_text(pilot, "third")
        await pilot.press("enter")
        await wait_for(pilot, lambda: log_bodies(app) == ["first\nsecond\nthird"])
        composer = app.screen.query_one(Composer)
        app.post_message(events.Paste("pasted one\npasted two"))
        await pilot.pause()
        assert composer.text == "pasted one\npasted two"
        await pilot.press("enter")
        await wait_for(pilot, lambda: log_bodies(app)[-1] == "pasted one\npasted two")


async def test_up_and_down_walk_the_input_history(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        for text in ("one", "two"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await wait_for(pilot, lambda: len(log_bodies(app)) == 2)
        composer = app.screen.query_one(Composer)
        await type_text(pilot, "draft")
        await pilot.press("up")
        assert composer.text == "two"
        await pilot.press("up")
        assert composer.text == "one"
        await pilot.press("down", "down")
        assert composer.text == "draft"


async def test_tab_completes_handles_and_commands(alice: User, bob: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: "bob" in composer.handles)
        await type_text(pilot, "hi @b")
        await pilot.press("tab")
        assert composer.text == "hi @bob "
        composer.clear()
        await type_text(pilot, "/me")
        await pilot.press("tab")  # /me, /members: the first one, then the next (irssi's way)
        assert composer.text == "/me "
        await pilot.press("tab")
        assert composer.text == "/members "
        composer.clear()
        await type_text(pilot, "/me waves")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "* │ alice waves" in screen_text(app))


async def test_draft_is_kept_per_group(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await type_text(pilot, "half-written thought")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.screen.query_one(Composer).text == "half-written thought"
    app = make_app(alice, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.screen.query_one(Composer).text == ""


async def test_message_from_another_process_appears_without_a_key(alice: User, bob: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(MessageLog).loaded)
        writer = subprocess.run([sys.executable, "-m", "peers_tui", "send", "team", "live!"],
                                env=bob.env(), capture_output=True, text=True, timeout=60)
        assert writer.returncode == 0, writer.stderr
        await wait_for(pilot, lambda: log_bodies(app) == ["live!"])
        assert "bob │ live!" in screen_text(app)


async def test_roster_shows_roles_presence_and_not_former_members(alice: User, bob: User,
                                                                  carol: User, team):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out)
    alice.ok("remove", "team", "bob")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        roster = app.screen.query_one(RosterPanel)
        await wait_for(pilot, lambda: len(roster.handles) == 2)
        assert sorted(roster.handles) == ["alice", "carol"]
        assert app.account.user_id in roster._present  # this app announces itself
        body = str(roster.query_one("#roster-body").render())
        assert "owners" in body and "readers" in body and "bob" not in body


async def test_roster_sees_who_comes_and_goes_without_reading_the_group_again(alice: User,
                                                                               bob: User, team):
    """Presence is looked at on a worker with a copy of the members; the panel, on the UI
    thread, shows the answer only if its members are still the same."""
    from peers_tui.core.account import Account
    from peers_tui.core.presence import Presence

    bob.ok("join", alice.ok("invite", "team").out)
    bob_id = Account(bob.home, bob.hub).user_id
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        roster = app.screen.query_one(RosterPanel)
        body = roster.query_one("#roster-body")
        await wait_for(pilot, lambda: "bob" in roster.handles)
        assert "○ bob" in str(body.render())
        bobs_app = Presence(bob.hub)
        bobs_app.announce(bob_id)
        roster.poll_presence()  # what the panel's timer does every PRESENCE_POLL seconds
        await wait_for(pilot, lambda: "● bob" in str(body.render()))
        bobs_app.withdraw()
        roster.poll_presence()
        await wait_for(pilot, lambda: "○ bob" in str(body.render()))


async def test_roster_folds_away_when_narrow(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(90, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(RosterPanel).display
        await pilot.resize_terminal(130, 30)
        await pilot.pause()
        assert app.screen.query_one(RosterPanel).display


async def test_readers_cannot_post(alice: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out)
    app = make_app(carol, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: composer.cannot_post)
        assert "reader" in str(composer.placeholder)


async def test_hostile_text_is_shown_literally(alice: User, bob: User, team, tmp_path):
    hostile = "[bold red]boom[/] \x1b]0;pwned\x07 \x1b[2J \u202eevil"
    line = json.dumps({"id": "h1", "author": "[blink]x", "body": "ok", "created_at": 1})
    (tmp_path / "h.jsonl").write_text(line + "\n")
    alice.ok("import", "team", str(tmp_path / "h.jsonl"))
    # bob's message goes straight into the file (the CLI refuses control characters)
    from tests.core.test_forgery import forge_message
    forge_message(bob, team, hostile, member_seq=1)
    app = make_app(alice, "team")
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 2)
        text = screen_text(app)
        assert "[bold red]boom[/]" in text and "␛]0;pwned␇" in text and "<U+202E>evil" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "00:00 [blink]x (impor…" in text  # markup shown as typed, clipped to the column


async def test_unverified_messages_are_flagged(alice: User, carol: User, team):
    from tests.core.test_forgery import forge_message
    forge_message(carol, team, "I am the admin now")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 1)
        # the flag comes before the author, the reason first in the body: not below it (the
        # message's first line, whether or not the group's join events are shown above it yet)
        first = next(line for line in screen_text(app).splitlines() if "I am the admin" in line
                     or "unverified:" in line)
        assert "⚠ " in first.split("│")[0] and "unverified: author was not a member" in first


async def test_edits_deletions_replies_and_actions_show(alice: User, bob: User, team):
    first = bob.ok("send", "team", "original").out.strip()
    bob.ok("edit", "team", first, "corrected")
    alice.ok("send", "team", "--reply-to", first, "thanks")
    gone = bob.ok("send", "team", "regret").out.strip()
    bob.ok("delete", "team", gone)
    bob.ok("send", "team", "--action", "shrugs")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 4)
        text = screen_text(app)
        assert "corrected (edited)" in text and "↳ bob: corrected" in text  # the current text
        assert "(message deleted)" in text and "* │ bob shrugs" in text


async def test_virtual_log_holds_a_bounded_window_and_reaches_both_ends(alice: User, team,
                                                                        tmp_path):
    rows = [json.dumps({"id": str(i), "author": "old", "body": f"message {i}",
                        "created_at": 1_700_000_000 + i}) for i in range(3000)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n")
    alice.ok("import", "team", str(tmp_path / "many.jsonl"))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["message 2999"])
        # Bounded: the first window, and the older one it may already have fetched (its top
        # is within LOAD_MARGIN at 30 rows; how soon that lands depends on how fast the app
        # starts), never the whole history.
        assert len(log.views) <= MAX_BUFFER
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: log_bodies(app)[:1] == ["message 0"])
        assert log.scroll_y == 0
        for _ in range(40):  # page down through history: windows load, the buffer stays bounded
            await pilot.press("pagedown")
            await pilot.pause(0.01)
            assert len(log.views) <= MAX_BUFFER
        await wait_for(pilot, lambda: log.views[-1].body != "message 99")
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: log_bodies(app)[-1:] == ["message 2999"] and log.at_newest)
        log.jump_to(log.views[0].id if False else app.account.store(
            app.account.resolve("team")).oldest(1)[0].id)
        await wait_for(pilot, lambda: log_bodies(app)[:1] == ["message 0"])


async def test_new_messages_wait_below_when_scrolled_up(alice: User, bob: User, team):
    send_all(bob, "team", (f"filler {i}" for i in range(60)))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 24)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: len(log.views) == 60 and log.max_scroll_y > 0
                       and log.scroll_y == log.max_scroll_y)
        app.chat.flush_read()
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == log.newest_id)
        read = log.newest_id
        await pilot.press("pageup")
        await wait_for(pilot, lambda: not log.following)
        bob.spawn("send", "team", "while you were away")
        await wait_for(pilot, lambda: log.unseen == 1)
        assert "1 new message" in str(app.screen.query_one("#unseen").render())
        app.chat.flush_read()  # not on screen yet: not read
        await pilot.pause(0.3)
        assert app.account.resolve("team").read_marker == read
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: log.following and log.unseen == 0)
        app.chat.flush_read()
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == log.newest_id
                       != read)


async def test_opening_a_group_and_following_it_marks_it_read(alice: User, bob: User, team):
    for i in range(3):
        bob.ok("send", "team", f"before {i}")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: len(log.views) == 3)
        # Written within a second of the newest message showing (not at every message).
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == log.newest_id,
                       timeout=5)
        bob.spawn("send", "team", "while watching")
        await wait_for(pilot, lambda: log_bodies(app)[-1] == "while watching")
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == log.newest_id,
                       timeout=5)
        await wait_for(pilot, lambda: any(s.name == "team" and s.unread == 0
                                          for s in app.summaries))
        # What arrives while the group list covers the log is not read until the user is back.
        read = log.newest_id
        await pilot.press("ctrl+g")
        bob.spawn("send", "team", "behind the group list")
        await wait_for(pilot, lambda: log.views[-1].body == "behind the group list")
        app.chat.flush_read()
        await pilot.pause(0.3)
        assert app.account.resolve("team").read_marker == read
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat)
        app_chat = app.chat
        await wait_for(pilot, lambda: app_chat.reads.pending is not None
                       or app.account.resolve("team").read_marker == log.newest_id)
        app_chat.flush_read()
        await wait_for(pilot, lambda: app.account.resolve("team").read_marker == log.newest_id)


async def test_live_lines_appended_match_a_full_layout(alice: User, bob: User, carol: User,
                                                      team):
    """Live messages are laid out by appending; the result must equal laying out everything,
    including a handle clash that gives both people a fingerprint."""
    from peers_tui.core.account import Account
    alice.ok("send", "team", "hello")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: log_bodies(app) == ["hello"])
        writer = Account(bob.home, bob.hub)
        for i in range(3):
            writer.send("team", f"live {i}")
        await wait_for(pilot, lambda: log_bodies(app)[-1] == "live 2")
        appended = screen_text(app)
        log._relayout()
        assert screen_text(app) == appended
        # carol joins as "bob": both bobs now need fingerprints, in lines already laid out too.
        code = alice.ok("invite", "team").out.strip()
        carol.ok("id", "--handle", "bob")
        carol.ok("join", code)
        Account(carol.home, carol.hub).send("team", "i am bob too")
        await wait_for(pilot, lambda: log_bodies(app)[-1] == "i am bob too")
        # Four message lines (bob's three, carol's one) and the two join lines: event lines
        # name look-alike members by fingerprint too, once the roster read in a worker after
        # carol's join is in (her message can be on screen a moment before it, under load).
        await wait_for(pilot, lambda: screen_text(app).count("bob~") == 6)
        text = screen_text(app)
        assert text.count("bob~") == 6, text
        log._relayout()
        assert screen_text(app) == text


async def test_a_removed_member_keeps_the_draft_sees_why_and_can_leave(alice: User, bob: User,
                                                                       team):
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: app.chat.membership != ())
        await type_text(pilot, "half a thought")
        alice.ok("remove", "team", "bob")
        await wait_for(pilot, lambda: composer.cannot_post is not None)
        assert "removed" in composer.cannot_post
        await wait_for(pilot, lambda: any("removed" in n.message for n in app._notifications))
        await pilot.press("space", "x")  # typing still works
        assert composer.text == "half a thought x"
        app._notifications.clear()
        await pilot.press("enter")  # refused with the reason, the draft kept
        await wait_for(pilot, lambda: any("removed" in n.message for n in app._notifications))
        assert composer.text == "half a thought x"
        # Archiving is offered, not /leave, which has nothing to do now (below; h-newuser).
        assert "removed" in str(composer.placeholder) and "Ctrl+G, a" in str(composer.placeholder)
        composer.clear()
        await type_text(pilot, "/leave")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("no longer a member" in n.message
                                          for n in app._notifications))
    assert "half a thought" not in [m["body"] for m in alice.ok("log", "team", "--json").json()]
