"""Sealed invitations: an invite code delivered to one person through the hub, by name.

`<hub>/.invitations/<to_id>/<digest>.json` holds a signed record of kind "invitation" by the
inviter: `to`, `group`, `name`, `invite` (the invite's public key) and `sealed`: the code
(with both ids) sealed to the recipient's X25519 key, derived from their user id (PyNaCl
SealedBox): only they can open it, whatever the file's mode (the hub's sharing at most).

Offered only if signed by its author, addressed to us, opening with our key, sealing the same
inviter, recipient, group and invite, the group in our hub and the invite a genuine one of it
by the inviter, still an admin or owner there (whether it admits us: at the join): the inbox
is read and judged in core.inbox_reading."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.public
import nacl.signing

from peers_tui.core.kinds import RecordKind
from peers_tui.core.encoding import b32, canonical_json, record_digest_b32, unb32
from peers_tui.core.errors import NotFound, PeersError
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.names import look_alikes, shown_handle
from peers_tui.core.invites import InviteCode
from peers_tui.core.membership import is_user_id
from peers_tui.core.profiles import (
    check_real_dir, ensure_dir, open_signed_file, signed_file, write_file,
)
from peers_tui.core.records import RecordError, sign
from peers_tui.core.times import iso_utc_or_none

INVITATIONS_DIR = ".invitations"
MAX_INVITATIONS = 1000
MAX_FROM_HOST = 100  # invitations carried from one other host, in one inbox
ID_LENGTH = 10


def _box_key(user_id: str) -> nacl.public.PublicKey:
    return nacl.signing.VerifyKey(unb32(user_id)).to_curve25519_public_key()


def seal(recipient: str, payload: dict[str, Any]) -> str:
    """`payload` sealed to `recipient`'s key (derived from their user id), in base32."""
    return b32(nacl.public.SealedBox(_box_key(recipient)).encrypt(
        canonical_json(payload).encode("utf-8")))


def unseal(keypair: Keypair, sealed: object) -> dict[str, Any]:
    """What was sealed to `keypair`; RecordError when it was not sealed to this key."""
    try:
        box = nacl.public.SealedBox(keypair.signing_key.to_curve25519_private_key())
        data = json.loads(box.decrypt(unb32(str(sealed))).decode("utf-8"))
    except (nacl.exceptions.CryptoError, ValueError, TypeError, RecursionError) as exc:
        raise RecordError("not sealed to you") from exc
    if not isinstance(data, dict):
        raise RecordError("not sealed to you")
    return data


def inbox(hub: Path, user_id: str) -> Path:
    return hub / INVITATIONS_DIR / user_id


def deliver(hub: Path, keypair: Keypair, recipient: str, code: InviteCode, group_name: str,
            extra: dict[str, Any] | None = None) -> str:
    """Seal `code` to `recipient` and drop the signed invitation in their inbox; its id."""
    if not is_user_id(recipient):
        raise PeersError("not a user id")
    sealed = seal(recipient, {"code": str(code), "from": keypair.public_id, "to": recipient})
    record = sign(keypair, RecordKind.INVITATION, None, {
        "to": recipient, "group": code.group_id, "name": group_name,
        "invite": code.key.public_id, "sealed": sealed, **(extra or {})})
    digest = record_digest_b32(record.text)[:26]
    ensure_dir(hub, hub / INVITATIONS_DIR, sticky=True)
    ensure_dir(hub, inbox(hub, recipient), sticky=False)
    write_file(hub, inbox(hub, recipient) / f"{digest}.json", signed_file(record))
    return digest[:ID_LENGTH]


class InboxFull(PeersError):
    """A carried invitation not filed now for want of room: worth trying again later."""


def file_received(hub: Path, text: str, homes: set[str], origin: str | None = None) -> str | None:
    """An invitation another host's relay carried here (its sender's hub holds it): into the
    inbox of its recipient if they live here (`homes`), where deliver() would have put it.
    Its file name, or None when it is not a signed invitation to someone of this host or is
    there already; InboxFull when the inbox has no room for it now. Whether it is genuine is
    judged as for any other, when it is read. The file names the host that carried it
    (`origin`), which may have at most MAX_FROM_HOST in one inbox: a host signing
    invitations with keys of its own cannot fill the inbox against every other host."""
    try:
        record = open_signed_file(text, RecordKind.INVITATION)
    except RecordError:
        return None
    recipient = record.data.get("to")
    if not isinstance(recipient, str) or recipient not in homes or not is_user_id(recipient):
        return None
    digest = record_digest_b32(record.text)[:26]
    try:  # another host cannot fill a disk here
        names = os.listdir(inbox(hub, recipient))
    except FileNotFoundError:
        names = []
    if any(name.startswith(digest) for name in names):
        return None
    if len(names) >= MAX_INVITATIONS or (origin is not None and sum(
            name.endswith(f".{origin}.json") for name in names) >= MAX_FROM_HOST):
        raise InboxFull(f"the inbox of {recipient} has no room for {origin}'s invitations now")
    name = f"{digest}.{origin}.json" if origin is not None else f"{digest}.json"
    ensure_dir(hub, hub / INVITATIONS_DIR, sticky=True)
    ensure_dir(hub, inbox(hub, recipient), sticky=False)
    write_file(hub, inbox(hub, recipient) / name, signed_file(record))
    return name


