"""A record on the wire: its text exactly as stored (never re-encoded) plus headers.

Subjects: a leaf sends its host's records to the hub on `peers.in.<host>.<group>`; the hub
republishes every record it accepted on `peers.fed.<group>.m` (membership changes),
`peers.fed.<group>.i` (genesis, invites) or `peers.fed.<group>.r` (messages), which every
host pulls.
`Nats-Msg-Id` is the record's hash, so a record published twice is stored once; a leaf's
keyed with its credential (`headers(key=...)`): any process of a leaf host may publish on its
own server, and one that published first under a record's hash had the stream drop the relay's
genuine record as a duplicate (sixteenth attack pass).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

from peers_tui.core.encoding import record_hash

IN_STREAM = "PEERS_IN"
FED_STREAM = "PEERS_FED"
IN_SUBJECTS = "peers.in.>"
FED_SUBJECTS = "peers.fed.>"
# "evidence": a record of an author's chain kept only as evidence of its place, never as a
# message or invite of the log (a fork's second record, or a void one a genuine record
# names as its predecessor: relay/chain_evidence.py).
TABLES = ("genesis", "member", "invite", "msg", "evidence")
FED_PARTS = {"member": "m", "genesis": "i", "invite": "i", "msg": "r", "evidence": "r"}
GROUP_ID = re.compile(r"[a-z2-7]{26}")
KEPT_BYTES = 4096  # of a message that is no record: enough to tell what it was


def in_subject(host: str, group_id: str) -> str:
    return f"peers.in.{host}.{group_id}"


def fed_subject(group_id: str, table: str | None = None) -> str:
    """`peers.fed.<group>.m` for membership changes (so a leaf can read the hub's membership
    order alone), `.i` for the genesis and invites (a joining host reads them whole before
    any message), `.r` for messages (read newest first by a backfill); without a table, all."""
    if table is None:
        return f"peers.fed.{group_id}.>"
    return f"peers.fed.{group_id}.{FED_PARTS.get(table, 'r')}"


@dataclass(frozen=True)
class Envelope:
    """One record of one group, with the table it belongs in and the host it came from."""

    group_id: str
    table: str
    text: str
    sig: bytes
    cosig: bytes | None
    origin: str

    @cached_property
    def hash(self) -> str:
        # Asked of each record a dozen times on its way (waiting, known, released, pinned,
        # published...): the SHA-256 of its text once. The text never changes (frozen).
        return record_hash(self.text)

    def headers(self, key: str = "") -> dict[str, str]:
        """`key`: a leaf's credential, so that its `Nats-Msg-Id` is one no other process of
        its host can know before the relay publishes (the same for a retry: still stored once)."""
        msg_id = self.hash if not key else hashlib.blake2b(
            self.hash.encode(), key=key.encode()[:64], digest_size=32).hexdigest()
        headers = {"Nats-Msg-Id": msg_id, "Peers-Table": self.table,
                   "Peers-Origin": self.origin, "Peers-Group": self.group_id,
                   "Peers-Sig": base64.b64encode(self.sig).decode()}
        if self.cosig is not None:
            headers["Peers-Cosig"] = base64.b64encode(self.cosig).decode()
        return headers

    def payload(self) -> bytes:
        return self.text.encode("utf-8")


class EnvelopeError(ValueError):
    """A message on a peers subject that is not a record envelope."""


def from_message(data: bytes, headers: dict[str, str] | None, fallback_origin: str) -> Envelope:
    """The envelope carried by a NATS message; EnvelopeError for anything malformed."""
    headers = headers or {}
    table = headers.get("Peers-Table", "")
    group_id = headers.get("Peers-Group", "")
    if table not in TABLES or not group_id:
        raise EnvelopeError("message without a record table or group")
    if not GROUP_ID.fullmatch(group_id):
        # No group is called that: it would only wait for a genesis that cannot come.
        raise EnvelopeError(f"no group id: {group_id[:40]!r}")
    try:
        text = data.decode("utf-8")
        sig = base64.b64decode(headers.get("Peers-Sig", ""), validate=True)
        cosig_text = headers.get("Peers-Cosig")
        cosig = base64.b64decode(cosig_text, validate=True) if cosig_text is not None else None
    except (UnicodeDecodeError, binascii.Error, ValueError) as exc:
        raise EnvelopeError(f"undecodable record ({exc})") from exc
    origin = headers.get("Peers-Origin") or fallback_origin
    return Envelope(group_id, table, text, sig, cosig, origin)


def unreadable(data: bytes, headers: dict[str, str] | None, origin: str) -> Envelope:
    """What to keep of a message on a peers subject that is no record envelope (from_message
    refused it), so that its refusal is counted and listed with the host it came from: its
    first bytes as text (undecodable ones replaced), its table and group only when they are
    one."""
    headers = headers or {}
    table, group_id = headers.get("Peers-Table", ""), headers.get("Peers-Group", "")
    return Envelope(group_id if GROUP_ID.fullmatch(group_id) else "",
                    table if table in TABLES else "?",
                    data[:KEPT_BYTES].decode("utf-8", errors="replace"), b"", None, origin)
