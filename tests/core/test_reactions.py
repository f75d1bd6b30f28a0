"""Reactions (core.reactions): signed records judged like edits, toggled, counted in the log,
and attacked with records signed by keys the attacker holds (peers_tui.testing.forge)."""

from __future__ import annotations

import pytest

from peers_tui.core.reactions import is_emoji
from peers_tui.testing.forge import Forger
from tests.conftest import User


def db(user: User, group_id: str):
    return user.hub / f"{group_id}.db"


def messages(user: User, group: str = "team") -> list[dict]:
    return [row for row in user.ok("log", group, "--json").json() if row["kind"] != "event"]


def by_body(user: User, group: str = "team") -> dict[str, dict]:
    return {row["body"]: row for row in messages(user, group) if "target" not in row}


def forged_rows(user: User, group: str = "team") -> list[dict]:
    return [row for row in messages(user, group) if "target" in row]


@pytest.fixture
def posted(alice: User, bob: User, team: str) -> dict[str, str]:
    """Two messages in team: alice's "first" and bob's "second"; their ids by body."""
    return {"first": alice.ok("send", "team", "first").out.strip(),
            "second": bob.ok("send", "team", "second").out.strip()}


def test_reactions_toggle_and_count_in_log_json(alice: User, bob: User, posted):
    bob.ok("react", "team", posted["first"], "👍")
    alice.ok("react", "team", posted["first"], "👍")
    alice.ok("react", "team", posted["first"], "🎉")
    shown = by_body(alice)
    assert shown["first"]["reactions"] == {"👍": 2, "🎉": 1}
    assert shown["second"]["reactions"] == {}, "every message row has reactions, {} when none"

    bob.ok("react", "team", posted["first"], "👍")  # the same again: taken back
    assert by_body(bob)["first"]["reactions"] == {"👍": 1, "🎉": 1}
    bob.ok("react", "team", posted["first"], "👍")  # and put back
    assert by_body(bob)["first"]["reactions"] == {"👍": 2, "🎉": 1}


def test_log_shows_counts_under_the_message(alice: User, bob: User, posted):
    bob.ok("react", "team", posted["second"], "👍")
    alice.ok("react", "team", posted["second"], "👍")
    alice.ok("react", "team", posted["second"], "🎉")
    lines = alice.ok("log", "team").lines
    where = next(i for i, line in enumerate(lines) if line.endswith("<bob> second"))
    assert lines[where + 1].strip() == "👍 2 🎉 1"


def test_target_by_offset_and_id_prefix_and_who_reacted(alice: User, bob: User, posted):
    out = alice.ok("react", "team", "-1", "🚀").out  # the newest message: bob's "second"
    assert posted["second"] in out
    bob.ok("react", "team", posted["first"][:10].lower(), "❤️")
    alice.ok("react", "team", "-2", "❤️")  # the one before: alice's "first"
    found = alice.ok("reactions", "team", posted["first"], "--json").json()[0]
    assert [person["handle"] for person in found["reactions"]["❤️"]] == ["bob", "alice"]
    assert by_body(alice)["second"]["reactions"] == {"🚀": 1}
    assert "bob" in alice.ok("reactions", "team", "-2").out


@pytest.mark.parametrize("text", ["hello", "👍👍", "a", "👍 x", ":+1:", "\u200d", "1", "🇫"])
def test_reacting_with_anything_but_one_emoji_is_refused(alice: User, posted, text):
    result = alice.fails("react", "team", posted["first"], text)
    assert "not an emoji" in result.err


