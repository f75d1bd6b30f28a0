"""Our inbox of invitations read: each one offered, or refused with the reason (core.invitations
says what is checked). One whose group is not in this hub yet is offered as "elsewhere" (its
group judged once accepting fetched it); one whose group is here but holds no such invite is
refused for now, its code kept: that invite may be on its way behind what was written in the
group before it, and accepting it waits for it (core.direct.accept)."""

from __future__ import annotations

import os
from pathlib import Path

from peers_tui.core.kinds import RecordKind
from peers_tui.core.errors import BadInvite, PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.invitations import (
    ID_LENGTH, INVITATIONS_DIR, MAX_INVITATIONS, Invitation, inbox, unseal,
)
from peers_tui.core.invites import InviteCode, parse_code
from peers_tui.core.profiles import check_real_dir, open_signed_file, read_small
from peers_tui.core.records import RecordError, SignedRecord
from peers_tui.core.roles import Role
from peers_tui.core.roster import PAIR_ONLY

NO_SUCH_INVITE = "that group holds no such invite"  # (yet: direct.accept)


class _Elsewhere(Exception):
    """A genuine invitation's group is not in this hub (yet): it is on another host."""

    def __init__(self, code: InviteCode) -> None:
        super().__init__(code.group_id)
        self.code = code


class _NoSuchInvite(RecordError):
    """The invitation's group is here but holds no such invite: yet, maybe (its invite on its
    way behind what was written before it). Carries the code, so that accepting it can wait
    for that invite (core.direct.accept); offered it is not (`problem` set)."""

    def __init__(self, code: InviteCode) -> None:
        super().__init__(NO_SUCH_INVITE)
        self.code = code


def _judge(hub: Path, keypair: Keypair, record: SignedRecord) -> tuple[InviteCode, str, str, bool]:
    """(code, group name, role, direct) of a genuine invitation to us; RecordError otherwise."""
    data = record.data
    if data.get("to") != keypair.public_id:
        raise RecordError("addressed to someone else")
    sealed = unseal(keypair, data.get("sealed"))
    if sealed.get("from") != record.author or sealed.get("to") != keypair.public_id:
        raise RecordError("what it seals names another inviter or recipient")
    try:
        code = parse_code(str(sealed.get("code")))
    except BadInvite as exc:
        raise RecordError(f"it seals no invite code ({exc})") from exc
    if code.group_id != data.get("group") or code.key.public_id != data.get("invite"):
        raise RecordError("what it seals is for another group or invite")
    path = hub / f"{code.group_id}.db"
    if not path.exists():
        raise _Elsewhere(code)
    store = GroupStore(path, code.group_id)
    try:
        terms, _ = store.invites()
        found = terms.get(code.key.public_id)
        makers = {c.signer for c in (found, *found.alternatives)} if found else set()
        if not found:
            raise _NoSuchInvite(code)
        if record.author not in makers:
            raise RecordError("its invite was not made by the inviter in that group")
        role = store.current_roster().role_of(record.author)
        if role is None or role < Role.ADMIN:
            raise RecordError("the inviter is not allowed to invite in that group")
        genesis = store.genesis()
        # Only one founded closed to others (PAIR_ONLY) is offered as direct (h-attack17)
        direct = (genesis.data.get("dm") == sorted([record.author, keypair.public_id])
                  and genesis.author == record.author and genesis.data.get(PAIR_ONLY) is True)
        return code, store.name, found.role.label if found else "?", direct
    except PeersError as exc:
        raise RecordError(f"the group cannot be read ({exc})") from exc
    finally:
        store.close()


def read_inbox(hub: Path, keypair: Keypair, handled: set[str]) -> list[Invitation]:
    """Every invitation in our inbox not yet accepted or declined, offered or refused."""
    directory = inbox(hub, keypair.public_id)
    try:
        check_real_dir(hub / INVITATIONS_DIR)
        check_real_dir(directory)
        names = sorted(os.listdir(directory))[:MAX_INVITATIONS]
    except FileNotFoundError:
        return []
    except NotADirectoryError as exc:
        raise PeersError(f"your inbox of invitations cannot be used: {exc}") from exc
    found = []
    for name in names:
        if name.startswith(".") or name[:ID_LENGTH] in handled:
            continue
        found.append(_read_one(hub, keypair, directory / name))
    return found


def _read_one(hub: Path, keypair: Keypair, path: Path) -> Invitation:
    ident = path.name.removesuffix(".json")[:ID_LENGTH]
    try:
        record = open_signed_file(read_small(path), RecordKind.INVITATION)
    except (OSError, ValueError, RecordError) as exc:
        return Invitation(ident, path.name, "", "?", "", "?", None,
                          f"not a genuine invitation ({exc or type(exc).__name__})")
    data = record.data
    author, claimed = record.author, str(data.get("name", "?"))[:100]
    from_handle = _handle_of(hub, author)
    try:
        code, name, role, direct = _judge(hub, keypair, record)
    except RecordError as exc:
        return Invitation(ident, path.name, author, from_handle, str(data.get("group", ""))[:40],
                          claimed, None, str(exc), data=data, created_at=record.created_at,
                          code=exc.code if isinstance(exc, _NoSuchInvite) else None)
    except _Elsewhere as away:
        return Invitation(ident, path.name, author, from_handle, away.code.group_id, claimed,
                          None, None, away.code, data, created_at=record.created_at,
                          elsewhere=True)
    return Invitation(ident, path.name, author, from_handle, code.group_id, name, role, None,
                      code, data, direct, record.created_at)


def _handle_of(hub: Path, user_id: str) -> str:
    from peers_tui.core.profiles import PEOPLE_DIR, read_profile

    try:
        return read_profile(hub / PEOPLE_DIR / f"{user_id}.json").handle
    except (OSError, ValueError, RecordError):
        pass
    from peers_tui.core.federation_people import known_people  # one at home on another host

    for known in known_people(hub):
        if known.profile.user_id == user_id:
            return known.profile.handle
    return fingerprint(user_id)
