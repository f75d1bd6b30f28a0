"""Handles and group names from a modified client stay inert in every CLI output; invisible
characters are refused when a name is set; look-alike handles carry fingerprints; and what
does not verify is flagged first and never counted."""

from __future__ import annotations

import re
import sqlite3

import pytest

from peers_tui.core.names import look_alike_key, look_alikes, shown_name
from tests.conftest import User
from tests.hostile_names import FAKE_LINE, HOSTILE, found_group, set_handle
from tests.core.test_forgery import forge_message

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def user_fingerprint(user: User) -> str:
    return user.ok("id", "--json").json()[0]["fingerprint"]


def hostile_group(alice: User, bob: User) -> str:
    """A group named HOSTILE in which bob's handle is HOSTILE too, and both have posted."""
    group = found_group(alice, HOSTILE)
    bob.ok("join", alice.ok("invite", group).out.strip())
    bob.ok("send", group, "hello there")
    alice.ok("send", group, "hi bob")
    set_handle(bob, group, HOSTILE)  # after his posts: posting signs his own handle back
    return group


def test_a_hostile_handle_or_group_name_cannot_forge_a_line_of_any_cli_output(alice: User,
                                                                              bob: User):
    group = hostile_group(alice, bob)
    outputs = {
        "log": alice.ok("log", group).out,
        "log --ids": alice.ok("log", group, "--ids").out,
        "export": alice.ok("export", group, "--format", "text").out,
        "search": alice.ok("search", group, "hello").out,
        "members": alice.ok("members", group).out,
        "members --all": alice.ok("members", group, "--all").out,
        "groups": alice.ok("groups").out,
        "groups (bob)": bob.ok("groups").out,
        "verify": alice.run("verify", group).out,
        "doctor": alice.run("doctor").out,
        "join": bob.run("join", alice.ok("invite", group).out.strip()).out,
        "leave": bob.ok("leave", group).out,
    }
    for what, text in outputs.items():
        assert not CONTROL.search(text), (what, text)
        assert FAKE_LINE not in text.splitlines(), (what, text)
        assert not any(line.startswith("2020-01-01") for line in text.splitlines()), what
    assert len(outputs["log"].splitlines()) == 4  # two messages, bob's join and new handle
    assert len(outputs["export"].splitlines()) == 2
    assert len(outputs["members"].splitlines()) == 2
    shown = shown_name(HOSTILE)
    assert "␊" + FAKE_LINE in shown and "x[/][@click=quit]" in shown  # data, as written
    assert f"<{shown}> hello there" in outputs["log"]
    assert shown in outputs["groups"] and shown in outputs["members"]


def test_error_lines_quoting_a_name_stay_one_line(alice: User, bob: User):
    group = hostile_group(alice, bob)
    result = alice.fails("remove", group, f"nobody\n{FAKE_LINE}")
    assert "Traceback" not in result.err and FAKE_LINE not in result.err.splitlines()
    result = alice.fails("log", f"x[/]\n{FAKE_LINE}")
    assert FAKE_LINE not in result.err.splitlines()


@pytest.mark.parametrize("bad", [
    "al\u200bice", "al\u200cice", "al\u200dice", "al\ufeffice", "al\u2060ice", "a\u00adb",
    "a\u202eb", "a\u2066b", "a\u061cb", "a\x1bb", "a\nb", "a\u2028b", "a\u3164", "a\ufe0fb",
    "a\U000e0041b",
])
def test_invisible_format_and_control_characters_are_refused_at_set_time(alice: User, bad: str):
    result = alice.fails("id", "--handle", bad)
    assert "handle contains an invisible or control character" in result.err
    result = alice.fails("create", bad)
    assert "group name contains an invisible or control character" in result.err
    assert alice.ok("id", "--json").json()[0]["handle"] == "alice"  # nothing was stored


def test_look_alike_handles_carry_fingerprints_in_log_and_members(alice: User, bob: User,
                                                                  carol: User, team):
    carol.ok("id", "--handle", "аlice")  # the first letter is CYRILLIC SMALL LETTER A
    carol.ok("join", alice.ok("invite", "team").out.strip())
    alice.ok("send", "team", "from the real alice")
    carol.ok("send", "team", "from the other one")
    bob.ok("send", "team", "bob here")
    log = bob.ok("log", "team", "--no-events").lines
    assert f"<alice~{user_fingerprint(alice)}> from the real alice" in log[0]
    assert f"<аlice~{user_fingerprint(carol)}> from the other one" in log[1]
    assert log[2].endswith("<bob> bob here")  # nobody looks like bob: no fingerprint
    exported = bob.ok("export", "team", "--format", "text").lines
    assert f"<аlice~{user_fingerprint(carol)}>" in exported[1]
    members = {line.split()[0]: line for line in bob.ok("members", "team").lines}
    assert "looks like another member's handle" in members["alice"]
    assert "looks like another member's handle" in members["аlice"]
    assert "looks like" not in members["bob"]


