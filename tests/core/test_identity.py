"""First run: identity and personal.db, created quietly with private modes."""

from __future__ import annotations

import getpass
import json
import stat

from peers_tui.core.account import Account
from peers_tui.core.personal_store import PERSONAL_FILE
from tests.conftest import User


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_creates_identity_and_personal_db_private(tmp_path, hub):
    user = User("new", tmp_path / "new", hub)
    result = user.ok("id", "--json")
    data = result.json()[0]
    assert len(data["id"]) == 52 and data["fingerprint"] == data["id"][:8]
    assert data["handle"] == getpass.getuser()
    assert mode(user.home / "identity.key") == 0o600
    assert mode(user.home / PERSONAL_FILE) == 0o600
    # The identity is stable: a second run reads the same key.
    assert user.ok("id", "--json").json()[0]["id"] == data["id"]


def test_handle_can_be_changed_and_is_validated(alice: User):
    alice.ok("id", "--handle", "alice_w")
    assert alice.ok("id").out.split() [1] == "alice_w"
    assert "space" in alice.fails("id", "--handle", "two words").err
    assert "control character" in alice.fails("id", "--handle", "evil\x1b[31m").err
    assert "too long" in alice.fails("id", "--handle", "x" * 65).err


def test_personal_group_is_listed_first_and_works_like_a_group(alice: User):
    alice.ok("create", "zeta")
    groups = alice.ok("groups", "--json").json()
    assert [g["name"] for g in groups] == ["personal", "zeta"]
    assert groups[0]["personal"] is True and groups[0]["role"] == "owner"
    alice.ok("send", "personal", "note to self")
    log = alice.ok("log", "personal", "--json").json()
    assert [m["body"] for m in log] == ["note to self"] and log[0]["verified"] is True


def test_personal_group_refuses_shared_actions(alice: User):
    for args in (["invite", "personal"], ["role", "personal", "alice", "reader"],
                 ["remove", "personal", "alice"], ["leave", "personal"]):
        assert "personal group" in alice.fails(*args).err


def test_env_variables_choose_home_and_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERS_HOME", str(tmp_path / "envhome"))
    monkeypatch.setenv("PEERS_HUB", str(tmp_path / "envhub"))
    from peers_tui.cli import main
    assert main(["create", "g"]) == 0
    assert (tmp_path / "envhome" / PERSONAL_FILE).exists()
    assert len(list((tmp_path / "envhub").glob("*.db"))) == 1


def test_groups_table_records_the_registry_fields(alice: User):
    alice.ok("create", "team")
    account = Account(alice.home, alice.hub)
    entry = account.resolve("team")
    assert entry.db_path.parent == alice.hub and entry.notify == "all"
    assert entry.joined_at > 0 and entry.read_marker is None
    alice.ok("send", "team", "x")
    alice.ok("log", "team")
    entry = Account(alice.home, alice.hub).resolve("team")
    assert entry.read_marker is not None and entry.member_head_hash
    assert json.dumps(entry.author_heads)


def test_a_remembered_signature_never_vouches_for_other_text():
    from peers_tui.core.identity import Keypair, verify_signature

    keypair = Keypair.generate()
    text = b'{"body":"pay alice 5"}'
    signature = keypair.sign(text)
    assert verify_signature(keypair.public_id, text, signature)
    assert verify_signature(keypair.public_id, text, signature)  # from the cache
    assert not verify_signature(keypair.public_id, b'{"body":"pay mallory 500"}', signature)
    other = Keypair.generate()
    assert not verify_signature(other.public_id, text, signature)
