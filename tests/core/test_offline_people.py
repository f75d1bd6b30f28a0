"""People who are not online right now can be named (issue 15): a member of one of our groups
(their signed, verified membership records are in our group files) and a person whose signed
profile a relay carried here before (kept by this host's relay, checked again on every read),
under the look-alike rules of everyone else. Real group files and hub files in tmp dirs."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from peers_tui.core import kept_people
from peers_tui.core.account import Account
from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.federation_people import find_known, known_people
from peers_tui.core.host_presence import HostEntry, write_hosts_file
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.kept_people import KEPT_FILE, KeptPeople, read_kept
from peers_tui.core.kinds import RecordKind
from peers_tui.core.profiles import publish, signed_file
from peers_tui.core.records import sign
from peers_tui.core.who import who_lines
from peers_tui.testing.forge import Forger
from tests.conftest import User, plant_identity

pytestmark = pytest.mark.usefixtures("relay_files_mine")  # (tests/conftest.py)


def profile_text(keypair: Keypair, handle: str) -> str:
    return signed_file(sign(keypair, RecordKind.PROFILE, None, {"handle": handle}))


def user_id(user: User) -> str:
    return Account(user.home, user.hub).user_id


@pytest.fixture
def team_without_bobs_profile(alice: User, bob: User) -> str:
    """alice founded 'team' and 'other'; bob joined 'team' and published no profile."""
    group_id = alice.ok("create", "team").out.strip()
    alice.ok("create", "other")
    bob.ok("join", alice.ok("invite", "team").out.strip())
    bob.ok("people", "--publish", "off")
    assert "bob" not in alice.ok("people").out
    return group_id


def test_a_member_of_our_groups_is_named_without_a_profile(alice, bob,
                                                           team_without_bobs_profile):
    said = alice.ok("invite", "other", "--to", "bob").out
    assert said.startswith(f"invited bob ({fingerprint(user_id(bob))}) to other")
    [offered] = bob.ok("invitations", "--json").json()
    assert offered["from"] == "alice" and offered["valid"] and offered["group"] == "other"
    alice.ok("dm", "bob", "hello bob")
    assert sorted(i["direct"] for i in bob.ok("invitations", "--json").json()) == [False, True]
    account = Account(alice.home, alice.hub)
    lines = who_lines(account, account.resolve("other"))
    assert f"○ bob ({fingerprint(user_id(bob))})  away" in lines  # listed, and offline


def test_a_forged_membership_row_makes_nobody_nameable(alice, bob, hub, tmp_path,
                                                       team_without_bobs_profile):
    """mallory holds her key and can write the group file: her join (with an invite she
    signed herself, not a member's) is in the file, and refused by the membership log."""
    group_id = team_without_bobs_profile
    plant_identity(tmp_path / "mallory", b"M" * 32)
    mallory = Forger(tmp_path / "mallory")
    db = hub / f"{group_id}.db"
    code = mallory.invite(db, group_id)
    mallory.join(db, group_id, code, "b\u043eb")  # a Cyrillic о: would shadow bob
    mallory.join(db, group_id, code, "mallory")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM group_members WHERE member = ?",
                            (mallory.user_id,)).fetchone()[0]
    assert rows == 2  # the forgery is in the file
    assert "mallory" not in alice.ok("members", "team").out
    for name in ("mallory", "b\u043eb", fingerprint(mallory.user_id)):
        refused = alice.fails("invite", "other", "--to", name)
        assert "nobody called" in refused.err
    said = alice.ok("invite", "other", "--to", "bob").out  # not made ambiguous by the forgery
    assert said.startswith(f"invited bob ({fingerprint(user_id(bob))})")
    account = Account(alice.home, alice.hub)
    assert mallory.user_id not in "\n".join(who_lines(account, account.resolve("other")))
    assert fingerprint(mallory.user_id) not in "\n".join(
        who_lines(account, account.resolve("other")))


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    (tmp_path / "hub").mkdir()
    return tmp_path / "hub"


def heard(hub: Path, host: str, *keypairs_handles: tuple[Keypair, str], home=None) -> None:
    """This host's relay hears `host`'s entry carrying these profiles."""
    kept = KeptPeople(hub)
    ids = {k.public_id for k, _ in keypairs_handles} if home is None else home
    kept.note(HostEntry(host, frozenset(), frozenset(ids), time.time(),
                        profiles=tuple(profile_text(k, h) for k, h in keypairs_handles)))


