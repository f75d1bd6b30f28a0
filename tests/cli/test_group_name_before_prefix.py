"""A group is named by full id, then by its exact name, then by a unique id prefix. A group
id is a hash of its genesis, which its founder can grind (a 4-character prefix takes ~10^6
tries, seconds): with the prefix looked at first, a group whose id starts with the name of
another of the user's groups took what the user sent to that group by name (a fresh-clone CI
hit it by chance: alice's personal group's id began with "team", and `peers invite team`
answered that the personal group has no invites). The founder's grinding is played here by
naming the victim's group after the lure's id, which is the same pair of rows."""

from __future__ import annotations

from peers_tui.core.errors import Ambiguous
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair
from peers_tui.relay.hub_groups import hub_group
from tests.conftest import User


def test_a_group_whose_id_starts_with_a_groups_name_does_not_take_its_messages(
        alice: User, bob: User):
    lure = bob.ok("create", "lure").out.strip()
    alice.ok("join", bob.ok("invite", "lure").out.strip())
    name = lure[:5]  # ground in minutes; a name of 6+ that starts another id is refused
    mine = alice.ok("create", name).out.strip()
    alice.ok("send", name, "for my own group only")
    assert [m["body"] for m in alice.ok("log", mine, "--json").json()] == ["for my own group only"]
    assert bob.ok("log", "lure", "--json").json() == []
    alice.ok("send", lure[:8], "by a longer prefix")  # a prefix that is no name still works
    assert [m["body"] for m in bob.ok("log", "lure", "--json").json()] == ["by a longer prefix"]


def test_a_hub_file_whose_id_starts_with_a_groups_name_does_not_take_its_place(tmp_path):
    key = Keypair.generate()
    lure = GroupStore.create(tmp_path, key, "lure", "mallory")
    real = GroupStore.create(tmp_path, key, lure.group_id[:5], "alice")  # (6+: refused)
    try:
        assert hub_group(tmp_path, lure.group_id[:5]) == real.group_id
        assert hub_group(tmp_path, lure.group_id[:8]) == lure.group_id
    finally:
        lure.close()
        real.close()


def test_a_groups_name_in_another_case_is_no_id_prefix(alice: User, bob: User):
    """alice's group is "TEAM4" (played: the start of the lure's id, upper case); she types
    `peers send team4`: no group is called that exactly, and the lure's id starts with it.
    Refused in one line naming her group, not sent to the lure."""
    lure = bob.ok("create", "lure").out.strip()
    alice.ok("join", bob.ok("invite", "lure").out.strip())
    name = lure[:5].upper()
    mine = alice.ok("create", name).out.strip()
    refused = alice.fails("send", lure[:5], "for my own group only")
    assert name in refused.err and mine[:10] in refused.err, refused.err
    assert bob.ok("log", "lure", "--json").json() == []
    refused = alice.fails("log", lure[:5])  # the full path (Account.resolve) too
    assert name in refused.err, refused.err
    alice.ok("send", name, "by its name")
    assert [m["body"] for m in alice.ok("log", mine, "--json").json()] == ["by its name"]


def test_a_hub_files_name_in_another_case_is_no_id_prefix(tmp_path):
    key = Keypair.generate()
    lure = GroupStore.create(tmp_path, key, "lure", "mallory")
    real = GroupStore.create(tmp_path, key, lure.group_id[:6].upper(), "alice")
    try:
        try:
            hub_group(tmp_path, lure.group_id[:6])
        except Ambiguous as exc:
            assert lure.group_id[:6].upper() in str(exc)
        else:
            raise AssertionError("a name in another case was taken as an id prefix")
    finally:
        lure.close()
        real.close()


def test_a_hub_file_named_with_another_groups_id_does_not_take_its_place(tmp_path):
    key = Keypair.generate()
    real = GroupStore.create(tmp_path, key, "team", "alice")
    lure = GroupStore.create(tmp_path, key, real.group_id, "mallory")  # named with its id
    try:
        assert hub_group(tmp_path, real.group_id) == real.group_id
        assert hub_group(tmp_path, real.group_id.upper()) == real.group_id
    finally:
        lure.close()
        real.close()


def test_a_group_named_after_another_groups_id_does_not_take_its_place(alice: User, bob: User):
    """bob reads the shared hub's file names (reading is not private there) and founds a group
    named after the start of alice's group's id, the six characters the app shows to tell
    twins apart; alice joins it. `peers send <those six>` went to bob's group by name."""
    mine = alice.ok("create", "team").out.strip()
    lure = bob.ok("create", mine[:6]).out.strip()
    alice.ok("join", bob.ok("invite", lure).out.strip())
    refused = alice.fails("send", mine[:6], "for my own group only")
    assert mine[:10] in refused.err and lure[:10] in refused.err, refused.err
    assert bob.ok("log", lure, "--json").json() == []
    assert alice.fails("log", mine[:6]).err == refused.err  # the full path too
    alice.ok("send", mine[:10], "by a longer prefix")
    assert [m["body"] for m in alice.ok("log", mine, "--json").json()] == ["by a longer prefix"]
