"""Canonical encodings shared by every signed record: JSON, base32 ids, hashes, times."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import time
from collections.abc import Callable, Iterator

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any


def _hashes() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """CPython's own SHA-256 and BLAKE2b: the same digests as hashlib's, which loads OpenSSL
    first (~3 ms of a `peers send`, a script's whole process). Other versions of CPython name
    these modules otherwise: then hashlib's."""
    try:
        import _blake2
        import _sha256
    except ImportError:  # CPython 3.12+ keeps SHA-256 in _sha2
        import hashlib

        return hashlib.sha256, hashlib.blake2b
    return _sha256.sha256, _blake2.blake2b


sha256, blake2b = _hashes()


def use_openssl_sha256() -> None:
    """record_hash by hashlib's SHA-256 (OpenSSL's, which uses the CPU's SHA instructions):
    ~0.7 us a record sooner than CPython's own, the same digests. For a process that hashes
    every record of a file and has loaded hashlib anyway (a `peers verify` worker)."""
    global sha256
    import hashlib

    sha256 = hashlib.sha256


def canonical_json(data: dict[str, Any]) -> str:
    """Sorted-key compact JSON: the exact text that gets signed and stored verbatim."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def b32(raw: bytes) -> str:
    """Lower-case unpadded base32: readable, case-insensitive to type, safe in file names."""
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def unb32(text: str) -> bytes:
    """Decode :func:`b32` output; raises ValueError on anything else."""
    cleaned = text.strip().upper()
    padding = "=" * (-len(cleaned) % 8)
    try:
        return base64.b32decode(cleaned + padding)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"not base32: {text!r}") from exc


def record_hash(text: str) -> str:
    """The hash that chains records together: hex SHA-256 of the stored record text."""
    return sha256(text.encode("utf-8")).hexdigest()


def record_digest_b32(text: str) -> str:
    """The same SHA-256, in base32: the form group ids are cut from."""
    return b32(sha256(text.encode("utf-8")).digest())


_fixed_clock: Iterator[int] | None = None


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds (display only: it proves nothing)."""
    if _fixed_clock is not None:
        return next(_fixed_clock)
    return time.time_ns() // 1_000_000


class fixed_clock:
    """Sample data and screenshots: every `now_ms()` inside ticks from `start_ms` instead of
    reading the wall clock, so the records they sign are the same on every run. (A class,
    not @contextlib.contextmanager: `peers send` runs without contextlib.)"""

    def __init__(self, start_ms: int, step_ms: int = 1) -> None:
        self._clock = itertools.count(start_ms, step_ms)
        self._saved: Iterator[int] | None = None

    def __enter__(self) -> None:
        global _fixed_clock
        self._saved, _fixed_clock = _fixed_clock, self._clock

    def __exit__(self, *exc: object) -> None:
        global _fixed_clock
        _fixed_clock = self._saved
