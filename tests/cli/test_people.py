"""Profiles in the hub (core.profiles) and invitations sealed to one person (core.invitations),
with forged profiles and forged invitations refused."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from peers_tui.core.encoding import b32, record_digest_b32
from peers_tui.core.invitations import INVITATIONS_DIR, seal
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.core.profiles import PEOPLE_DIR, signed_file
from peers_tui.core.records import sign
from peers_tui.testing.forge import Forger
from tests.conftest import User


def people(user: User) -> dict[str, dict]:
    return {p["handle"]: p for p in user.ok("people", "--json").json()}


def inbox(user: User) -> Path:
    return user.hub / INVITATIONS_DIR / Forger(user.home).user_id


def invitations(user: User) -> list[dict]:
    return user.ok("invitations", "--json").json()


# ----------------------------------------------------------------- profiles
def test_any_command_publishes_a_profile_that_others_list(alice: User, bob: User, team):
    found = people(bob)
    assert set(found) == {"alice", "bob"}
    assert found["alice"]["id"] == Forger(alice.home).user_id and found["bob"]["me"] is True
    assert "alice" in alice.ok("people").out and "(you)" in alice.ok("people").out
    bob.ok("id", "--handle", "robert")
    assert set(people(alice)) == {"alice", "robert"}, "a new handle is published at once"


def test_publishing_can_be_turned_off_and_on(alice: User, bob: User, team):
    bob.ok("people", "--publish", "off")
    assert set(people(alice)) == {"alice"}
    bob.ok("send", "team", "still quiet")  # no command publishes it again
    assert set(people(alice)) == {"alice"}
    bob.ok("people", "--publish", "on")
    assert set(people(alice)) == {"alice", "bob"}


def test_a_profile_signed_by_someone_else_is_not_listed(alice: User, bob: User, carol, team):
    bob_id = Forger(bob.home).user_id
    forged = sign(load_or_create_keypair(carol.home), "profile", None, {"handle": "bob"})
    (alice.hub / PEOPLE_DIR / f"{bob_id}.json").write_text(signed_file(forged))
    result = alice.ok("people", "--json")
    assert "bob" not in {p["handle"] for p in result.json()}
    assert "signed by someone other than the user it is named for" in result.err


def test_an_altered_profile_is_not_listed(alice: User, bob: User, team):
    path = alice.hub / PEOPLE_DIR / f"{Forger(bob.home).user_id}.json"
    # The handle in the signed text only: "bob" may also stand in the base32 signature
    # (~1 run in 300), which made the file unreadable rather than its signature bad.
    outer = json.loads(path.read_text())
    outer["record"] = outer["record"].replace('"bob"', '"alice"')
    path.write_text(json.dumps(outer))
    result = alice.ok("people", "--json")
    assert [p["handle"] for p in result.json()] == ["alice"]
    assert "bad signature" in result.err


def test_profile_files_follow_the_hubs_sharing(alice: User, hub: Path):
    hub.mkdir(parents=True)
    hub.chmod(0o700)
    alice.ok("create", "team")
    [profile] = (hub / PEOPLE_DIR).iterdir()
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert stat.S_IMODE((hub / PEOPLE_DIR).stat().st_mode) == 0o700


def test_in_a_shared_hub_the_people_directory_is_shared_and_sticky(alice: User, hub: Path):
    hub.mkdir(parents=True)
    hub.chmod(0o2770)
    alice.ok("create", "team")
    assert stat.S_IMODE((hub / PEOPLE_DIR).stat().st_mode) == 0o3770
    [profile] = (hub / PEOPLE_DIR).iterdir()
    assert stat.S_IMODE(profile.stat().st_mode) == 0o640


# ----------------------------------------------------------------- invitations by name
def test_invite_by_name_then_accept(alice: User, bob: User, hub: Path):
    alice.ok("create", "team")
    bob.ok("people")  # bob publishes his profile
    out = alice.ok("invite", "team", "--to", "bob").out
    assert out.startswith("invited bob")
    [offered] = invitations(bob)
    assert offered["valid"] and offered["text"] == "alice invites you to team"
    assert offered["role"] == "writer"
    assert bob.ok("invitations").out.strip().endswith("alice invites you to team (as writer)")
    [file] = inbox(bob).iterdir()
    assert "peers1:" not in file.read_text(), "the code travels sealed"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(inbox(bob).stat().st_mode) == 0o700
    bob.ok("invitations", "accept", offered["id"][:6])
    bob.ok("send", "team", "in by name")
    assert invitations(bob) == [] and list(inbox(bob).iterdir()) == []
    assert "bob" in alice.ok("members", "team").out


def test_decline_drops_the_invitation(alice: User, bob: User):
    alice.ok("create", "team")
    bob.ok("people")
    alice.ok("invite", "team", "--to", "bob")
    [offered] = invitations(bob)
    assert "declined" in bob.ok("invitations", "decline", offered["id"]).out
    assert invitations(bob) == []
    assert "team" not in bob.ok("groups").out


def test_inviting_someone_unknown_is_one_clear_line(alice: User):
    alice.ok("create", "team")
    result = alice.fails("invite", "team", "--to", "nobody")
    assert "nobody called 'nobody' has published a profile" in result.err


def deliver_raw(sender_home: Path, recipient: User, fields: dict, *, sealed_to: str | None = None,
                payload: dict | None = None) -> None:
    """An invitation signed by the key in `sender_home`, with any fields, straight into the
    recipient's inbox."""
    keypair = load_or_create_keypair(sender_home)
    to = Forger(recipient.home).user_id
    payload = payload or {"code": fields.pop("code"), "from": keypair.public_id, "to": to}
    record = sign(keypair, "invitation", None, {
        "to": to, "sealed": seal(sealed_to or to, payload), **fields})
    inbox(recipient).mkdir(parents=True, exist_ok=True)
    (inbox(recipient) / f"{record_digest_b32(record.text)[:26]}.json").write_text(
        signed_file(record))


