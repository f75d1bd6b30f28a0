"""A direct conversation across hosts (fifteenth acceptance pass). alice on A wrote `peers dm bob
...`; her invitation reached bob's inbox on B before the group did (it is carried with the
presence; the group is fetched when he accepts). `peers dm alice` on B then founded a second
conversation instead of taking up hers: the invitation to a group not on this host yet was no
"direct" one (that is judged from the group's genesis), so each of them wrote into their own
conversation for good, and `peers invitations` listed hers as "alice invites you to direct
conversation (as None)". Now `peers dm` fetches a conversation offered from another host
through the relay, judges it there and takes it up."""

from __future__ import annotations

import pytest

from tests.relay_helpers import team_on_two_hosts, wait_for
from tests.tui.test_relay_people import known_on

pytestmark = pytest.mark.slow


def test_dm_on_the_other_host_takes_up_the_conversation_offered_from_there(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        wait_for(lambda: known_on(alice, "bob") and known_on(bob, "alice"), timeout=20,
                 what="each heard on the other's host")
        alice.ok("dm", "bob", "hello bob")  # founded on A, bob invited: carried to B
        wait_for(lambda: bob.ok("invitations", "--json").json(), timeout=20,
                 what="bob's invitation on B")
        listed = bob.ok("invitations").out
        assert "None" not in listed and "direct conversation" in listed, listed
        answer = bob.ok("dm", "alice", "hello alice")
        assert "started a direct conversation" not in answer.err, answer.err
        assert [g["name"] for g in bob.ok("groups", "--json").json()][1:] == ["alice"]
        assert "hello bob" in [m["body"] for m in bob.ok("log", "alice", "--json").json()]
        wait_for(lambda: "hello alice" in [m["body"] for m in alice.ok(
            "log", "bob", "--json").json()], what="bob's answer in alice's conversation")
        assert bob.ok("invitations", "--json").json() == []


def test_an_invitation_claiming_a_conversation_of_another_group_is_not_taken_up(tmp_path):
    """The claim (`"dm": true` in the invitation) only makes `peers dm` fetch the group: alice
    offering bob her 'team' with it, bob's `dm alice` judges the fetched group (no pair in its
    genesis), does not join it, founds their conversation and leaves no file of 'team' on B."""
    from peers_tui.core import direct
    from peers_tui.core.account import Account

    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        wait_for(lambda: known_on(alice, "bob") and known_on(bob, "alice"), timeout=20,
                 what="each heard on the other's host")
        team = alice.ok("groups", "--json").json()[1]["id"]
        direct.invite_to(Account(alice.home, alice.hub), "team", "bob", extra={"dm": True})
        wait_for(lambda: bob.ok("invitations", "--json").json(), timeout=20,
                 what="bob's invitation on B")
        answer = bob.ok("dm", "alice", "hello alice")
        assert "started a direct conversation" in answer.err, answer.err
        assert [g["name"] for g in bob.ok("groups", "--json").json()][1:] == ["alice"]
        assert not (bob.hub / f"{team}.db").exists()