@dataclass(frozen=True)
class Invitation:
    """An invitation in our inbox: offered (`problem` None) or refused (with the reason)."""

    id: str
    file: str
    from_id: str
    from_handle: str
    group_id: str
    group_name: str
    role: str | None
    problem: str | None
    code: InviteCode | None = None
    data: dict[str, Any] | None = None
    # A direct conversation of the inviter and us: the group's genesis names the two of us
    # (core.direct), whatever the invitation itself says.
    direct: bool = False
    created_at: int = 0  # the inviter's signed time (display only)
    # Carried from another host (relay.presence_carry) for a group not in this hub yet: only
    # the signature and the sealing are checked now; the rest once accepting fetched it.
    elsewhere: bool = False
    # The sender as named to us: `handle~fingerprint` where another person known here has
    # the same handle or one like it (named_apart), as the log names look-alike authors.
    from_label: str = ""

    @property
    def sender(self) -> str:
        return self.from_label or shown_handle(self.from_handle)

    @property
    def claims_dm(self) -> bool:  # judged from the genesis once the group is here (`direct`)
        return self.direct or (self.elsewhere and (self.data or {}).get("dm") is True)

    text = property(lambda self: self.line(str, with_role=False))

    def line(self, shown: Callable[[str], str], dm_hint: str = "", with_role: bool = True) -> str:
        """One line offering it, names through `shown`; no role for a group elsewhere (the
        app said "(as None)"); `dm_hint`: the command taking up a conversation."""
        who = shown(self.sender)
        if self.claims_dm:
            away = "" if self.direct else " (on another host: checked when you accept)"
            hint = f" ({dm_hint} {who})" if dm_hint else away
            return f"{who} invites you to a direct conversation{hint}"
        where = (" (a group on another host: checked when you accept)" if self.elsewhere
                 else f" (as {self.role})" if with_role else "")
        return f"{who} invites you to {shown(self.group_name)}{where}"

    def to_json(self) -> dict[str, Any]:
        found = {"id": self.id, "from_id": self.from_id, "from": self.from_handle,
                 "from_fingerprint": fingerprint(self.from_id), "group_id": self.group_id,
                 "group": self.group_name, "role": self.role, "valid": self.problem is None,
                 "direct": self.direct, "text": self.text,
                 "created_at": iso_utc_or_none(self.created_at)}
        if self.elsewhere:
            found["elsewhere"] = True
        if self.problem:
            found["problem"] = self.problem
        return found


def find(invitations: list[Invitation], prefix: str) -> Invitation:
    text = prefix.strip().lower()
    matches = [i for i in invitations if i.id.startswith(text)] if text else []
    if not matches:
        raise NotFound(f"no invitation {prefix!r} (see 'peers invitations')")
    if len(matches) > 1:
        raise PeersError(f"invitation id {prefix!r} is ambiguous; give more characters")
    return matches[0]


def discard(hub: Path, user_id: str, invitation: Invitation) -> None:
    """Take a handled invitation out of the inbox, where the hub lets us."""
    try:
        check_real_dir(hub / INVITATIONS_DIR)
        check_real_dir(inbox(hub, user_id))
        (inbox(hub, user_id) / invitation.file).unlink(missing_ok=True)
    except OSError:
        pass  # remembered as handled in personal.db all the same


def named_apart(invitations: list[Invitation], people: Iterable[tuple[str, str]]
                ) -> list[Invitation]:
    """`invitations` with each sender whose handle is, or looks like, that of someone else
    (another sender, or one of `people`: (user id, handle) known here) named with their
    fingerprint: anyone can take any handle, and an invitation is how a stranger speaks first."""
    senders = {(i.from_id, i.from_handle) for i in invitations}
    ambiguous = look_alikes(senders | set(people))
    return [replace(i, from_label=f"{shown_handle(i.from_handle)}~{fingerprint(i.from_id)}")
            if (i.from_id, i.from_handle) in ambiguous else i for i in invitations]

