"""The user's Ed25519 identity: the public key is the user id, the secret stays in <home>."""

from __future__ import annotations

import functools
import json
import os
from itertools import islice

from peers_tui.core import ed25519
from peers_tui.core.encoding import b32, blake2b, unb32
from peers_tui.core.errors import DamagedDatabase
from peers_tui.core.frozen import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import TypeGuard

    import nacl.signing

KEY_FILE = "identity.key"
FINGERPRINT_LENGTH = 8


# A user id as b32 spells a 32-byte key: 52 characters of lower-case base32, the last one
# carrying the key's last bit and four zero bits. unb32 also reads upper case, padding,
# spaces and those spare bits set, so one key had many ids that verified alike, while the
# roster, cuts and chains tell people apart by the text (tenth attack pass, docs/relay.md).
_B32_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz234567")


def is_user_id(value: object) -> TypeGuard[str]:
    """Whether `value` is a key's own spelling as a user id (about 1 µs)."""
    return (isinstance(value, str) and len(value) == 52 and value[-1] in "aq"
            and _B32_LOWER.issuperset(value))


def fingerprint(user_id: str) -> str:
    """The short form people see beside a handle."""
    return user_id[:FINGERPRINT_LENGTH]


# Signatures already found valid, by (signer, signature): a digest of what they signed.
# Verifying costs ~60 µs, and the same rows are read again at every switch and scroll; a
# digest comparison costs ~1 µs. Only valid signatures are remembered, and a row whose text
# differs from what was verified misses the cache and is verified in full.
_VERIFIED: dict[tuple[str, bytes], bytes] = {}
_VERIFIED_MAX = 20_000  # ~4 MB at most
# The cache's keys found or added, in order, while a process records them (the app does, to
# keep them for its next start: core.verified_keep); None when nothing records.
_USED: list[tuple[str, bytes]] | None = None
_USED_MAX = 4096
# Those of the read of the shown group's newest window, while it runs (kept first).
_WINDOW: list[tuple[str, bytes]] | None = None