@pytest.mark.parametrize("text", ["👍", "❤️", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☕"])
def test_one_emoji_of_any_shape_is_accepted(text):
    assert is_emoji(text)


def test_readers_cannot_react(alice: User, carol: User, posted):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out.strip())
    result = carol.fails("react", "team", posted["first"], "👍")
    assert "readers cannot post" in result.err


def test_deleted_messages_take_no_reactions_and_show_none(alice: User, bob: User, posted):
    bob.ok("react", "team", posted["first"], "👍")
    alice.ok("delete", "team", posted["first"])
    assert alice.fails("react", "team", posted["first"], "👍").err.strip().endswith(
        "that message was deleted")
    assert [row["reactions"] for row in messages(alice) if row["id"] == posted["first"]] == [{}]


# ----------------------------------------------------------------- forged reactions
def test_a_non_members_reaction_counts_for_nothing_and_is_reported(alice, carol, posted, team):
    Forger(carol.home).react(db(alice, team), team, posted["first"], "👍")
    shown = by_body(alice)
    assert shown["first"]["reactions"] == {}
    assert shown["first"]["verified"] is True, "a forged reaction never makes its target doubtful"
    [forged] = forged_rows(alice)
    assert forged["kind"] == "react" and forged["target"] == posted["first"]
    assert forged["verified"] is False and "not a member" in forged["problem"]
    assert forged["reactions"] == {}, "a forged row has every key a message row has"
    report = alice.run("verify", "team")
    assert report.code == 1 and "react" in report.out


def test_a_forged_take_back_leaves_the_genuine_reaction(alice, bob, carol, posted, team):
    bob.ok("react", "team", posted["first"], "👍")
    bob_id = Forger(bob.home).user_id
    # carol (no member) signs a take-back; the row claims to be bob's in its columns.
    Forger(carol.home).react(db(alice, team), team, posted["first"], "👍", on=False,
                             columns={"author": bob_id, "author_seq": 999})
    assert by_body(alice)["first"]["reactions"] == {"👍": 1}


@pytest.mark.parametrize("emoji, on", [("not an emoji", True), ("👍", "yes"), (7, True),
                                       ("👍", None)])
def test_a_malformed_reaction_by_a_member_does_not_count(alice, bob, posted, team, emoji, on):
    Forger(bob.home).react(db(alice, team), team, posted["first"], emoji, on=on)
    assert by_body(alice)["first"]["reactions"] == {}
    [forged] = forged_rows(alice)
    assert "malformed react record" in forged["problem"]


def test_a_reaction_whose_row_was_altered_is_forged(alice, bob, posted, team):
    Forger(bob.home).react(db(alice, team), team, posted["first"], "👍",
                           columns={"body": "🎉"})
    assert by_body(alice)["first"]["reactions"] == {}
    assert "does not match its signed record" in forged_rows(alice)[0]["problem"]


def test_a_reaction_signed_after_removal_under_an_old_state_is_void(alice, bob, posted, team):
    forger = Forger(bob.home)
    old = forger.membership_head(db(alice, team))[0]
    alice.ok("remove", "team", "bob")
    forger.react(db(alice, team), team, posted["first"], "👍", mseq=old)
    assert by_body(alice)["first"]["reactions"] == {}
    assert "cut its author's chain (removed)" in forged_rows(alice)[0]["problem"]


def test_a_readers_forged_reaction_is_void(alice, carol, posted, team):
    carol.ok("join", alice.ok("invite", "team", "--role", "reader").out.strip())
    Forger(carol.home).react(db(alice, team), team, posted["first"], "👍")
    assert by_body(alice)["first"]["reactions"] == {}
    assert "needs a writer" in forged_rows(alice)[0]["problem"]


def test_toggling_follows_the_authors_chain_not_the_file_order(alice, bob, posted, team):
    """Which of bob's records holds is decided by his chain: a row filed into the file
    later (by rowid) with an earlier chain place does not undo his newer one."""
    forger = Forger(bob.home)
    path = db(alice, team)
    head, digest = forger.chain_head(path)
    forger.react(path, team, posted["first"], "👍", on=True)                  # aseq head+1
    second = forger.chain_head(path)
    forger.react(path, team, posted["first"], "👍", on=False, aseq=head + 2,  # take back
                 aprev=second[1])
    assert by_body(alice)["first"]["reactions"] == {}
    forger.react(path, team, posted["first"], "👍", on=True, aseq=head + 3,
                 aprev=forger.chain_head(path)[1])
    assert by_body(alice)["first"]["reactions"] == {"👍": 1}
    assert alice.run("verify", "team").code == 0
