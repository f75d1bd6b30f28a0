"""The signatures the app found valid, kept in the user's home for its next start.

The first frame of a group shows its newest messages verified: each one's Ed25519 signature
checked (~55 µs each, ~2 ms for the ~37 of a 40-row terminal, with the group's genesis and
membership changes), where a start is measured against a bare Textual app painting one line
(issue 16). Most of them are the very rows the last start checked. core.identity remembers
a valid signature by (signer, signature) with a digest of what was signed, and takes a row
whose signed text has that digest as verified. This module keeps the entries of the newest
window of the group shown last (the one the next start opens: `window_read`), then those the
app used last (found or added), then those the file held before (other groups'), `KEPT_MAX`
at most, in `KEEP_FILE`, and puts them back into that cache at the next start. The window's
come first because the unread counts check rows of every group after the first frame: with
200 groups they pushed 27 of the window's 37 out of the last 512 used, and the next start
checked them again (~20 M instructions, ~3 ms of a start measured against a bare Textual
app). A row whose text differs from what was verified, by a byte, misses them and is
checked in full; only valid signatures are kept.

The file is trusted as personal.db and identity.key are (whoever can write the home can
also replace the user's key); a file that is not exactly what this module writes is
ignored. Entries: the signer's id (52 ASCII characters), the signature (64 bytes) and the
digest (16 bytes).

The user's public key is kept too (`PUBLIC_FILE`, with a MAC keyed by the secret seed: only
the holder of identity.key can make one that is taken), so that a start need not load
libsodium to derive it from the seed (`kept_keypair`): its first frame then loads no Ed25519
code at all when every signature it shows is kept (core.ed25519 loads on first use)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from peers_tui.core import identity
from peers_tui.core.encoding import blake2b
from peers_tui.core.identity import Keypair, load_or_create_keypair

KEEP_FILE = ".verified-signatures"
PUBLIC_FILE = ".public-key"
T = TypeVar("T")
KEPT_MAX = 512
_HEADER = b"peers verified signatures 1\n"
_ID, _SIG, _DIGEST = 52, 64, 16
_ENTRY = _ID + _SIG + _DIGEST

_loaded: list[bytes] = []  # the file's content as read at start (not written again unchanged)
_kept: dict[tuple[str, bytes], bytes] = {}  # its entries, oldest first
_window: list[tuple[str, bytes]] = []  # those the last `window_read` used


def window_read(read: Callable[[], T]) -> T:
    """`read()`, the read of the shown group's newest window: the entries it uses are kept
    before any other (`save_verified`). Checks made meanwhile on other threads (a count's)
    are taken with them: a few more first, never one fewer."""
    keys: list[tuple[str, bytes]] = []
    identity._WINDOW = keys
    try:
        return read()
    finally:
        identity._WINDOW = None
        _window[:] = keys


def keep_verified(home: str | os.PathLike[str]) -> None:
    """Put the signatures `home`'s file holds into core.identity's cache, and have the cache
    record what it is used for from now on (for `save_verified`)."""
    if identity._USED is None:
        identity._USED = []
    try:
        with open(os.path.join(home, KEEP_FILE), "rb") as file:
            data = file.read()
    except OSError:
        return
    body = data[len(_HEADER):]
    if not data.startswith(_HEADER) or len(body) % _ENTRY or len(body) > KEPT_MAX * _ENTRY:
        return
    entries: dict[tuple[str, bytes], bytes] = {}
    for start in range(0, len(body), _ENTRY):
        signer = body[start:start + _ID]
        if not signer.isalnum():  # base32: lower-case letters and digits
            return
        end = start + _ID + _SIG
        entries[(signer.decode("ascii"), body[start + _ID:end])] = body[end:end + _DIGEST]
    identity._VERIFIED.update(entries)
    _kept.clear()
    _kept.update(entries)
    _loaded[:] = [data]


def save_verified(home: str | os.PathLike[str]) -> None:
    """Write the last `KEPT_MAX` entries the cache was used for, then the file's others (if
    the cache recorded, and they differ from the file's), for the next start."""
    used = identity._USED
    if not used:
        return
    chosen: dict[tuple[str, bytes], bytes] = {}
    # The window's, then the most recent, then those the file held that this process did not
    # use (another group's, opened by an earlier start): a start on one group does not undo
    # another's.
    for key_of in [*_window, *reversed(used[-4 * KEPT_MAX:]), *reversed(_kept)]:
        digest = identity._VERIFIED.get(key_of)
        signer, signature = key_of
        if (digest is None or key_of in chosen or len(signer) != _ID or not signer.isascii()
                or len(signature) != _SIG or len(digest) != _DIGEST):
            continue
        chosen[key_of] = digest
        if len(chosen) == KEPT_MAX:
            break
    data = _HEADER + b"".join(signer.encode("ascii") + signature + digest
                              for (signer, signature), digest in reversed(chosen.items()))
    if _loaded and _loaded[0] == data:
        return
    if _write(os.path.join(home, KEEP_FILE), data):
        _loaded[:] = [data]


def _write(path: str, data: bytes) -> bool:
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
        return False
    return True


_public_kept: list[bytes] = []  # the public key the file held or was given (not written again)


def _public_entry(keypair: Keypair) -> bytes:
    tag = blake2b(keypair.public_key, key=keypair.seed, digest_size=16).digest()
    return keypair.public_key + tag


def kept_keypair(home: str | os.PathLike[str]) -> Keypair:
    """identity.load_or_create_keypair, the public key taken from `PUBLIC_FILE` when that is
    what `keep_public_key` wrote for this seed (else derived by libsodium, as before)."""
    def from_seed(seed: bytes) -> Keypair:
        try:
            with open(os.path.join(home, PUBLIC_FILE), "rb") as file:
                kept = file.read(100)
        except OSError:
            kept = b""
        public = kept[:32]
        if len(seed) == 32 and len(kept) == 48:
            # libsodium's secret key is the seed and then the public key.
            pair = Keypair(seed, public, seed + public)
            if _public_entry(pair) == kept:
                _public_kept[:] = [kept]
                return pair
        return Keypair.from_seed(seed)

    return load_or_create_keypair(home, from_seed)


def keep_public_key(home: str | os.PathLike[str], keypair: Keypair) -> None:
    """Write `keypair`'s public key for the next start's `kept_keypair` (once)."""
    entry = _public_entry(keypair)
    if _public_kept != [entry] and _write(os.path.join(home, PUBLIC_FILE), entry):
        _public_kept[:] = [entry]