def group_fields(code: str) -> dict:
    from peers_tui.core.invites import parse_code

    parsed = parse_code(code)
    return {"group": parsed.group_id, "invite": parsed.key.public_id, "name": "team",
            "code": code}


def refused(user: User) -> str:
    [found] = invitations(user)
    assert found["valid"] is False
    err = user.ok("invitations").err
    assert err.startswith("peers: refused invitation"), err
    result = user.fails("invitations", "accept", found["id"])
    assert "refused" in result.err
    assert "team" not in user.ok("groups").out
    return str(found["problem"])


def test_an_invitation_from_a_non_member_is_refused(alice, carol, make_user, team):
    """carol, no member, writes an invite record into the file and offers it by name."""
    dave = make_user("dave")
    code = Forger(carol.home).invite(alice.hub / f"{team}.db", team)
    deliver_raw(carol.home, dave, group_fields(code))
    assert "not allowed to invite" in refused(dave)


def test_an_invitation_from_a_writer_is_refused(alice, bob, carol, team):
    code = Forger(bob.home).invite(alice.hub / f"{team}.db", team)
    deliver_raw(bob.home, carol, group_fields(code))
    assert "not allowed to invite" in refused(carol)


def test_an_invitation_not_sealed_to_you_is_refused(alice, bob, carol, team):
    code = alice.ok("invite", "team").out.strip()
    deliver_raw(alice.home, carol, group_fields(code), sealed_to=Forger(bob.home).user_id)
    assert refused(carol) == "not sealed to you"


def test_an_invitation_copied_into_another_inbox_is_refused(alice, bob, carol):
    alice.ok("create", "team")
    bob.ok("people")
    alice.ok("invite", "team", "--to", "bob")
    [file] = inbox(bob).iterdir()
    inbox(carol).mkdir(parents=True)
    (inbox(carol) / file.name).write_text(file.read_text())
    assert refused(carol) == "addressed to someone else"


