"""The signatures the app found valid, kept in its home for the next start (core.verified_keep):
taken back without an Ed25519 check, a row changed since refused as before, a damaged file
ignored, the file bounded to the entries used last."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from peers_tui.core import ed25519, identity, verified_keep
from peers_tui.core.identity import Keypair, verify_signature


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """As a new process starts: nothing verified, nothing recorded, no file read."""
    saved = dict(identity._VERIFIED), identity._USED, list(verified_keep._loaded)
    identity._VERIFIED.clear()
    identity._USED = None
    verified_keep._loaded.clear()
    verified_keep._kept.clear()
    yield
    verified_keep._kept.clear()
    identity._VERIFIED.clear()
    identity._VERIFIED.update(saved[0])
    identity._USED = saved[1]
    verified_keep._loaded[:] = saved[2]


def _next_start(home: Path) -> None:
    identity._VERIFIED.clear()
    identity._USED = None
    verified_keep._loaded.clear()
    verified_keep._kept.clear()
    verified_keep.keep_verified(home)


@pytest.fixture()
def ed25519_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The messages core.ed25519 is asked to check (it still checks them)."""
    checked: list[bytes] = []
    real = ed25519.verify

    def counting(public: bytes, message: bytes, signature: bytes) -> bool:
        checked.append(message)
        return real(public, message, signature)
    monkeypatch.setattr(ed25519, "verify", counting)
    return checked


def _signed(keypair: Keypair, count: int) -> list[tuple[bytes, bytes]]:
    messages = [f'{{"body":"message {i}"}}'.encode() for i in range(count)]
    return [(message, keypair.sign(message)) for message in messages]


def test_a_start_takes_the_signatures_the_last_one_found_valid(
        tmp_path: Path, ed25519_checks: list[bytes]) -> None:
    keypair = Keypair.generate()
    signed = _signed(keypair, 5)
    verified_keep.keep_verified(tmp_path)  # the first start: no file yet
    assert all(verify_signature(keypair.public_id, m, s) for m, s in signed)
    assert len(ed25519_checks) == 5
    verified_keep.save_verified(tmp_path)
    kept = tmp_path / verified_keep.KEEP_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    _next_start(tmp_path)
    ed25519_checks.clear()
    assert all(verify_signature(keypair.public_id, m, s) for m, s in signed)
    assert ed25519_checks == []
    written = kept.stat().st_mtime_ns
    verified_keep.save_verified(tmp_path)  # the same entries: not written again
    assert kept.stat().st_mtime_ns == written


def test_a_row_changed_since_it_was_kept_is_checked_in_full_and_refused(
        tmp_path: Path, ed25519_checks: list[bytes]) -> None:
    keypair, other = Keypair.generate(), Keypair.generate()
    [(message, signature)] = _signed(keypair, 1)
    verified_keep.keep_verified(tmp_path)
    assert verify_signature(keypair.public_id, message, signature)
    verified_keep.save_verified(tmp_path)

    _next_start(tmp_path)
    ed25519_checks.clear()
    edited = message.replace(b"message 0", b"message 1")
    assert not verify_signature(keypair.public_id, edited, signature)
    assert not verify_signature(other.public_id, message, signature)  # claimed by another
    assert ed25519_checks == [edited, message]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other header", "not base32",
                                    "too long"])
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: str,
                                   ed25519_checks: list[bytes]) -> None:
    keypair = Keypair.generate()
    signed = _signed(keypair, 3)
    verified_keep.keep_verified(tmp_path)
    assert all(verify_signature(keypair.public_id, m, s) for m, s in signed)
    verified_keep.save_verified(tmp_path)
    kept = tmp_path / verified_keep.KEEP_FILE
    data = kept.read_bytes()
    entry = len(data) - len(verified_keep._HEADER)
    entry //= 3
    kept.write_bytes({
        "garbage": os.urandom(len(data)),
        "truncated": data[:-1],
        "other header": b"x" + data[1:],
        "not base32": data.replace(keypair.public_id.encode()[:8], b"../../..", 1),
        "too long": data + data[-entry:] * verified_keep.KEPT_MAX,
    }[damage])

    _next_start(tmp_path)
    assert identity._VERIFIED == {}
    ed25519_checks.clear()
    assert all(verify_signature(keypair.public_id, m, s) for m, s in signed)
    assert len(ed25519_checks) == 3


