"""One mention rule (core.mentions) for the unread counts, the group list and the log's
highlight: a handle as a word, or a reply to one's own genuine message."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.mentions import mentions, mentions_view, names
from peers_tui.testing.forge import Forger
from tests.conftest import User


@pytest.mark.parametrize("body, expected", [
    ("bob", True), ("@bob", True), ("hey bob, look", True), ("Bob: lunch?", True),
    ("(@BOB)", True), ("ask bob.", True), ("bobby", False), ("@bobcat", False),
    ("kebob", False), ("bob_2", False), ("rebob it", False), ("", False),
])
def test_a_handle_counts_only_as_a_word(body, expected):
    assert names(body, "bob") is expected


def test_handles_with_punctuation_are_matched_literally():
    assert names("thanks a.b!", "a.b") and not names("thanks axb", "a.b")
    assert names("ping @x-ray", "x-ray") and not names("x-rays", "x-ray")
    assert not names("anything", "") and not names("anything", None)


def test_a_reply_to_ones_message_mentions_one():
    assert mentions("sure", "bob", reply_author_id="B", user_id="B")
    assert not mentions("sure", "bob", reply_author_id="A", user_id="B")


def mention_count(user: User, group: str = "team") -> int:
    [found] = [g for g in user.ok("groups", "--json").json() if g["name"] == group]
    return found["mentions"]


def test_group_list_counts_handles_as_words_and_replies(alice: User, bob: User, team):
    mine = alice.ok("send", "team", "lunch?").out.strip()
    alice.ok("log", "team")  # read: the counts start from here
    bob.ok("send", "team", "alice, yes")                 # the handle without @
    bob.ok("send", "team", "@alicebot is a bot")         # not alice
    bob.ok("send", "team", "sounds good", "--reply-to", mine)  # a reply to alice
    assert mention_count(alice) == 2


def test_a_reply_to_a_message_forged_as_yours_is_no_mention(alice, bob, carol, team):
    genuine = alice.ok("send", "team", "genuine").out.strip()
    alice.ok("log", "team")
    bob.ok("send", "team", "to the real one", "--reply-to", genuine)
    db = alice.hub / f"{team}.db"
    alice_id = Forger(alice.home).user_id
    # carol writes a message into the file claiming (in its columns) to be alice's
    fake = Forger(carol.home).message(db, team, "fake", columns={"author": alice_id,
                                                                  "author_seq": 500})
    bob.ok("send", "team", "replying", "--reply-to", fake)
    assert mention_count(alice) == 1, "only the reply to alice's genuine message"


def test_the_log_highlight_uses_the_same_rule(alice: User, bob: User, team, hub: Path):
    mine = alice.ok("send", "team", "first").out.strip()
    bob.ok("send", "team", "ok", "--reply-to", mine)
    bob.ok("send", "team", "hey alice")
    bob.ok("send", "team", "alicex")
    account = Account(alice.home, hub)
    views = account.log("team")[0]
    marked = [v.body for v in views if mentions_view(v, account.handle, account.user_id)]
    assert marked == ["ok", "hey alice"], "alice's own message mentions nobody"
