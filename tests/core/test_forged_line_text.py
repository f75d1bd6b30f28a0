"""A forged change's line under its message names its author's fingerprint: the first
characters of the row's author column, which anyone able to write the file sets (docs/relay.md
"Twelfth attack pass"). It went to the terminal as it was, escape sequences and all, in `peers
log` and in the app, where every other text of a row goes through `inert`."""

from __future__ import annotations

import sqlite3

from tests.core.test_validity import path

HOSTILE = "\x1b]0;pwned\x07\x1b[2J"


def _junk_edit(alice, team: str, target: str) -> None:
    with sqlite3.connect(path(alice, team)) as conn:
        conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                     " record, sig, target) VALUES ('01ZZZZZZZZZZZZZZZZZZZZZZZZ', ?, 1, 'edit',"
                     " 0, 'x', '{}', x'00', ?)", (HOSTILE, target))


def test_a_forged_changes_author_column_reaches_no_terminal_raw(alice, bob, team):
    bob.ok("send", "team", "genuine")
    [target] = [m["id"] for m in alice.ok("log", "team", "--json").json()
                if m["body"] == "genuine"]
    _junk_edit(alice, team, target)
    shown = alice.ok("log", "team").out
    assert "UNVERIFIED edit" in shown, shown
    assert "\x1b" not in shown and "\x07" not in shown, repr(shown)


async def test_the_apps_forged_line_is_inert(alice, bob, team):
    from tests.tui_helpers import make_app, screen_text, wait_for
    bob.ok("send", "team", "genuine")
    [target] = [m["id"] for m in alice.ok("log", "team", "--json").json()
                if m["body"] == "genuine"]
    _junk_edit(alice, team, target)
    app = make_app(alice, "team")
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: "forged edit" in screen_text(app))
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text, repr(text)
