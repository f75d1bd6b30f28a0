"""What the log shows of a conversation beyond its messages: reactions under a message (live),
membership events in their place (live; a forged change flagged, never an event), a bar
beside messages that mention the reader, links in genuine messages only, long texts folded."""

from __future__ import annotations

import re
import time

from rich.style import Style

from peers_tui.core.links import url_spans
from peers_tui.testing.forge import Forger
from peers_tui.widgets import MessageLog
from peers_tui.widgets.message_render import FOLD_LINES
from tests.conftest import User
from tests.tui_helpers import log_bodies, make_app, screen_text, wait_for


def lines(app) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen.query_one(MessageLog).rendered_lines]


def under(app, text: str) -> str:
    """The line under the (first) line that shows `text`."""
    shown = lines(app)
    index = next(i for i, line in enumerate(shown) if text in line)
    return shown[index + 1] if index + 1 < len(shown) else ""


async def test_reactions_show_under_their_message_and_follow_other_processes(alice: User,
                                                                             bob: User, team):
    bob.ok("send", "team", "ship it?")
    bob.ok("send", "team", "next message")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["ship it?", "next message"])
        assert "next message" in under(app, "ship it?")
        assert bob.spawn("react", "team", "-2", "👍").code == 0
        await wait_for(pilot, lambda: under(app, "ship it?").endswith("│ 👍 1"))
        assert bob.spawn("react", "team", "-2", "🎉").code == 0
        await wait_for(pilot, lambda: under(app, "ship it?").endswith("│ 👍 1 🎉 1"))
        assert bob.spawn("react", "team", "-2", "👍").code == 0  # again: taken back
        await wait_for(pilot, lambda: under(app, "ship it?").endswith("│ 🎉 1"))
        assert bob.spawn("react", "team", "-2", "🎉").code == 0
        await wait_for(pilot, lambda: "next message" in under(app, "ship it?"))
        assert "🎉" not in screen_text(app)


async def test_membership_events_stand_in_their_place_and_arrive_live(alice: User, bob: User,
                                                                      carol: User, make_user,
                                                                      team):
    alice.ok("send", "team", "before carol")
    time.sleep(0.01)
    carol.ok("join", alice.ok("invite", "team").out.strip())
    time.sleep(0.01)
    alice.ok("send", "team", "after carol")
    # Made before the app starts: creating an account in-process on the app's own thread
    # while it runs failed now and then ("database connection not opened"; see the note).
    dave = make_user("dave")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "carol joined" in screen_text(app))
        wanted = ["bob joined as writer (invited by alice)", "before carol",
                  "carol joined as writer (invited by alice)", "after carol"]
        shown = [next(i for i, line in enumerate(lines(app)) if text in line) for text in wanted]
        assert shown == sorted(shown), lines(app)
        assert "-- │ carol joined as writer (invited by alice)" in screen_text(app)
        assert log_bodies(app) == ["before carol", "after carol"], "events are no messages"

        time.sleep(0.01)
        assert dave.spawn("join", alice.ok("invite", "team").out.strip()).code == 0
        await wait_for(pilot, lambda: "dave joined as writer" in screen_text(app))
        time.sleep(0.01)
        assert bob.spawn("send", "team", "welcome dave").code == 0
        # The join moved the membership: the log reads its window again (a cut may have taken
        # rows out: MessageLog.membership_is) and lays it out anew when that read is back.
        # Loaded, that came back after "welcome dave" showed now and then, inside the span
        # counted below (1 of 30 runs at load 16): the log must have settled first.
        log = app.screen.query_one(MessageLog)
        await wait_for(pilot, lambda: "welcome dave" in screen_text(app) and not log.busy)
        # The first message from another after the read marker drew "new messages" (a full
        # layout); the next is appended to the lines, events and all, not laid out anew.
        builds = []
        build = log.line_layout.build
        log.line_layout.build = lambda *args, **kw: (builds.append(1), build(*args, **kw))[1]
        assert bob.spawn("send", "team", "and again").code == 0
        await wait_for(pilot, lambda: "and again" in screen_text(app))
        assert not builds, "a live message after the events is appended, not laid out anew"
        alice.ok("remove", "team", "dave")
        await wait_for(pilot, lambda: "alice removed dave" in screen_text(app))
        text = screen_text(app)
        assert (text.index("after carol") < text.index("dave joined")
                < text.index("welcome dave") < text.index("alice removed dave"))


