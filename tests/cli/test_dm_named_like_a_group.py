"""A direct conversation is listed under the other person's handle, and follows it: eve, in
a conversation with alice, renamed herself "team", the name of alice's group. alice's list
then held two groups called "team" (the app showed both as "team · <id>"), and `peers send
team` was refused as ambiguous; with alice's group archived, or typed in another case, it
went to eve. Such a handle is listed with its owner's fingerprint now, as one like another
person's is (twentieth attack pass, h-attack20)."""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.identity import fingerprint
from tests.conftest import User


def listed(user: User) -> list[str]:
    return [g["name"] for g in user.ok("groups", "--json").json()]


def test_a_partner_renamed_as_a_group_is_listed_with_their_fingerprint(make_user, hub: Path):
    hub.mkdir(parents=True, exist_ok=True)
    alice, eve = make_user("alice"), make_user("eve")
    alice.ok("people")
    eve.ok("people")
    team = alice.ok("create", "team").out.strip()
    eve.ok("dm", "alice", "hi alice")
    alice.ok("dm", "eve", "hi eve")
    eve.ok("id", "--handle", "team")
    eve_fp = fingerprint(eve.ok("id", "--json").json()[0]["id"])
    assert f"team~{eve_fp}" in listed(alice), listed(alice)
    alice.ok("send", "team", "the plan, for the team only")
    bodies = [m["body"] for m in alice.ok("log", team, "--json", "--no-events").json()]
    assert bodies == ["the plan, for the team only"]
    assert "the plan" not in eve.ok("log", "alice", "--json", "--no-events").out
    alice.ok("archive", team)  # the name of an archived group too
    assert f"team~{eve_fp}" in listed(alice), listed(alice)
