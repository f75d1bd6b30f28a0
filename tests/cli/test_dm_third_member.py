"""A direct conversation admits only its two people (seventeenth attack pass, h-attack17).

A "direct conversation" is a group whose genesis names a pair (core.direct); nothing kept a
third person out of it. alice (an ordinary client) started one with bob, and before bob took
it up she invited carol into it: bob's `peers dm alice` joined the "direct conversation"
offered to him, listed it as `alice`, and carol read and wrote in it beside them. The same
later, at any time: either of the two (both admins) brought anyone in. Now a join of anyone
but the pair does not count (core.membership.apply_change, judged alike on every host), and
`peers invite` into a direct conversation says so before minting anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.roles import Role
from tests.conftest import User


@pytest.fixture
def trio(alice: User, bob: User, carol: User, hub: Path) -> tuple[User, User, User]:
    hub.mkdir(parents=True, exist_ok=True)
    for user in (alice, bob, carol):
        user.ok("people")
    return alice, bob, carol


def dm_id(user: User, name: str) -> str:
    [found] = [g["id"] for g in user.ok("groups", "--json").json() if g["name"] == name]
    return found


def members(user: User, group: str) -> set[str]:
    return {m["handle"] for m in user.ok("members", group, "--json").json()}


def test_a_third_person_cannot_join_a_direct_conversation(trio, hub: Path):
    alice, bob, carol = trio
    alice.ok("dm", "bob", "just between us")
    group = dm_id(alice, "bob")
    # alice's own client, going round the CLI's refusal: an invite record minted in the group
    code = str(Account(alice.home, hub).invite(group, Role.WRITER, 1, None))
    joined = carol.run("join", code)
    assert joined.code != 0, joined.out
    assert "direct conversation" in joined.err and "Traceback" not in joined.err
    bob.ok("dm", "alice", "hi")  # takes up alice's offer
    assert members(bob, group) == {"alice", "bob"}
    assert members(alice, group) == {"alice", "bob"}
    alice.ok("verify", group)


def test_peers_invite_into_a_direct_conversation_is_refused(trio, hub: Path):
    alice, bob, carol = trio
    alice.ok("dm", "bob", "just between us")
    bob.ok("dm", "alice", "hi")
    group = dm_id(alice, "bob")
    for args in (("invite", group), ("invite", group, "--to", "carol"), ("invite", "bob")):
        refused = alice.run(*args)
        assert refused.code == 1, (args, refused.out)
        assert refused.err.count("\n") == 1 and "direct conversation" in refused.err, refused.err
        assert refused.out == ""
    assert bob.ok("invite", "--list", "alice").out == ""