def _note_used(key_of: tuple[str, bytes]) -> None:
    used = _USED
    if used is not None:
        used.append(key_of)
        if len(used) > _USED_MAX:
            del used[:_USED_MAX // 2]
        window = _WINDOW
        if window is not None:
            window.append(key_of)


# Whether this process remembers what it verified (above). A `peers verify` worker checks each
# row of a file once and never again: the digest and the cache's upkeep were ~2 us of its
# ~110 us a row, for nothing (core.bulk_verify turns it off there).
_REMEMBER = True


def remember_verified(on: bool) -> None:
    global _REMEMBER
    _REMEMBER = on


def verify_signature(user_id: str, message: bytes, signature: bytes) -> bool:
    """True when `signature` is `user_id`'s Ed25519 signature of `message`."""
    if not _REMEMBER:
        try:
            return ed25519.verify(_verify_key(user_id), message, bytes(signature))
        except (ValueError, TypeError):
            return False
    key_of = (user_id, bytes(signature))
    digest = blake2b(message, digest_size=16).digest()
    if _VERIFIED.get(key_of) == digest:
        _note_used(key_of)
        return True
    try:
        if not ed25519.verify(_verify_key(user_id), message, bytes(signature)):
            return False
    except (ValueError, TypeError):
        return False
    if len(_VERIFIED) >= _VERIFIED_MAX:
        # The oldest quarter goes, not everything: the relay's pool checks a backfill's next
        # page ahead of its apply (relay/signatures.py), and a clear() dropped those checks,
        # so a page every 20 was verified again on the event loop.
        for old in list(islice(_VERIFIED, _VERIFIED_MAX // 4)):
            _VERIFIED.pop(old, None)  # the pool's threads may drop the same ones at once
    _VERIFIED[key_of] = digest
    _note_used(key_of)
    return True


@functools.lru_cache(maxsize=4096)
def _verify_key(user_id: str) -> bytes:
    # Decoding the base32 id costs ~25 µs in pure Python, most of a cached check's cost and a
    # third of a fresh one's; a group has few authors, so their keys are decoded once.
    return unb32(user_id)


class Keypair(Frozen):
    """An Ed25519 keypair: a user's identity, or an invite's own key (core.ed25519 signs)."""

    __slots__ = ("seed", "public_key", "_secret")
    _fields = ("seed", "public_key", "_secret")
    _compared = ("seed",)
    seed: bytes
    public_key: bytes
    _secret: bytes

    def __init__(self, seed: bytes, public_key: bytes, _secret: bytes) -> None:
        set_field(self, "seed", seed)
        set_field(self, "public_key", public_key)
        set_field(self, "_secret", _secret)

    @classmethod
    def generate(cls) -> Keypair:
        return cls.from_seed(os.urandom(ed25519.SEED_BYTES))

    @classmethod
    def from_seed(cls, seed: bytes) -> Keypair:
        public, secret = ed25519.seed_keypair(seed)
        return cls(seed, public, secret)

    @property
    def public_id(self) -> str:
        return b32(self.public_key)

    @property
    def signing_key(self) -> nacl.signing.SigningKey:
        """PyNaCl's key, for what needs more than signing (sealed boxes: core.invitations)."""
        import nacl.signing

        return nacl.signing.SigningKey(self.seed)

    def sign(self, message: bytes) -> bytes:
        return ed25519.sign(message, self._secret)

    def __repr__(self) -> str:
        return f"Keypair({self.public_id})"


# The files of <home> that only their user may change: whoever else can write them holds
# that user's view of peers (core.personal_store keeps the Groups table, the pins and the
# group ids they are checked against in personal.db; identity.key is the key one signs with).
OWN_FILES = ((KEY_FILE, "secret key"), ("personal.db", "personal database"))


def check_private_home(home: str | os.PathLike[str]) -> None:
    """DamagedDatabase unless <home>, identity.key and personal.db (those that exist) can be
    changed by this user alone: owned by them (or root), the files not writable by group or
    others, nor symlinks, the directory not writable by everyone (unless sticky, as /tmp).
    Created so by peers (0700, 0600): someone loosened them, or planted them in a home that
    others could write (the tenth attack pass, docs/relay.md). One lstat a file."""
    import stat

    me = os.geteuid() if hasattr(os, "geteuid") else None
    for name, what in ((None, "data directory"), *OWN_FILES):
        path = os.fspath(home) if name is None else os.path.join(home, name)
        try:
            info = os.stat(path) if name is None else os.lstat(path)
        except OSError:
            continue  # missing (a first run), or unreadable: said where it is used
        mode = stat.S_IMODE(info.st_mode)
        if name is not None and stat.S_ISLNK(info.st_mode):
            problem = "is a symlink"
        elif me is not None and info.st_uid not in (me, 0):
            problem = f"belongs to another user (uid {info.st_uid})"
        elif name is not None and mode & 0o022:
            problem = f"can be changed by other users (mode {mode:04o}; chmod 600 {path})"
        elif name is None and mode & 0o002 and not mode & stat.S_ISVTX:
            problem = f"can be changed by everyone (mode {mode:04o}; chmod 700 {path})"
        else:
            continue
        raise DamagedDatabase(f"your {what} {path} {problem}: peers will not use it, as whoever "
                              "can change it can act as you")


def load_or_create_keypair(home: str | os.PathLike[str],
                           from_seed: Callable[[bytes], Keypair] | None = None) -> Keypair:
    """Read <home>/identity.key, creating it (mode 0600, no prompt) on first run; the pair
    made by `from_seed` (the app's start: core.verified_keep.kept_keypair), else derived."""
    path = os.path.join(home, KEY_FILE)  # a str: `peers send` runs without pathlib
    check_private_home(home)
    try:
        with open(path, encoding="utf-8") as file:
            raw = file.read()
    except FileNotFoundError:
        from pathlib import Path

        return _create_key_file(Path(path))
    try:
        seed = unb32(json.loads(raw)["secret"])
        return (from_seed or Keypair.from_seed)(seed)
    except (ValueError, KeyError, TypeError) as exc:
        raise DamagedDatabase(f"identity file {path} is damaged") from exc


def _create_key_file(path: Path) -> Keypair:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    keypair = Keypair.generate()
    payload = json.dumps({"version": 1, "secret": b32(keypair.seed)}) + "\n"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # link() publishes the complete file atomically and fails if another first-run
        # process won the race; then its key is the identity and ours is discarded.
        os.link(temp, path)
    except FileExistsError:
        return load_or_create_keypair(path.parent)
    finally:
        temp.unlink(missing_ok=True)
    return keypair
