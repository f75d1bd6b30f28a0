"""What the relay's desk (desk.py) checks of a request before it goes on: a group of this host,
only the headers a leaf's own requests carry, a change that is a well-formed membership
record of that group signed by its author (open_record: the checks of any stored record;
the hub checks the rest). And the file a fetch for another user made, theirs to write."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
from collections.abc import Callable
from pathlib import Path

from peers_tui.relay.envelope import Envelope
from peers_tui.relay.group_leftovers import FILE_PARTS, write_mark
from peers_tui.relay.hub_cut import CUT_OF, HELD_CUT
from peers_tui.relay.head_question import HEAD_AFTER
from peers_tui.relay.join_invites import HEADER as INVITES

HEADERS = (INVITES, HELD_CUT, CUT_OF, HEAD_AFTER)  # a leaf's own requests' (ordering.py)
MAX_HEADER = 1 << 20


class Refused(ValueError):
    """A request the desk will not forward: its reason is the answer."""


def share_group_file(hub: Path, group_id: str) -> None:
    """A group file this relay fetched for another user is theirs to write as any group file
    of the shared hub is (core.group_file: 0660, of the hub's group), whoever runs the relay."""
    from peers_tui.core.group_file import GROUP_FILE_MODE
    gid = os.stat(hub).st_gid
    for part in FILE_PARTS:
        path = hub / f"{group_id}.db{part}"
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                os.chmod(path, GROUP_FILE_MODE)
                if os.stat(path).st_gid != gid:
                    os.chown(path, -1, gid)


def checked_then_marked(hub: Path, group_id: str, key: str, uid: int | None
                        ) -> Callable[[Path], None]:
    """What a fetch for another user's join does with the file it made, before linking it
    into place: a code that could admit no one (used up, revoked, expired: `peers invite
    --list` leaves it out) fetches nothing (RelayError, the staging file goes), since the
    asking client need not join nor drop after it and the file is readable by every user of
    the hub (docs/relay.md, "Eighteenth attack pass"); else marked for `uid` (join_fetch.py:
    their next join finds a killed one's)."""
    def before_link(made: Path) -> None:
        from peers_tui.core.encoding import now_ms
        from peers_tui.core.group_store import GroupStore
        from peers_tui.core.invite_list import why_unusable
        from peers_tui.relay.config import RelayError

        store = GroupStore(made, group_id)
        try:
            why = why_unusable(store, key, now_ms())
        finally:
            store.close()
        if why is not None:
            raise RelayError(f"this invite code {why}: nothing was fetched")
        write_mark(hub, group_id, made, uid)
    return before_link


def new_handle_change(hub: Path, envelope: Envelope, author: str) -> None:
    """Refused unless `envelope` (a signed handle change of `author`) is one to keep for the
    hub in place of theirs kept now: signed after this host's log head (not a change the log
    holds, replayed) and not before the kept one (not one it replaced, copied from
    `.relay-held/`). Any user of the host may ask, and every such change is readable by them:
    a replayed one replaced its author's newest wish, and one refused as stale then waited
    for good for a desk user to sign it again (docs/relay.md, "Eighteenth attack pass")."""
    from peewee import PeeweeException

    from peers_tui.core.errors import PeersError
    from peers_tui.core.group_store import GroupStore
    from peers_tui.relay.held import held_dir

    data = json.loads(envelope.text)
    try:
        store = GroupStore(hub / f"{envelope.group_id}.db", envelope.group_id)
        try:
            head = store.roster().head_seq  # (the verified log: what its author signed after)
        finally:
            store.close()
    except (PeersError, OSError, PeeweeException) as exc:
        raise Refused(f"the group's file cannot be read here: {exc}"[:200]) from exc
    if not isinstance(data.get("seq"), int) or data["seq"] <= head:
        raise Refused("not a change signed against this host's head: nothing was kept")
    try:
        kept = json.loads(json.loads((held_dir(hub) / f"{envelope.group_id}.{author}.json")
                                     .read_text(encoding="utf-8"))["text"])
    except (OSError, ValueError, KeyError, TypeError):
        return  # none kept (or none readable: replaced, as before)
    if isinstance(kept, dict) and isinstance(kept.get("t"), int) \
            and kept["t"] > (data["t"] if isinstance(data.get("t"), int) else 0):
        raise Refused("older than the change kept for its author: nothing was kept")


def envelope_action(payload: bytes) -> object:
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return data.get("action") if isinstance(data, dict) else None


def signed_by(payload: bytes) -> str:
    return str(json.loads(payload).get("a", ""))


def group(hub: Path, value: object) -> str:
    from peers_tui.relay.ordering import GROUP_FILE

    if not isinstance(value, str) or not GROUP_FILE.match(value):
        raise Refused("no group id")
    if not (hub / f"{value}.db").is_file():
        raise Refused(f"group {value} is not on this host")
    return value


def headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > len(HEADERS):
        raise Refused("malformed headers")
    for key, item in value.items():
        if key not in HEADERS or not isinstance(item, str) or len(item) > MAX_HEADER:
            raise Refused(f"a header no request of a leaf carries: {str(key)[:40]!r}")
    return dict(value)


def only_a_question(headers: dict[str, str]) -> None:
    """A request without a change asks where a chain is cut (hub_cut) or the hub's changes
    past a head (hub_head), nothing else."""
    if set(headers) not in ({CUT_OF}, {HEAD_AFTER}):
        raise Refused("a question without a change asks where a chain is cut, or the hub's"
                      " membership head, only")


def change(group_id: str, value: object, origin: str) -> Envelope:
    """The signed membership change of a request, checked as any record: its signature its
    author's, of this group (RecordError's reason refused)."""
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.records import RecordError, open_record

    if not isinstance(value, dict):
        raise Refused("no change")
    try:
        sig = base64.b64decode(str(value.get("sig")), validate=True)
        cosig_text = value.get("cosig")
        cosig = base64.b64decode(str(cosig_text), validate=True) if cosig_text else None
        record = open_record(value.get("text"), sig, cosig, group_id=group_id,
                             kind=RecordKind.MEMBER)
    except (ValueError, TypeError) as exc:  # RecordError, binascii.Error
        why = str(exc) if isinstance(exc, RecordError) else "malformed signature"
        raise Refused(f"not a signed membership change of this group: {why}"[:200]) from exc
    return Envelope(group_id, "member", record.text, record.sig, record.cosig, origin)


def peer_uid(writer: asyncio.StreamWriter) -> int | None:
    """The uid of the process at the other end (SO_PEERCRED), None where unknown."""
    sock = writer.get_extra_info("socket")
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", raw)[1])
    except (OSError, AttributeError, struct.error):
        return None


__all__ = ["HEADERS", "Refused", "change", "checked_then_marked", "new_handle_change", "envelope_action", "group", "headers", "peer_uid",
           "share_group_file", "signed_by"]
