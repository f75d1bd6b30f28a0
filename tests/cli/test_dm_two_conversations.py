"""Two direct conversations with one person, both listed under their name (docs/relay.md,
"Voided records by origin (h-voidorigin)"; the fifteenth acceptance pass: alice kept the one
she started before `peers dm` took up bob's from another host, and `peers log bob` said
"group name 'bob' is ambiguous; use an id").

A name that lists only conversations with one person names the one `peers dm` settles on (the
smallest group id we are an active member of, core.direct.dm), for every command that takes
a group; a name shared with anything else stays ambiguous. Real group files in a tmp hub,
`peers` commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core import direct
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from tests.cli.test_direct import bodies, conversations
from tests.conftest import User


@pytest.fixture
def two(alice: User, bob: User, hub: Path) -> tuple[User, User, str, str]:
    """alice in two conversations with bob, each started by one of them before seeing the
    other's, alice's taken up by bob, bob's accepted by alice: (alice, bob, smaller, larger)."""
    hub.mkdir(parents=True, exist_ok=True)
    alice.ok("people")
    bob.ok("people")
    alice_account, bob_account = Account(alice.home, hub), Account(bob.home, hub)
    for me, other in ((alice_account, bob_account), (bob_account, alice_account)):
        entry = direct._found(me, other.user_id)
        direct.invite_to(me, entry.id, other.user_id, uses=1, expires_in=None)
    for user in (alice, bob):
        for invitation in user.ok("invitations", "--json").json():
            user.ok("invitations", "accept", str(invitation["id"]))
    small, large = sorted(conversations(hub))
    alice.ok("send", large, "in the larger")
    alice.ok("send", small, "in the smaller")
    # (a conversation founded through the API is listed under the other's name at the next
    # count of the groups, as the app's and `peers groups` do)
    for user, other in ((alice, "bob"), (bob, "alice")):
        names = [g["name"] for g in user.ok("groups", "--json").json()]
        assert names.count(other) == 2, names  # as the acceptance pass found it
    return alice, bob, small, large


def test_the_name_of_two_conversations_with_one_person_names_the_one_dm_uses(two):
    alice, bob, small, large = two
    assert bodies(alice, "bob") == ["in the smaller"]  # `peers log bob`: no longer ambiguous
    alice.ok("send", "bob", "by name")
    alice.ok("dm", "bob", "by dm")
    assert bodies(alice, small) == ["in the smaller", "by name", "by dm"]
    assert bodies(alice, large) == ["in the larger"]
    assert bodies(bob, "alice")[-2:] == ["by name", "by dm"]  # bob's side alike


def test_a_conversation_left_is_not_the_one_named(two, hub: Path):
    alice, bob, small, large = two
    store = GroupStore(hub / f"{small}.db", small)
    founder = store.genesis().author
    store.close()
    # whoever of them did not found the smaller one leaves it (its founder cannot)
    leaver, name = (bob, "alice") if founder == Account(alice.home, hub).user_id else (alice, "bob")
    leaver.ok("leave", small)
    assert bodies(leaver, name) == ["in the larger"]
    leaver.ok("dm", name, "after leaving")  # `peers dm` too: the one still theirs
    assert bodies(leaver, large)[-1] == "after leaving"


def test_a_group_of_that_name_beside_them_stays_ambiguous(two, hub: Path):
    alice, bob, small, large = two
    other = alice.ok("create", "bob").out.strip()
    failed = alice.fails("log", "bob")
    assert "group name 'bob' is ambiguous; use an id" in failed.err, failed.err
    assert other[:10] in failed.err and small[:10] in failed.err and large[:10] in failed.err