def test_the_file_holds_the_entries_used_last_up_to_its_bound(tmp_path: Path) -> None:
    keypair = Keypair.generate()
    signed = _signed(keypair, verified_keep.KEPT_MAX + 10)
    verified_keep.keep_verified(tmp_path)
    for message, signature in signed:
        assert verify_signature(keypair.public_id, message, signature)
    verified_keep.save_verified(tmp_path)

    _next_start(tmp_path)
    assert set(identity._VERIFIED) == {(keypair.public_id, s) for _, s in signed[10:]}


def test_a_start_on_another_group_keeps_the_first_one_s_entries(
        tmp_path: Path, ed25519_checks: list[bytes]) -> None:
    """Starts on two groups, one after the other (figure 2 alternates a big and a small one):
    each start finds what the last start on its group checked."""
    keypair = Keypair.generate()
    big, small = _signed(keypair, 40), _signed(keypair, 30)
    verified_keep.keep_verified(tmp_path)
    assert all(verify_signature(keypair.public_id, m, s) for m, s in big)
    verified_keep.save_verified(tmp_path)
    _next_start(tmp_path)
    assert all(verify_signature(keypair.public_id, m, s) for m, s in small)
    verified_keep.save_verified(tmp_path)

    _next_start(tmp_path)
    ed25519_checks.clear()
    assert all(verify_signature(keypair.public_id, m, s) for m, s in big + small)
    assert ed25519_checks == []


def test_nothing_is_kept_by_a_process_that_does_not_record(tmp_path: Path) -> None:
    keypair = Keypair.generate()
    [(message, signature)] = _signed(keypair, 1)
    assert verify_signature(keypair.public_id, message, signature)  # peers verify, the relay
    verified_keep.save_verified(tmp_path)
    assert not (tmp_path / verified_keep.KEEP_FILE).exists()


def test_the_public_key_is_kept_for_the_next_start_and_only_for_its_own_seed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    derived = identity.load_or_create_keypair(home)
    monkeypatch.setattr(verified_keep, "_public_kept", [])
    assert verified_keep.kept_keypair(home) == derived  # nothing kept yet: derived
    verified_keep.keep_public_key(home, derived)
    written = (home / verified_keep.PUBLIC_FILE).read_bytes()
    assert stat.S_IMODE(os.stat(home / verified_keep.PUBLIC_FILE).st_mode) == 0o600

    def no_libsodium(seed: bytes) -> tuple[bytes, bytes]:
        raise AssertionError("derived with libsodium")
    monkeypatch.setattr(ed25519, "seed_keypair", no_libsodium)
    kept = verified_keep.kept_keypair(home)
    assert (kept.seed, kept.public_key, kept._secret) == (
        derived.seed, derived.public_key, derived._secret)
    assert verify_signature(kept.public_id, b"signed", kept.sign(b"signed"))
    monkeypatch.undo()
    # Another key's public half, a flipped byte, a short file: derived from the seed again.
    other = Keypair.generate().public_key
    for junk in (other + written[32:], written[:47] + bytes([written[47] ^ 1]), written[:40]):
        (home / verified_keep.PUBLIC_FILE).write_bytes(junk)
        assert verified_keep.kept_keypair(home).public_key == derived.public_key


def test_the_shown_window_s_signatures_are_kept_first_whatever_was_checked_after_it(
        tmp_path: Path, ed25519_checks: list[bytes]) -> None:
    """The unread counts check every group's rows after the first frame: 200 groups' pushed
    most of the window's out of the last `KEPT_MAX` used, checked again at the next start."""
    alice = Keypair.generate()
    window, counted = _signed(alice, 37), _signed(alice, verified_keep.KEPT_MAX + 100)
    verified_keep.keep_verified(tmp_path)  # as the app starts: the cache records
    assert verified_keep.window_read(
        lambda: all(verify_signature(alice.public_id, m, s) for m, s in window))
    assert all(verify_signature(alice.public_id, m, s) for m, s in counted)  # the counts
    verified_keep.save_verified(tmp_path)
    _next_start(tmp_path)
    ed25519_checks.clear()
    assert all(verify_signature(alice.public_id, m, s) for m, s in window)
    assert ed25519_checks == []
