"""What the hub tells one leaf, proven the hub's: a MAC keyed with that leaf's credential (its
password at the hub, which only the hub's config and the leaf's `.relay/` hold).

A leaf's nats-server takes publications from every process of its host (the hub's server
checks only what crosses the link): any Unix user of a leaf could publish a notice on the
leaf's own `_INBOX_<leaf>.peers-refused`, or answer its relay's question for refusals first,
and have the relay mark any genuine message of the host's file "refused by the hub", with a
reason of their choosing (sixteenth attack pass). A notice or answer without the right MAC
is dropped.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Peers-Mac"


def mac(key: str, tag: bytes, body: bytes) -> str:
    return hmac.new(key.encode(), tag + b"\0" + body, hashlib.sha256).hexdigest()


def proven(key: str, tag: bytes, body: bytes, headers: dict[str, str] | None) -> bool:
    """Whether `headers` carry the MAC of `body` under `key` (never without a key)."""
    given = (headers or {}).get(HEADER)
    return bool(key) and isinstance(given, str) and hmac.compare_digest(given, mac(key, tag, body))


__all__ = ["HEADER", "mac", "proven"]