def test_a_profile_carried_before_is_kept_and_named_when_its_host_is_gone(hub_dir: Path):
    dave, liar = Keypair.generate(), Keypair.generate()
    heard(hub_dir, "hostB", (dave, "dave"), (liar, "liar"), home={dave.public_id})
    write_hosts_file(hub_dir, "hostA", [])  # hostB no longer heard (it aged out)
    known = {k.profile.handle: k for k in known_people(hub_dir)}
    assert set(known) == {"dave"}  # liar: hostB did not say liar lives there
    assert known["dave"].hosts == ("hostB",) and not known["dave"].heard_now
    assert find_known(hub_dir, "@dave").profile.user_id == dave.public_id
    # a new relay (restarted) keeps what the last one kept
    assert [k.profile.handle for k in read_kept(hub_dir)] == ["dave"]
    assert (hub_dir / KEPT_FILE).stat().st_mode & 0o777 == 0o644


def test_kept_profiles_are_checked_on_every_read(hub_dir: Path):
    dave, erin = Keypair.generate(), Keypair.generate()
    heard(hub_dir, "hostB", (dave, "dave"), (erin, "erin"))
    path = hub_dir / KEPT_FILE
    data = json.loads(path.read_text())
    for item in data["people"]:  # someone who can write the hub alters a handle
        item["profile"] = item["profile"].replace('\\"erin\\"', '\\"root\\"')
    path.write_text(json.dumps(data))
    assert [k.profile.handle for k in known_people(hub_dir)] == ["dave"]
    with pytest.raises(NotFound):
        find_known(hub_dir, "root")
    path.write_text("{not json")
    assert known_people(hub_dir) == []


def test_kept_profiles_are_bounded_newest_heard_kept(hub_dir: Path, monkeypatch):
    monkeypatch.setattr(kept_people, "MAX_KEPT", 2)
    people = [Keypair.generate() for _ in range(3)]
    for n, person in enumerate(people):
        heard(hub_dir, "hostB", (person, f"p{n}"))
        time.sleep(0.01)
    assert sorted(k.profile.handle for k in read_kept(hub_dir)) == ["p1", "p2"]
    old = hub_dir / KEPT_FILE
    data = json.loads(old.read_text())
    data["people"][0]["heard"] = time.time() - kept_people.KEEP_FOR - 60
    old.write_text(json.dumps(data))
    assert len(read_kept(hub_dir)) == 1  # heard too long ago: no longer counted


