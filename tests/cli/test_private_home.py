"""A home that another user can change (the tenth attack pass, docs/relay.md). personal.db
holds the user's Groups table, with each group's id and file and the pins every read is
checked against, and identity.key the key they sign with. peers creates them 0600 in a
0700 directory, but used whatever it found: a personal.db someone made writable by others,
or planted (owned by another user) where the home let them, its Groups table pointing the
user's "team" at a file of the planter's, with pins to match; an identity.key that is a
symlink to a file of theirs. peers now refuses such a home in one line naming the file and
the fix, and nothing in it is changed."""

from __future__ import annotations

import os

import pytest

from peers_tui.core.identity import load_or_create_keypair


def loosen(kind: str, home) -> None:
    if kind == "personal.db writable":
        os.chmod(home / "personal.db", 0o666)
    elif kind == "personal.db of another user":
        os.chown(home / "personal.db", 4242, 4242)
    elif kind == "identity.key a symlink":
        planted = home.parent / "planted.key"
        planted.write_bytes((home / "identity.key").read_bytes())
        (home / "identity.key").unlink()
        (home / "identity.key").symlink_to(planted)
    elif kind == "home writable by everyone":
        os.chmod(home, 0o777)


KINDS = ["personal.db writable", "personal.db of another user", "identity.key a symlink",
         "home writable by everyone"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_home_others_can_change_is_refused_in_one_line(kind, alice, bob, team):
    alice.ok("send", "team", "before")
    before = (alice.home / "personal.db").read_bytes()
    loosen(kind, alice.home)
    for command in (("send", "team", "after"), ("log", "team"), ("groups",)):
        refused = alice.run(*command)
        assert refused.code == 1, (command, refused)
        assert "will not use it" in refused.err and len(refused.err.strip().splitlines()) == 1
        assert "Traceback" not in refused.err
    assert (alice.home / "personal.db").read_bytes() == before  # nothing changed
    assert [m["body"] for m in bob.ok("log", "team", "--json", "--no-events").json()] == ["before"]


def test_a_sticky_shared_directory_and_roots_files_are_not_refused(tmp_path):
    """/tmp-like homes (everyone may write, but not replace others' files) and files root
    owns (root may change anything anyway) pass; the key is made as before."""
    home = tmp_path / "shared"
    home.mkdir()
    os.chmod(home, 0o1777)
    keypair = load_or_create_keypair(home)
    assert load_or_create_keypair(home) == keypair
