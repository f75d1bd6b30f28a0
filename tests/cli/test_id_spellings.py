"""A user id spelled another way (the tenth attack pass, docs/relay.md). An id is its key
in lower-case unpadded base32, but a signature was checked against whatever text a record
named, decoded case-blind, with padding and spaces allowed and the last character's spare
bits ignored: `CAROL...`, `carol...====` and ` carol...` all verified as carol's own
signature, yet the roster, the cuts and the chains tell people apart by the exact text. So
carol, removed, came back with an invite made before her removal under another spelling of
her id (README rule 5 says she cannot), a member of her own again, with a chain of her
own that no cut touches. An author id must now be its key's own spelling: anything else is
a record of nobody, void everywhere."""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import b32, unb32
from peers_tui.testing.forge import Forger


def spare_bits(user_id: str) -> str:
    """The same key with the last character's unused bits set (decoded to the same bytes)."""
    return user_id[:-1] + ("b" if user_id[-1] == "a" else "r")


@pytest.mark.parametrize("spell", [str.upper, lambda i: i + "====", lambda i: " " + i,
                                   spare_bits], ids=["upper", "padded", "space", "spare-bits"])
def test_a_removed_member_cannot_come_back_under_another_spelling(spell, alice, bob, carol,
                                                                  team):
    db = alice.hub / f"{team}.db"
    code = alice.ok("invite", "team", "--uses", "5").out.strip()
    carol.ok("join", code)
    carol.ok("send", "team", "carol 1")
    alice.ok("remove", "team", "carol")
    forger = Forger(carol.home)
    variant = spell(forger.user_id)
    assert variant != forger.user_id and unb32(variant) == unb32(forger.user_id)
    assert b32(unb32(variant)) == forger.user_id  # one key, another text
    forger.join(db, team, code, "carol2", member=variant, extra={"a": variant})
    forger.message(db, team, "carol is back", aseq=1, aprev="", extra={"a": variant},
                   columns={"author": variant})
    members = alice.ok("members", "team", "--json").json()
    assert "carol2" not in {m["handle"] for m in members}, members
    log = alice.ok("log", "team", "--json").json()
    back = [m for m in log if m["body"] == "carol is back"]
    assert back and not back[0]["verified"], back
    assert not any("carol2 joined" in m["body"] and m["verified"] for m in log), log
    verified = alice.run("verify", "team")
    assert verified.code == 1 and "Traceback" not in verified.err
    bob.ok("send", "team", "bob goes on")  # the group is not stuck behind the void join
    assert [m["body"] for m in alice.ok("log", "team", "--json", "--no-events").json()
            if m["verified"]][-1] == "bob goes on"
