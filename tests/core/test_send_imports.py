"""What `peers send` does without (dataclasses, typing, pathlib, urllib: see test_lean_send)
and the stand-ins that must keep behaving as what they replaced: core.frozen's plain classes
as the dataclasses did (equality, hashing, immutability, repr, replace, and pickling: the
verify workers receive the roster), a URI quoted as urllib quotes it, str paths as the Paths,
and the unsafe-text check's fast path."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from peers_tui.core.database.files import sqlite_uri
from peers_tui.core.frozen import replace
from peers_tui.core.text import BIDI_CONTROLS, first_unsafe
from peers_tui.paths import chosen_home, chosen_hub, home_dir, hub_dir
from peers_tui.core.group_entry import GroupName
from peers_tui.core.identity import Keypair
from peers_tui.core.membership import InviteTerms
from peers_tui.core.records import SignedRecord
from peers_tui.core.roles import Role
from peers_tui.core.roster import ACTIVE, LEFT, Cut, Member, Roster


def test_values_compare_hash_and_refuse_assignment():
    a, b = Member("u", "ann", Role.WRITER, ACTIVE, 3), Member("u", "ann", Role.WRITER, ACTIVE, 3)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Member("u", "ann", Role.WRITER, LEFT, 3) and a != ("u", "ann")
    with pytest.raises(AttributeError):
        a.handle = "bob"  # type: ignore[misc]
    assert repr(a) == ("Member(user_id='u', handle='ann', role=<Role.WRITER: 40>, "
                       "state=<MemberState.ACTIVE: 'active'>, since_seq=3)")
    # Only text and signatures count for a record, as before (its parsed data does not).
    assert SignedRecord("t", b"s", None, {"k": 1}) == SignedRecord("t", b"s")
    assert "data" not in repr(SignedRecord("t", b"s"))
    keys = Keypair.from_seed(b"K" * 32)
    assert keys == Keypair.from_seed(b"K" * 32) and repr(keys) == f"Keypair({keys.public_id})"
    assert GroupName("id", "name", False) == GroupName.of("id", "name", 0)


def test_replace_copies_with_changes():
    member = Member("u", "ann", Role.WRITER, ACTIVE, 3)
    left = replace(member, state=LEFT, since_seq=9)
    assert (left.state, left.since_seq, left.handle, member.state) == (LEFT, 9, "ann", ACTIVE)
    terms = InviteTerms("k", "s", Role.WRITER, None, None, 1, 5)
    assert replace(terms, alternatives=(terms,)).alternatives == (terms,)
    with pytest.raises(TypeError):
        replace(member, colour="red")


def test_roster_pickles_for_the_verify_workers():
    roster = Roster.from_genesis("g" * 26, "founder", "ann")
    roster.cuts["x"] = [Cut(2, 1, "h", "removed")]
    roster.invite_positions = frozenset({("x", 1)})
    copy = pickle.loads(pickle.dumps(roster))
    assert copy == roster and copy.role_at("founder", 0) is Role.OWNER
    assert copy.cuts["x"][0].until is None
    copy.head_seq = 4
    assert copy != roster
    with pytest.raises(TypeError):
        hash(roster)


def test_uri_is_quoted_as_urllib_quotes_it():
    for path in ("/tmp/plain/group.db", "/tmp/a b/%41?x#y&mode=ro", "/tmp/\u00e9t\u00e9/\U0001f600.db",
                 "relative/./x;y=z", "/tmp/" + "".join(map(chr, range(1, 128)))):
        assert sqlite_uri(path, immutable=False) == f"file:{quote(path)}?mode=rw"
        assert sqlite_uri(Path(path), immutable=True) == f"file:{quote(str(Path(path)))}?mode=ro&immutable=1"


def test_str_paths_are_the_paths(monkeypatch, tmp_path):
    for home, hub, env_home, env_hub in ((None, None, str(tmp_path / "e"), None),
                                         ("~/x/", None, None, "~/env-hub"),
                                         (str(tmp_path / "h"), "~/hub/", None, None),
                                         (tmp_path / "p", None, "ignored", None)):
        for name, value in (("PEERS_HOME", env_home), ("PEERS_HUB", env_hub)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        text = chosen_home(home)
        assert text is not None and Path(text) == home_dir(home)
        assert Path(chosen_hub(text, hub)) == hub_dir(home_dir(home), hub)


def test_every_unsafe_character_is_unprintable():
    # first_unsafe() skips its search for printable text: that must never hide one. (The
    # tab, unprintable and allowed, makes it search.)
    unsafe = [c for c in map(chr, range(sys.maxunicode + 1))
              if first_unsafe(f"\t{c}", multiline=False) is not None]
    assert len(unsafe) > 2000 and set(BIDI_CONTROLS) <= set(unsafe) and "\n" in unsafe
    assert not any(c.isprintable() for c in unsafe)
    assert first_unsafe("ok\u202eko", multiline=True) == "\u202e"
    assert first_unsafe("two\nlines", multiline=True) is None
