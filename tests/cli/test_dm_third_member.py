"""A direct conversation admits only its two people (seventeenth attack pass, h-attack17).

A "direct conversation" is a group whose genesis names a pair (core.direct); nothing kept a
third person out of it. alice (an ordinary client) started one with bob, and before bob took
it up she invited carol into it: bob's `peers dm alice` joined the "direct conversation"
offered to him, listed it as `alice`, and carol read and wrote in it beside them. The same
later, at any time: either of the two (both admins) brought anyone in. Now, in one founded
closed (`pair_only` in its genesis, as `peers dm` founds them from now on), a join of anyone
but the pair does not count (core.membership.apply_change, judged alike on every host);
`peers invite` into one says so before minting anything; and only a closed one is offered
and taken up as a direct conversation.
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


def found_as_before(account: Account, other: str) -> str:
    """A direct conversation founded as before h-attack17 (no PAIR_ONLY in its genesis), and
    `other` invited to it as core.direct.dm did: its group id."""
    import os

    from peers_tui.core import direct
    from peers_tui.core.database import create_file
    from peers_tui.core.encoding import b32
    from peers_tui.core.group_store import GROUP_FILE_MODE, GroupStore, group_id_of
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.models import GroupInfo
    from peers_tui.core.records import sign

    genesis = sign(account.keypair, RecordKind.GENESIS, None, {
        "name": "direct conversation", "handle": account.handle,
        "nonce": b32(os.urandom(10)), "dm": sorted([account.user_id, other])})
    group_id = group_id_of(genesis)
    path = account.paths.hub / f"{group_id}.db"
    create_file(path, GROUP_FILE_MODE)
    store = GroupStore(path, group_id)
    with store.session(create=True):
        GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
    store.close()
    account.personal.add_group(group_id, "direct conversation", path)
    direct.invite_to(account, group_id, other, Role.ADMIN, uses=1, expires_in=None,
                     extra={"dm": True})
    return group_id


def test_a_conversation_founded_before_keeps_its_members_and_is_not_taken_up_as_direct(
        trio, hub: Path):
    """One founded before the rule (no PAIR_ONLY): a third person's join still counts there
    (no log of an earlier conversation voided by the update), and so `peers dm` does not
    take up such an offer as a direct conversation: bob founds one of his own."""
    alice, bob, carol = trio
    alice_account = Account(alice.home, hub)
    group = found_as_before(alice_account, Account(bob.home, hub).user_id)
    carol.ok("join", str(alice_account.invite(group, Role.WRITER, 1, None)))
    carol.ok("send", group, "carol here")
    alice.ok("verify", group)
    [offer] = bob.ok("invitations", "--json").json()
    assert not offer["direct"], offer
    bob.ok("dm", "alice", "hi")
    mine = dm_id(bob, "alice")
    assert mine != group and members(bob, mine) == {"bob"}
