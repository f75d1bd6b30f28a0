"""Many records aimed at one message (issue 15): a window's read judges only the change of
each (author, message, emoji) or (author, message, kind) that would hold, falling back when it
fails (core.effect_plan), refuses junk by its structure before any signature, and folds the
forged lines under the message (core.views.folded_changes), in `peers log` and the TUI.

The work is bounded by counting the rows check_row judges (row_checks.CHECKED), not by time.
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core import row_checks
from peers_tui.core.account import Account
from peers_tui.core.views import MessageView
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.crowded_helpers import JUNK, crowd, junk_edits, signed, toggles

def window(user: User, group: str = "team") -> list[MessageView]:
    """`peers log`'s window, through the same Account call, in this process."""
    return Account(user.home, user.hub).log(group, 50)[0]


@pytest.fixture
def crowded(alice: User, bob: User, team: str) -> dict[str, str]:
    return crowd(alice, bob, team)


def test_a_window_with_thousands_of_changes_judges_a_few(alice: User, crowded):
    before = row_checks.CHECKED["rows"]
    [view] = [v for v in window(alice) if v.id == crowded["target"]]
    judged = row_checks.CHECKED["rows"] - before
    assert view.body == "target, edited" and view.edited and view.verified
    assert [(r.emoji, r.count) for r in view.reactions] == [("👍", 1)]
    assert len(view.forged_changes) == JUNK, "every junk row above the genuine edit is named"
    assert {c.reason for c in view.forged_changes} == {
        "row does not match its signed record (edited in the file)", "record is not valid JSON"}
    # The message, bob's newest toggle, alice's edit and the join event's rows: a handful,
    # where every read judged all 7,002 changes before (and checked 12,006 signatures).
    assert judged <= 10, judged


def test_peers_log_folds_the_forged_lines(alice: User, crowded):
    lines = alice.ok("log", "team").lines
    where = next(i for i, line in enumerate(lines) if line.endswith("<alice> target, edited (edited)"))
    under = lines[where + 1:]
    assert under[0].strip() == "👍 1"
    assert len(under) == 3, under  # the reactions, then one line a kind of junk
    assert under[1].strip() == (
        "[2,500 UNVERIFIED edits of the message above by alice (" + under[1].split("(")[1]
        .split(")")[0] + "): row does not match its signed record (edited in the file)]")
    assert under[2].strip().startswith("[2,500 UNVERIFIED edits")
    assert under[2].strip().endswith("record is not valid JSON]")
    json_rows = [row for row in alice.ok("log", "team", "--json").json() if "target" in row]
    assert len(json_rows) == JUNK, "--json lists each forged record, for scripts"


def test_verify_still_names_every_forged_record(alice: User, crowded):
    report = alice.run("verify", "team")
    assert report.code == 1
    assert report.out.count("of message " + crowded["target"]) >= JUNK


