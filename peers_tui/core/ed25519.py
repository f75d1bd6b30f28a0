"""Ed25519 signatures through the libsodium that PyNaCl ships, called directly.

`import nacl.signing` loads every binding of PyNaCl (boxes, secret boxes, hashing, password
hashing...) and their type hints: ~8 ms of a `peers send` whose whole budget is ~60 ms. The
three calls peers needs are made here on PyNaCl's compiled module (`nacl._sodium`, the
libsodium its own bindings call), after the same one-time `sodium_init`. Should a PyNaCl
ever lack that module, its public bindings do the same work.

The signatures are the same bytes either way: Ed25519 signing is deterministic.

The library is loaded by the first use of `seed_keypair`, `sign` or `verify` (a module
`__getattr__`), not on import: `peers open` imports this module with core.identity, and its
first frame checks no signature when the window's are kept (core.verified_keep), so PyNaCl,
cffi and libsodium (three modules and a shared library, ~1 ms) waited for nothing (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable

SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
SECRET_KEY_BYTES = 64
SIGNATURE_BYTES = 64

seed_keypair: Callable[[bytes], tuple[bytes, bytes]]
sign: Callable[[bytes, bytes], bytes]
verify: Callable[[bytes, bytes, bytes], bool]


def _check(value: object, length: int, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    if len(value) != length:
        raise ValueError(f"{what} must be exactly {length} bytes long")
    return value


def _load() -> tuple[Callable[[bytes], tuple[bytes, bytes]], Callable[[bytes, bytes], bytes],
                    Callable[[bytes, bytes, bytes], bool]]:
    try:
        from nacl._sodium import ffi, lib
    except ImportError:  # pragma: no cover - every PyNaCl release since 1.0 has it
        import nacl.bindings
        import nacl.exceptions

        def _seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
            return nacl.bindings.crypto_sign_seed_keypair(_check(seed, SEED_BYTES, "seed"))

        def _sign(message: bytes, secret: bytes) -> bytes:
            return nacl.bindings.crypto_sign(message, secret)[:SIGNATURE_BYTES]

        def _verify(public: bytes, message: bytes, signature: bytes) -> bool:
            try:
                nacl.bindings.crypto_sign_open(
                    _check(signature, SIGNATURE_BYTES, "signature") + message,
                    _check(public, PUBLIC_KEY_BYTES, "public key"))
            except nacl.exceptions.BadSignatureError:
                return False
            return True
    else:
        def _init() -> None:
            if lib.sodium_init() == -1:
                raise RuntimeError("could not initialize libsodium")

        # The tag PyNaCl's own sodium_init uses: libsodium is set up once, whoever comes first.
        ffi.init_once(_init, "libsodium")

        def _seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
            public = ffi.new("unsigned char[]", PUBLIC_KEY_BYTES)
            secret = ffi.new("unsigned char[]", SECRET_KEY_BYTES)
            seed = _check(seed, SEED_BYTES, "seed")
            if lib.crypto_sign_seed_keypair(public, secret, seed) != 0:
                raise RuntimeError("libsodium could not derive a keypair")
            return (bytes(ffi.buffer(public, PUBLIC_KEY_BYTES)),
                    bytes(ffi.buffer(secret, SECRET_KEY_BYTES)))

        # The calls PyNaCl's own bindings make (nacl.bindings.crypto_sign): its compiled module
        # declares the combined forms, signature then message.
        def _sign(message: bytes, secret: bytes) -> bytes:
            signed = ffi.new("unsigned char[]", len(message) + SIGNATURE_BYTES)
            length = ffi.new("unsigned long long *")
            if lib.crypto_sign(signed, length, message, len(message),
                               _check(secret, SECRET_KEY_BYTES, "secret key")) != 0:
                raise RuntimeError("libsodium could not sign")
            return bytes(ffi.buffer(signed, SIGNATURE_BYTES))

        def _verify(public: bytes, message: bytes, signature: bytes) -> bool:
            # The checks inline: two calls of _check were ~1 % of a `peers verify` row.
            if (type(signature) is not bytes or len(signature) != SIGNATURE_BYTES
                    or type(public) is not bytes or len(public) != PUBLIC_KEY_BYTES):
                _check(signature, SIGNATURE_BYTES, "signature")
                _check(public, PUBLIC_KEY_BYTES, "public key")
            signed = signature + message
            opened = ffi.new("unsigned char[]", len(signed))
            length = ffi.new("unsigned long long *")
            return lib.crypto_sign_open(opened, length, signed, len(signed), public) == 0

    return _seed_keypair, _sign, _verify


def __getattr__(name: str) -> object:
    # Called only while the three names are unbound: bound once, plain globals after that.
    if name not in ("seed_keypair", "sign", "verify"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    global seed_keypair, sign, verify
    seed_keypair, sign, verify = _load()
    return globals()[name]
