"""Selection mode's other actions (react, who reacted, open a link, go to the message replied
to) and the slash commands that name a message by id prefix or -N."""

from __future__ import annotations

import webbrowser

from peers_tui.screens.reaction_picker import ReactionPicker
from tests.conftest import User
from tests.tui.test_chat_paging import import_numbered
from tests.tui.test_selection import selected_body, selected_in_view, settled, start_selecting
from tests.tui_helpers import log_bodies, make_app, type_text, wait_for


def reactions_of(app, body: str) -> dict[str, int]:
    view = next(v for v in app.chat.log_views() if v.body == body)
    return {r.emoji: r.count for r in view.reactions}


def unique_prefix(message_id: str, ids: list[str]) -> str:
    size = 6
    while any(other != message_id and other.startswith(message_id[:size]) for other in ids):
        size += 1
    return message_id[:size]


def notified(app, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def test_a_reaction_is_added_and_taken_back_through_the_picker(alice: User, bob: User,
                                                                     team):
    bob.ok("send", "team", "ship it?")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 1)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ReactionPicker))
        await pilot.press("down", "down", "down", "enter")  # the fourth: 🎉
        await wait_for(pilot, lambda: reactions_of(app, "ship it?") == {"🎉": 1})
        assert bob.ok("log", "team", "--json").json()[0]["reactions"] == {"🎉": 1}
        await pilot.press("a")  # still selected: the picker marks 🎉 as ours
        await wait_for(pilot, lambda: isinstance(app.screen, ReactionPicker))
        await pilot.press(*"🚀", "enter")  # any emoji, typed
        await wait_for(pilot, lambda: reactions_of(app, "ship it?") == {"🎉": 1, "🚀": 1})
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ReactionPicker))
        await pilot.press("down", "down", "down", "enter")  # 🎉 again: taken back
        await wait_for(pilot, lambda: reactions_of(app, "ship it?") == {"🚀": 1})
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ReactionPicker))
        await pilot.press(*"nope", "enter")  # not an emoji: told, nothing stored
        await wait_for(pilot, lambda: notified(app, "is not an emoji"))
    reactions = alice.ok("log", "team", "--json").json()[0]["reactions"]
    assert list(reactions) == ["🚀"]


async def test_who_reacted_lists_emoji_and_names(alice: User, bob: User, team):
    alice.ok("send", "team", "lunch?")
    bob.ok("react", "team", "-1", "👍")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 1)
        await pilot.press("w")
        await wait_for(pilot, lambda: notified(app, "👍 bob"))


async def test_open_link_opens_a_genuine_messages_first_url(alice: User, bob: User, team,
                                                            monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    bob.ok("send", "team", "see https://example.org/pr/7, then https://example.com")
    bob.ok("send", "team", "no link here")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await start_selecting(pilot, 2)
        await pilot.press("o")
        await wait_for(pilot, lambda: notified(app, "has no link"))
        await pilot.press("up", "o")
        await wait_for(pilot, lambda: opened == ["https://example.org/pr/7"])


async def test_go_to_the_replied_message_far_back_in_a_long_history(alice: User, team,
                                                                    tmp_path):
    import_numbered(alice, "team", 3000, tmp_path)
    first = alice.ok("log", "team", "--json", "--limit", "3000").json()[10]
    assert first["body"] == "message 10"
    alice.ok("send", "team", "--reply-to", first["id"], "about message 10")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        log = await start_selecting(pilot, 20)
        assert selected_body(app) == "about message 10"
        await pilot.press("g")
        await wait_for(pilot, lambda: selected_body(app) == "message 10")
        await settled(pilot, log)
        assert selected_in_view(log) and app.focused is log
        await pilot.press("down")  # selection goes on from there
        await wait_for(pilot, lambda: selected_body(app) == "message 11")


async def test_slash_commands_name_a_message_by_id_prefix(alice: User, bob: User, team):
    bob.ok("send", "team", "first from bob")
    bob.ok("send", "team", "second from bob")
    alice.ok("send", "team", "mine")
    ids = [row["id"] for row in alice.ok("log", "team", "--json").json()]
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 3)
        await type_text(pilot, f"/reply {ids[0][:10].lower()} to the first")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(log_bodies(app)) == 4)
        await type_text(pilot, f"/copy {ids[1][:6]}")  # the same millisecond: ambiguous
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "ambiguous"))
        await type_text(pilot, f"/copy {unique_prefix(ids[1], ids)}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard == "second from bob")
        await type_text(pilot, f"/edit {ids[2][:12]} mine, edited")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "mine, edited" in log_bodies(app))
        await type_text(pilot, f"/edit {ids[0][:12]} not mine")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "only edit your own"))
        await type_text(pilot, f"/react 🎉 {ids[0][:10]}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: reactions_of(app, "first from bob") == {"🎉": 1})
        await type_text(pilot, "/react 👀")  # the newest message
        await pilot.press("enter")
        await wait_for(pilot, lambda: reactions_of(app, "to the first") == {"👀": 1})
        await type_text(pilot, "/react 👀 -1")  # toggled off again
        await pilot.press("enter")
        await wait_for(pilot, lambda: reactions_of(app, "to the first") == {})
    log = alice.ok("log", "team", "--json").json()
    assert log[3]["reply_to"] == ids[0] and log[3]["body"] == "to the first"


async def test_the_palette_offers_selection_actions(alice: User, bob: User, team):
    from peers_tui.commands.palette import PeersCommands
    bob.ok("send", "team", "pick me")
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(log_bodies(app)) == 1)
        labels = [label for label, _, _ in PeersCommands(app.screen)._entries()]
        assert "React (a (selecting))" in labels and "Edit last (Alt+E)" in labels
        await pilot.press("ctrl+p", *"Select (Alt+S")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: selected_body(app) == "pick me")
        await pilot.press("ctrl+p", *"React (a")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReactionPicker))