async def test_a_forged_membership_change_shows_as_forged_never_as_an_event(alice: User,
                                                                           bob: User,
                                                                           carol: User, team):
    bob.ok("send", "team", "still here")
    Forger(carol.home).change(alice.hub / f"{team}.db", team, "remove", Forger(bob.home).user_id)
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "forged" in screen_text(app))
        [first] = [line for line in lines(app) if "forged" in line]
        assert "⚠" in first.split("│")[0] and "forged, not applied: signer is not a member" in first
        item = " ".join(line.split("│")[1].strip() for line in lines(app)[lines(app).index(first):])
        assert item.startswith("forged, not applied") and "(claims: " in item
        assert "removed bob" in item.split("(claims: ")[1], "what it claimed, inside the flag"
        assert "bob joined as writer" in screen_text(app)  # the genuine event stays


async def test_a_message_that_mentions_the_reader_has_a_bar(alice: User, bob: User, team):
    question = alice.ok("send", "team", "who takes the changelog?").out.strip()
    bob.ok("send", "team", "@alice look at this\nsecond line")
    bob.ok("send", "team", "me", "--reply-to", question)
    bob.ok("send", "team", "alicebob is not alice's handle as a word either way? no: alice")
    bob.ok("send", "team", "nobody named")
    app = make_app(alice, "team")
    # Wide enough that the buffer list beside the log leaves the long line unwrapped.
    async with app.run_test(size=(150, 30)) as pilot:
        await wait_for(pilot, lambda: "nobody named" in screen_text(app))
        await wait_for(pilot, lambda: "┃" in screen_text(app))
        barred = [line for line in lines(app) if "┃" in line]
        assert any("@alice look at this" in line for line in barred)
        assert any("second line" in line for line in barred), "every line of the message"
        assert any(line.endswith("┃ me") for line in barred), "a reply to her message"
        assert any("either way? no: alice" in line for line in barred)
        assert not any("nobody named" in line for line in barred)
        assert any(line.endswith("│ who takes the changelog?") for line in lines(app)), \
            "her own message mentions nobody (the reply's quote of it is in the reply's bar)"
        log = app.screen.query_one(MessageLog)
        bars = [segment for strip in log.rendered_lines for segment in strip
                if segment.text == " ┃ "]
        assert bars and all(segment.style.bold for segment in bars)


async def test_links_in_genuine_messages_only_their_visible_text_the_target(alice: User,
                                                                           bob: User,
                                                                           carol: User, team):
    url = "https://example.com/wiki/Foo_(bar)"
    bob.ok("send", "team", f"docs at {url}, then (https://example.org/x).")
    Forger(carol.home).message(alice.hub / f"{team}.db", team, "log in at https://evil.example/")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "evil.example" in screen_text(app))
        log = app.screen.query_one(MessageLog)
        linked: dict[str, str] = {}
        for strip in log.rendered_lines:
            for segment in strip:
                if isinstance(segment.style, Style) and segment.style.link:
                    linked[segment.style.link] = linked.get(segment.style.link, "") + segment.text
        assert linked == {url: url, "https://example.org/x": "https://example.org/x"}
        # What the terminal is sent: OSC 8 around exactly the URL, for the line on screen.
        y = next(i for i, line in enumerate(lines(app)) if url in line) - int(log.scroll_y)
        written = log.render_line(y).render(app.console)
        sgr = r"(?:\x1b\[[0-9;]*m)*"
        assert re.search(rf"\x1b\]8;id=\d+;{re.escape(url)}\x1b\\{sgr}{re.escape(url)}{sgr}"
                         r"\x1b\]8;;\x1b\\", written), written
        forged_y = next(i for i, line in enumerate(lines(app)) if "evil.example" in line)
        assert "\x1b]8;" not in log.render_line(forged_y - int(log.scroll_y)).render(app.console)
        assert url_spans("log in at https://evil.example/"), "it would be a link if genuine"


async def test_a_long_message_folds_beyond_twenty_lines_and_shows_whole_when_expanded(
        alice: User, bob: User, team):
    long = "\n".join(f"row {n:02}" for n in range(1, 31))
    exact = "\n".join(f"fits {n:02}" for n in range(1, FOLD_LINES + 1))
    bob.ok("send", "team", long)
    bob.ok("send", "team", exact)
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 80)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 2)
        text = screen_text(app)
        assert f"row {FOLD_LINES:02}" in text and f"row {FOLD_LINES + 1:02}" not in text
        assert under(app, f"row {FOLD_LINES:02}").endswith("│ … 10 more lines")
        assert f"fits {FOLD_LINES:02}" in text and "more line" not in text.split("fits 01")[1]
        log = app.screen.query_one(MessageLog)
        log.set_expanded({log.views[0].id})
        await pilot.pause()
        assert "row 30" in screen_text(app) and "more lines" not in screen_text(app)
        log.set_expanded(set())
        await pilot.pause()
        assert "row 30" not in screen_text(app) and "… 10 more lines" in screen_text(app)