def test_bounded_judging_gives_what_judging_everything_gives(alice, bob, carol, team):
    """A mixed set on two messages: genuine toggles by two people, a forged take-back on top
    of bob's (signed by carol, claiming his place), a reaction out of bob's chain, a removed
    member's reaction, a non-author's edit, genuine edits, junk above them; the bounded read
    and the full judgement agree on every outcome, and every forged record the bounded read
    names is forged in the full one too."""
    path = alice.hub / f"{team}.db"
    first = alice.ok("send", "team", "first").out.strip()
    second = bob.ok("send", "team", "second").out.strip()
    carol.ok("join", alice.ok("invite", "team").out.strip())
    toggles(Forger(bob.home), path, team, first, 5)
    toggles(Forger(alice.home), path, team, first, 4)
    toggles(Forger(bob.home), path, team, second, 3, "🎉")
    bob_forger, carol_forger = Forger(bob.home), Forger(carol.home)
    carol_forger.react(path, team, first, "👍", on=False,
                       columns={"author": bob_forger.user_id, "author_seq": 999})
    bob_forger.react(path, team, first, "🚀", aseq=500)  # out of his chain
    carol_forger.react(path, team, second, "👀")
    alice.ok("edit", "team", first, "first, edited")
    bob.ok("edit", "team", second, "second, edited")
    carol_forger.edit(path, team, first, "carol was here")
    alice.ok("remove", "team", "carol")
    carol_forger.react(path, team, first, "😄", mseq=1)  # under a state before her removal
    with sqlite3.connect(path) as conn:
        [(edit_id,)] = conn.execute("SELECT id FROM message WHERE kind = 'edit' AND target = ?"
                                    " AND author = ?", (first, Forger(alice.home).user_id))
    junk_edits(path, edit_id, 20)
    bob.ok("edit", "team", second, "second, edited again")

    from peers_tui.core.history import HistoryReader

    account = Account(alice.home, alice.hub)
    _, store = account.group_store("team")
    with store.session():
        from peers_tui.core.models import Message

        rows = list(Message.with_rowid().where(Message.target.is_null()))
        reader = HistoryReader(store.current_roster(), team)
        full, bounded = reader.judge(rows), reader.judge(rows, every=False)
    for message_id in (first, second):
        assert bounded.reactions.of(message_id) == full.reactions.of(message_id)
        assert bounded.edits.get(message_id) == full.edits.get(message_id)
    assert bounded.deleted == full.deleted
    assert bounded.reactions.of(first) and bounded.edits[second] == "second, edited again"
    named = {c.id: c.reason for cs in bounded.forged.values() for c in cs}
    every = {c.id: c.reason for cs in full.forged.values() for c in cs}
    assert len(named) >= 4 and set(named) <= set(every)
    assert len(bounded.skipped) + len(named) + sum(map(len, bounded.applied.values())) == sum(
        map(len, full.applied.values())) + len(every)
    shown = {v.id: v for v in window(alice)}
    assert [(r.emoji, r.count) for r in shown[first].reactions] == [
        (r.emoji, r.count) for r in full.reactions.of(first)]


def test_many_kinds_of_forged_change_fold_to_three_lines_and_the_reactions_line_to_16():
    from peers_tui.core.reactions import COMMON, Reaction, summary
    from peers_tui.core.views import FORGED_LINES, ForgedChange, folded_changes

    changes = tuple(ForgedChange(f"id{i}", "edit", f"author{i % 5}", f"name{i % 5}", "fp",
                                 f"reason {i % 5}") for i in range(50))
    lines, hidden = folded_changes(changes)
    assert [(change.author_id, count) for change, count in lines] == [
        ("author0", 10), ("author1", 10)] and len(lines) == FORGED_LINES - 1
    assert hidden == 30, "the third line says how many the first two left out"
    assert len(folded_changes(changes, expanded=True)[0]) == 5
    assert folded_changes(changes[:3]) == ([(change, 1) for change in changes[:3]], 0)

    emoji = [*COMMON, "🍕", "🍔", "🌮", "🍣", "🍩", "🍪", "🍫", "🍿", "🥐", "🥨"]
    line = summary(tuple(Reaction(e, ("someone",)) for e in emoji))
    assert line.endswith("🍿 1 … 2 more") and line.count(" 1") == 16


def test_a_members_flood_of_edits_of_someone_elses_message_is_judged_once(alice, bob, team):
    """bob signs 300 edits of alice's message (a modified client): every one is refused, and
    the first judged shows that none of his edits of it can hold."""
    first = alice.ok("send", "team", "first").out.strip()
    signed(Forger(bob.home), alice.hub / f"{team}.db", team, first,
           [{"type": "edit", "body": f"bob's {i}"} for i in range(300)])
    before = row_checks.CHECKED["rows"]
    [view] = [v for v in window(alice) if v.id == first]
    assert row_checks.CHECKED["rows"] - before <= 5
    assert view.body == "first" and not view.edited
    [change] = view.forged_changes
    assert change.reason == "edited by someone other than its author"
