"""The backfill frontier (core/frontier.py): a chain place below it is "not yet received", its
successor judged on its own signed data; above it every rule holds as in a complete file."""

from __future__ import annotations

from peers_tui.core import frontier
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from tests.conftest import User


def states(user: User) -> dict[str, str | None]:
    return {m["body"]: m.get("problem") for m in user.ok("log", "team", "--json").json()}


def edit_file(user: User, group_id: str, work) -> None:
    store = GroupStore(user.hub / f"{group_id}.db", group_id)
    with store.session(), store.db.atomic():
        work(store.db)
    store.close()


def test_only_places_below_the_frontier_count_as_not_yet_received(alice: User, bob: User, team):
    for i in range(3):
        bob.ok("send", "team", f"bob {i}")
    for i in range(3):
        alice.ok("send", "team", f"alice {i}")
    ids = {m["body"]: m["id"] for m in alice.ok("log", "team", "--json").json()}
    bob_id = alice.ok("members", "team", "--json").json()[1]["id"]
    alice_id = alice.ok("members", "team", "--json").json()[0]["id"]

    def cut(db) -> None:  # bob's two oldest not received; alice's "alice 1" gone above her floor
        Message.delete().where(Message.id.in_([ids["bob 0"], ids["bob 1"], ids["alice 1"]])).execute()
        frontier.begin(db, 6, 10, 5)
        frontier.lower(db, {bob_id: 3, alice_id: 2})

    edit_file(alice, team, cut)
    found = states(alice)
    assert found["bob 2"] is None  # its predecessor lies below bob's floor: judged on its own
    assert found["alice 2"] == "an earlier record by this author is missing (history deleted)"
    assert "earlier history not yet received (3 of 6 here)" in alice.ok("log", "team").out
    assert "not yet received" in alice.run("log", "team", "--limit", "1").err
    edit_file(alice, team, frontier.finish)  # complete: every rule as before
    assert states(alice)["bob 2"] == "an earlier record by this author is missing (history deleted)"
    assert "not yet received" not in alice.run("log", "team").out + alice.run("log", "team").err


def test_verify_says_a_file_with_a_frontier_is_incomplete(alice: User, bob: User, team):
    """Anyone who can write the file can add a frontier, so that deleted history reads as "not
    yet received" in the log: `peers verify` does not call such a file clean."""
    for i in range(3):
        bob.ok("send", "team", f"bob {i}")
    ids = {m["body"]: m["id"] for m in alice.ok("log", "team", "--json").json()}
    bob_id = alice.ok("members", "team", "--json").json()[1]["id"]
    assert alice.run("verify", "team").code == 0

    def hide_a_deletion(db) -> None:
        Message.delete().where(Message.id == ids["bob 0"]).execute()
        frontier.begin(db, 3, 10, 5)
        frontier.lower(db, {bob_id: 2})

    edit_file(alice, team, hide_a_deletion)
    result = alice.run("verify", "team")
    assert result.code == 1
    assert "incomplete: earlier history not yet received (2 of 3 here)" in result.out


def test_a_removal_during_a_walk_cuts_at_the_newest_record_held(alice: User, bob: User, team):
    """A removal made while a join's walk is under way (docs/relay.md, "The cut over a join's
    walk"): the places below bob's floor are history on its way, so the cut is not at nothing
    (which voided all his records naming an older state, on every host); a gap at or above
    his floor still ends what was seen, as in a complete file."""
    import json
    import sqlite3

    from peers_tui.core.encoding import record_hash

    for i in range(5):  # bob's chain places 1-5
        bob.ok("send", "team", f"bob {i}")
    ids = {m["body"]: m["id"] for m in alice.ok("log", "team", "--json").json()}
    bob_id = alice.ok("members", "team", "--json").json()[1]["id"]
    path = alice.hub / f"{team}.db"
    with sqlite3.connect(path) as db:
        seen = db.execute("SELECT record FROM message WHERE id = ?", (ids["bob 2"],)).fetchone()[0]

    def mid_walk(db) -> None:  # places 1-2 not received yet (floor 3); place 4 gone above it
        Message.delete().where(Message.id.in_([ids["bob 0"], ids["bob 1"], ids["bob 3"]])).execute()
        frontier.begin(db, 5, 10, 5)
        frontier.lower(db, {bob_id: 3})

    edit_file(alice, team, mid_walk)
    alice.ok("remove", "team", "bob")
    with sqlite3.connect(path) as db:
        change = json.loads(db.execute("SELECT record FROM group_members ORDER BY seq DESC"
                                       " LIMIT 1").fetchone()[0])
    assert change["action"] == "remove" and change["cut"] == [3, record_hash(seen)]


def test_a_cut_is_refused_while_the_walk_has_met_nothing_of_the_member(alice: User, bob: User,
                                                                       team):
    """The walk has not met bob (no floor, no message of his here): a removal would cut at
    nothing and void all his messages on every host, so it is refused with one line until
    the history is here; a promotion cuts nothing and goes through."""
    for i in range(3):
        bob.ok("send", "team", f"bob {i}")
    bob_id = alice.ok("members", "team", "--json").json()[1]["id"]

    def not_met(db) -> None:
        Message.delete().where(Message.author == bob_id).execute()
        frontier.begin(db, 3, 10, 5)

    edit_file(alice, team, not_met)
    refused = alice.run("remove", "team", "bob")
    assert refused.code != 0 and refused.err.count("\n") == 1, refused.err
    assert "bob's messages have not reached this host yet (history 0 of 3 received)" in refused.err
    assert "Traceback" not in refused.err
    assert [m["handle"] for m in alice.ok("members", "team", "--json").json()] == ["alice", "bob"]
    alice.ok("role", "team", "bob", "admin")  # a promotion: no cut
    edit_file(alice, team, frontier.finish)
    alice.ok("remove", "team", "bob")


def test_a_cut_made_mid_walk_is_marked_for_the_hubs_check(alice: User, bob: User, team):
    """On a leaf, a removal, demotion or leave made while the file's walk is under way names
    the hub's head of the member, and its proposal asks the hub to check that it holds that
    record (relay/hub_cut.py; docs/relay.md, "Removal during a join's walk, second round").
    The mark is read inside the writing session, from the file bound there."""
    from peers_tui.relay.ordering import held_cut

    store = GroupStore(alice.hub / f"{team}.db", team)
    try:
        with store.session():
            assert held_cut({"action": "remove"}) == {}  # a complete file: not asked of the hub
        edit_file(alice, team, lambda db: frontier.begin(db, 3, 10, 5))
        with store.session():
            assert [held_cut({"action": action}) for action in ("remove", "role", "leave")] \
                == [{"Peers-Cut-Held": "1"}] * 3
            assert held_cut({"action": "handle"}) == held_cut({"action": "join"}) == {}
    finally:
        store.close()
