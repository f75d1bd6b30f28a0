"""Hostile handles and group names, written as an attacker with a modified client would:
signed with the user's own key and stored straight into the files, past every input check
(through peers_tui.testing.forge)."""

from __future__ import annotations

from peers_tui.testing.forge import Forger
from peers_tui.testing.forge import found_group as forge_group
from tests.conftest import User

FAKE_LINE = "2020-01-01 00:00 <alice> pay"
# Markup, a title-setting escape, a bidi override, a zero-width space and a newline followed
# by a fake log line: every way a name could act instead of show, in a valid (<= 64) handle.
HOSTILE = f"x[/][@click=quit]\x1b]2;owned\x07\u202e\u200b[b]\n{FAKE_LINE}"


def found_group(user: User, name: str, handle: str | None = None) -> str:
    """A group whose genesis record carries `name` unchecked, listed in `user`'s Groups."""
    return forge_group(user.home, user.hub, name, handle or user.name)


def set_handle(user: User, group_id: str, handle: str) -> None:
    """`user` signs a change of their own handle to `handle` and appends it to the file."""
    Forger(user.home).set_handle(user.hub / f"{group_id}.db", group_id, handle)


# `zed` and 40 combining acute accents: terminals that draw marks outside their cell stack
# them over the lines around (core.marks); shown with at most four on a character.
ZALGO = "zed" + "\u0301" * 40


def stacked(text: str) -> int:
    """The longest run of combining marks in `text`, counted independently of core.marks."""
    import unicodedata

    most = count = 0
    for char in text:
        mark = unicodedata.category(char) in ("Mn", "Me") or unicodedata.combining(char)
        count = count + 1 if mark else 0
        most = max(most, count)
    return most


def zalgo_group(alice: User, bob: User) -> str:
    """A group named `g` + 40 marks, its topic `topic` + 40, bob's handle ZALGO and a body
    `hello` + 40 of his: all signed with the members' own keys, the names and the topic
    written straight into the file past every check."""
    group = found_group(alice, "g" + "\u0301" * 40)
    bob.ok("join", alice.ok("invite", group).out.strip())
    bob.ok("send", group, "hello" + "\u0302" * 40)  # a body may hold them: cut when shown
    set_handle(bob, group, ZALGO)  # after his post: posting signs his own handle back
    Forger(alice.home).topic(alice.hub / f"{group}.db", group, "topic" + "\u0303" * 40)
    return group