def test_a_sealed_code_resigned_by_another_is_refused(alice, bob, carol, team):
    """bob signs an invitation to carol around what claims to be sealed by alice."""
    code = alice.ok("invite", "team").out.strip()
    dave_payload = {"code": code, "from": Forger(alice.home).user_id,
                    "to": Forger(carol.home).user_id}
    fields = group_fields(code)
    fields.pop("code")
    deliver_raw(bob.home, carol, fields, payload=dave_payload)
    assert refused(carol) == "what it seals names another inviter or recipient"


def test_an_altered_invitation_is_refused(alice, bob, carol):
    alice.ok("create", "team")
    carol.ok("people")
    alice.ok("invite", "team", "--to", "carol")
    [file] = inbox(carol).iterdir()
    file.write_text(file.read_text().replace('\\"name\\":\\"team\\"', '\\"name\\":\\"tea\\"'))
    problem = refused(carol)
    assert "bad signature" in problem


def test_an_invitation_to_another_group_than_it_names_is_refused(alice, bob, carol, team):
    alice.ok("create", "other")
    code = alice.ok("invite", "other").out.strip()
    fields = group_fields(code)
    fields["group"] = team  # the record names team; the sealed code is for other
    deliver_raw(alice.home, carol, fields)
    assert refused(carol) == "what it seals is for another group or invite"


def test_an_inbox_pointed_elsewhere_by_a_symlink_is_not_used(alice, bob, carol, tmp_path):
    """Someone with write access to the hub points bob's inbox at a directory of bob's own:
    nothing there is listed as an invitation, and a decline can delete nothing of it."""
    alice.ok("create", "team")
    precious = tmp_path / "bob-documents"
    precious.mkdir()
    (precious / "report.txt").write_text("keep me")
    inbox(bob).parent.mkdir(parents=True, exist_ok=True)
    inbox(bob).symlink_to(precious)
    result = bob.fails("invitations")
    assert "cannot be used" in result.err
    assert bob.fails("invitations", "decline", "report").code == 1
    assert (precious / "report.txt").read_text() == "keep me"


def test_invitations_in_a_shared_hub_are_readable_by_its_group_only(alice, bob, hub):
    hub.mkdir(parents=True)
    hub.chmod(0o2770)
    alice.ok("create", "team")
    bob.ok("people")
    alice.ok("invite", "team", "--to", "bob")
    [file] = inbox(bob).iterdir()
    assert stat.S_IMODE(file.stat().st_mode) == 0o640
    assert stat.S_IMODE(inbox(bob).stat().st_mode) == 0o2770, "bob may delete what he handled"
    assert stat.S_IMODE(inbox(bob).parent.stat().st_mode) == 0o3770


def test_a_look_alike_handle_makes_a_name_ambiguous_not_another_person(alice, bob, carol):
    """carol publishes "bоb" (a Cyrillic о): inviting "bob" by name is refused as ambiguous
    (with the fingerprints), never sealed to the wrong key; the fingerprint still works."""
    alice.ok("create", "team")
    bob.ok("people")
    carol.ok("id", "--handle", "b\u043eb")
    result = alice.fails("invite", "team", "--to", "bob")
    assert "fingerprint" in result.err and Forger(bob.home).user_id[:8] in result.err
    assert alice.ok("invite", "team", "--to", Forger(bob.home).user_id[:8]).out.startswith(
        "invited bob")


@pytest.mark.parametrize("junk", [b"\xff\xfe", b"[]", b'{"record": 5, "sig": []}',
                                  b'{"record": "{}", "sig": "zz"}', b"[" * 5000, b"x" * 70000])
def test_junk_profile_and_invitation_files_are_reported_not_crashing(alice, bob, junk):
    alice.ok("create", "team")
    bob.ok("people")
    (alice.hub / PEOPLE_DIR / "junk.json").write_bytes(junk)
    inbox(bob).mkdir(parents=True)
    (inbox(bob) / "junk.json").write_bytes(junk)
    listed = alice.ok("people", "--json")
    assert {p["handle"] for p in listed.json()} == {"alice", "bob"} and "junk.json" in listed.err
    [found] = invitations(bob)
    assert found["valid"] is False and found["problem"].startswith("not a genuine invitation")
    assert "Traceback" not in bob.run("invitations").err