def test_one_host_rotating_profiles_of_its_own_keys_keeps_its_share_only(hub_dir: Path):
    """A host holding a leaf's credentials (fifteenth attack pass) carries 200 profiles of
    keys of its own in each entry, five entries in a row: the most recently heard were kept,
    so dave, kept from hostB while it is offline, was pushed out and could no longer be
    named. Now a host keeps at most MAX_KEPT_PER_HOST in the file."""
    dave = Keypair.generate()
    heard(hub_dir, "hostB", (dave, "dave"))
    time.sleep(0.01)
    per_entry = kept_people.MAX_KEPT_PER_HOST
    for _ in range(kept_people.MAX_KEPT // per_entry):
        heard(hub_dir, "hostC", *[(Keypair.generate(), "x") for _ in range(per_entry)])
        time.sleep(0.01)
    write_hosts_file(hub_dir, "hostA", [])  # both no longer heard
    kept = read_kept(hub_dir)
    assert sum(k.host == "hostC" for k in kept) == per_entry
    assert find_known(hub_dir, "dave").profile.user_id == dave.public_id


def test_a_kept_look_alike_is_refused_naming_both(hub_dir: Path):
    erin, other = Keypair.generate(), Keypair.generate()
    publish(hub_dir, erin, "erin")
    heard(hub_dir, "hostB", (other, "\u0435rin"))  # a Cyrillic е
    write_hosts_file(hub_dir, "hostA", [])
    with pytest.raises(Ambiguous) as refused:
        find_known(hub_dir, "erin")
    assert fingerprint(erin.public_id) in str(refused.value)
    assert fingerprint(other.public_id) in str(refused.value)


def test_who_shows_a_kept_person_away_on_the_host_last_heard(alice: User, hub: Path):
    alice.ok("create", "team")
    dave = Keypair.generate()
    heard(hub, "hostB", (dave, "dave"))
    write_hosts_file(hub, "hostA", [])  # a relay runs here; hostB is not heard now
    account = Account(alice.home, alice.hub)
    lines = who_lines(account, account.resolve("team"))
    assert f"○ dave ({fingerprint(dave.public_id)})  away (hostB)" in lines, lines


# ------------------------------------------ their host in `peers members`, from a kept profile
def members_of(user: User, group: str) -> dict[str, dict]:
    return {m["handle"]: m for m in user.ok("members", group, "--json").json()}


def forged_as(author: Keypair, signer: Keypair, handle: str) -> str:
    """A profile that says it is `author`'s, signed with `signer`'s key."""
    text = json.loads(profile_text(signer, handle))
    text["record"] = text["record"].replace(signer.public_id, author.public_id)
    return json.dumps(text)


def test_members_shows_the_host_a_kept_profile_names_for_a_member_heard_of_by_no_host(
        alice: User, bob: User, hub: Path, team_without_bobs_profile):
    """bob lives on hostB, not heard for over a day (or since this host's relay restarted):
    only the profile this relay kept says where he lives."""
    heard(hub, "hostB", (Account(bob.home, bob.hub).keypair, "bob"))
    write_hosts_file(hub, "hostA", [])  # a relay runs here; hostB is not heard now
    bob_row = members_of(alice, "team")["bob"]
    assert (bob_row["present"], bob_row["hosts"]) == (False, ["hostB"])
    assert members_of(alice, "team")["alice"]["hosts"] == ["hostA"]
    [line] = [line for line in alice.ok("members", "team").lines if line.startswith("bob ")]
    assert "away (hostB)" in line, line
    # the relay kept a newer word (bob moved to hostC): read again, not the first reading
    time.sleep(0.01)
    heard(hub, "hostC", (Account(bob.home, bob.hub).keypair, "bob"))
    assert members_of(alice, "team")["bob"]["hosts"] == ["hostC"]


def test_a_tampered_kept_file_names_no_host_and_breaks_nothing(
        alice: User, bob: User, carol: User, hub: Path, team_without_bobs_profile):
    """Someone who can write the hub rewrites the kept file: a forged signature, a genuine
    profile of bob's under a hostile host name, a non-member's profile calling itself bob,
    junk. None of it names a host for bob; carol's genuine entry still names hers."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    carol.ok("people", "--publish", "off")
    bob_key, carol_key = (Account(u.home, u.hub).keypair for u in (bob, carol))
    mallory = Keypair.generate()
    now = time.time()

    def entry(host: object, text: object, heard_at: object = now) -> dict:
        return {"host": host, "heard": heard_at, "profile": text}

    people = [
        entry("hostX", forged_as(bob_key, mallory, "bob")),        # not bob's signature
        entry("hostY", profile_text(bob_key, "bob").replace('"sig": "', '"sig": "a')),
        entry("\x1b]0;pwned\x07", profile_text(bob_key, "bob")),   # a terminal escape
        entry("evil\n● mallory", profile_text(bob_key, "bob")),    # a fake roster line
        entry("x" * 100, profile_text(bob_key, "bob")),            # too long a name
        entry("hostM", profile_text(mallory, "bob")),              # not a member: mallory
        entry("hostZ", profile_text(bob_key, "bob"), "soon"),
        entry("hostZ", profile_text(bob_key, "bob"), now + 3600),  # heard in the future
        entry("hostZ", None), entry(["hostZ"], "x"), None, [], 7, "hostZ",
        entry("hostC", profile_text(carol_key, "carol")),
    ]
    (hub / KEPT_FILE).write_text(json.dumps({"v": 1, "people": people}))
    write_hosts_file(hub, "hostA", [])
    rows = members_of(alice, "team")
    assert set(rows) == {"alice", "bob", "carol"}  # mallory, calling himself bob, is no member
    assert rows["bob"]["hosts"] == [] and rows["carol"]["hosts"] == ["hostC"]
    plain = alice.ok("members", "team").out
    assert "away (hostC)" in plain
    for shown in ("hostX", "hostY", "hostM", "hostZ", "\x1b", "pwned", "mallory", "xxxx"):
        assert shown not in plain
    for junk in ("{not json", json.dumps({"v": 1, "people": "bob"}), json.dumps([1, 2])):
        (hub / KEPT_FILE).write_text(junk)
        assert members_of(alice, "team")["carol"]["hosts"] == []