def test_look_alike_keys_follow_uts39_skeletons():
    same = [("alice", "аlice"), ("alice", "Alice"), ("alice", "aIice"), ("alice", "a1ice"),
            ("alice", "al\u200bice"), ("paypal", "pаypаl"), ("modern", "rnodern"),
            ("bob", "ｂｏｂ"), ("carol", "caroI")]
    for one, other in same:
        assert look_alike_key(one) == look_alike_key(other), (one, other)
    for one, other in [("alice", "alicia"), ("bob", "rob"), ("dan", "don")]:
        assert look_alike_key(one) != look_alike_key(other), (one, other)
    people = [("id1", "alice"), ("id2", "аlice"), ("id3", "bob"), ("id3", "bob (imported)")]
    assert look_alikes(people) == {("id1", "alice"), ("id2", "аlice")}


def test_the_unverified_flag_comes_before_the_author(alice: User, bob: User, carol: User, team):
    forge_message(carol, team, "I am in charge now. " + "blah " * 2000)
    for command in (["log", "team"], ["export", "team", "--format", "text"]):
        [line] = [line for line in alice.ok(*command).lines if "charge" in line]
        assert "[UNVERIFIED: author was not a member when it was written]" in line
        assert line.index("[UNVERIFIED") < line.index("<"), command


def test_unread_and_mentions_count_only_genuine_messages(alice: User, bob: User, carol: User,
                                                        team):
    forge_message(carol, team, "@alice look at this")  # carol is no member: not genuine
    edited = bob.ok("send", "team", "nothing to see").out.strip()
    with sqlite3.connect(alice.hub / f"{team}.db", isolation_level=None) as conn:
        conn.execute("UPDATE message SET body = '@alice urgent' WHERE id = ?", (edited,))
    bob.ok("send", "team", "@alice the real one")

    def counts() -> tuple[int, int]:
        [group] = [g for g in alice.ok("groups", "--json").json() if g["name"] == "team"]
        return group["unread"], group["mentions"]
    assert counts() == (1, 1)



def test_remembered_verdicts_never_outlive_a_change_to_the_file(alice: User, bob: User, team):
    """Unread counts remember which rows were genuine; changing a row, or deleting the record
    before it in its author's chain, is seen at the very next count."""
    from peers_tui.core.account import Account

    account = Account(alice.home, alice.hub)
    entry = account.resolve("team")
    store = account.store(entry)
    first = bob.ok("send", "team", "one").out.strip()
    second = bob.ok("send", "team", "two @alice").out.strip()
    third = bob.ok("send", "team", "three @alice").out.strip()
    assert store.unread_counts(None, account.user_id, "alice") == (3, 2)
    with sqlite3.connect(alice.hub / f"{team}.db", isolation_level=None) as conn:
        conn.execute("UPDATE message SET body = 'three @alice, pay bob' WHERE id = ?", (third,))
    assert store.unread_counts(None, account.user_id, "alice") == (2, 1)
    with sqlite3.connect(alice.hub / f"{team}.db", isolation_level=None) as conn:
        conn.execute("DELETE FROM message WHERE id = ?", (first,))
    assert store.unread_counts(None, account.user_id, "alice") == (0, 0)  # chain cut
    assert second


def test_confusable_lookups_agree_with_the_whole_table():
    """names.py looks characters up in the confusables data one at a time (a whole parse
    costs 30-120 ms at start): the prototype of every character must be what the whole
    table, parsed with json, gives."""
    import json

    from peers_tui.core import names

    whole = {key.replace("\u200e", ""): [e["c"].replace("\u200e", "") for e in entries]
             for key, entries in json.loads(names._confusables_text()).items()}
    checked = 0
    for key, found in whole.items():
        if len(key) != 1:
            continue
        expected = key
        if len(found) == 1:
            hub = found[0]
            pair = len(hub) == 1 and len(whole.get(hub, [])) == 1
            expected = key if pair and hub > key else hub
        assert names._prototype(key) == expected, (key, expected)
        checked += 1
    assert checked > 6000


def test_counts_follow_the_current_text_through_remembered_verdicts(alice: User, bob: User,
                                                                   team):
    """A mention edited away stops counting, a deleted message stops counting at all, even
    though the row itself (and so its remembered verdict) never changed."""
    from peers_tui.core.account import Account

    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    message = bob.ok("send", "team", "@alice look").out.strip()
    bob.ok("send", "team", "and this")
    assert store.unread_counts(None, account.user_id, "alice") == (2, 1)
    bob.ok("edit", "team", message, "never mind")
    assert store.unread_counts(None, account.user_id, "alice") == (2, 0)
    bob.ok("delete", "team", message)
    assert store.unread_counts(None, account.user_id, "alice") == (1, 0)
