"""What the relay's desk (desk.py) does for another Unix user's join: fetch its group, remove
the file after a failed join, and ask the hub whether the code's invite is on its way.

  {"op": "fetch", "code"}             a group fetched here for a join (fetch.py), only for a
                                      code of an invite the hub holds (its secret's key)
  {"op": "drop" | "done", "group"}   ... and removed, that join failed (join_fetch.py), or
                                      its mark of the fetch removed, that join ended
  {"op": "transit", "group", "key"}  a join of a group held here whose invite (of public key
                                      `key`) this host's file lacks: the hub's word whether it
                                      is on its way (invite_transit.py), asked over the relay's
                                      own link as its own user's join asks it; {"void_here":
                                      reason} when this relay refused that invite (it never
                                      comes: the wait ends), as its own user reads its ledger;
                                      {"slow": true} when the hub did not answer in time

Each request was read and bounded by the desk; what it carries is checked here before
anything goes on (a group id of a file on this host, an invite key of the code's shape).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from peers_tui.relay.config import RelayError
from peers_tui.relay.desk_checks import Refused, checked_then_marked, group as _group, share_group_file
from peers_tui.relay.group_leftovers import joined_since, read_mark, remove_group_file, unmark

if TYPE_CHECKING:
    from peers_tui.relay.config import RelayConfig
    from peers_tui.relay.link import LinkState


class JoiningRelay(Protocol):
    """What a join's requests need of the relay (runner.Relay, as desk.Relay names more)."""

    hub: Path
    config: RelayConfig
    is_hub: bool
    link: LinkState


TRANSIT_TIMEOUT = 2.0  # as invite_transit.ASK_TIMEOUT: the hub reads two files and a stream


class DeskJoins:
    """The desk's requests for joins; `nc` is the desk's own NATS connection (desk.py)."""

    def __init__(self, relay: JoiningRelay, most: int) -> None:
        self.relay = relay
        self.most = most  # groups fetched at once (the desk's MAX_CLIENTS)
        self.fetching: dict[str, asyncio.Lock] = {}

    async def fetch(self, nc: Any, request: dict[str, Any], uid: int | None) -> dict[str, Any]:
        from peers_tui.core.errors import BadInvite
        from peers_tui.core.invites import parse_code

        code = request.get("code")
        try:
            parsed = parse_code(code if isinstance(code, str) else "")
            group_id = parsed.group_id
        except BadInvite as exc:
            raise Refused(f"not an invite code ({exc})") from exc
        hub = self.relay.hub
        if len(self.fetching) > self.most and group_id not in self.fetching:
            return {"busy": "the relay fetches too many groups now"}
        lock = self.fetching.setdefault(group_id, asyncio.Lock())
        try:
            async with lock:  # two users joining one group: one fetch, the other finds it
                if (hub / f"{group_id}.db").exists():
                    return {"ok": True, "group": group_id}
                if not await self._invite_known(nc, group_id, parsed.key.public_id):
                    return {"failed": f"this code names no invite of group {group_id} that the "
                                      "hub knows: nothing was fetched"}
                from peers_tui.relay.fetch import fetch_group

                await asyncio.to_thread(fetch_group, hub, group_id, checked_then_marked(
                    hub, group_id, parsed.key.public_id, uid))  # (marked for `uid`)
        except RelayError as exc:
            return {"failed": str(exc)[:400]}
        finally:
            if not lock.locked():
                self.fetching.pop(group_id, None)
        share_group_file(hub, group_id)
        return {"ok": True, "group": group_id, "fetched": True}

    async def _invite_known(self, nc: Any, group_id: str, key: str) -> bool:
        """Whether the hub holds an invite of `group_id` for `key` (the public half of the
        code's secret): a group id alone is no right to have the relay fetch a group. Waited
        for a bounded while, as `peers join`'s own fetch waits (invite_arrival.py): a code
        made a moment ago may be behind its author's import."""
        from peers_tui.relay.envelope import fed_subject
        from peers_tui.relay.fetch import read_group
        from peers_tui.relay.invite_arrival import await_invite, invite_wait

        js = nc.jetstream() if self.relay.is_hub else nc.jetstream(domain="hub")
        invites = fed_subject(group_id, "invite")
        return bool(await await_invite(lambda: read_group(js, group_id, invites), key,
                                       invite_wait()))

    def drop(self, request: dict[str, Any], uid: int | None, done: bool) -> dict[str, Any]:
        """A failed join's fetched file goes, or an ended one's mark (`done`): see the top."""
        group_id = _group(hub := self.relay.hub, request.get("group"))
        mark = read_mark(hub, group_id)  # (only the relay's own: another user could plant one)
        if mark is None or uid is None or mark[0] != os.geteuid() or mark[2] != uid:
            raise Refused("not a group this relay fetched for you")
        if done or not isinstance(mark[1], int) or joined_since(hub, group_id, mark[1]):
            unmark(hub, group_id)
            return {"ok": True} if done else {"kept": "a join was written to it since"}
        remove_group_file(hub, group_id)
        return {"ok": True}

    async def transit(self, nc: Any, request: dict[str, Any]) -> dict[str, Any]:
        """The hub's word on an invite on its way to a group held here (see the top). One
        question a request: the joiner's loop (invite_wait.py) asks again every LOOK_EVERY,
        as a join of the relay's own user does, within the desk's bounds per uid."""
        import nats

        from peers_tui.relay.invite_transit import KEY, transit_subject
        from peers_tui.relay.join_invites import refused_key_here

        relay = self.relay
        group_id = _group(relay.hub, request.get("group"))  # (a file held here, only)
        key = request.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise Refused("no invite key")
        void = await asyncio.to_thread(refused_key_here, relay.hub, group_id, key)
        if void is not None:
            return {"void_here": void}
        if not relay.is_hub and (down := relay.link.why_no_change()) is not None:
            return {"down": down}
        question = json.dumps({"group": group_id, "key": key}).encode()
        try:
            msg = await nc.request(transit_subject(relay.config.name), question,
                                   timeout=TRANSIT_TIMEOUT)
            said = json.loads(msg.data)
        except nats.errors.NoRespondersError:
            return {"unreachable": "no hub relay answers this question (one of before?)"}
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            return {"slow": True}  # the hub's relay busy: the joiner asks again (invite_wait.py)
        except (nats.errors.Error, asyncio.TimeoutError, ValueError) as exc:
            return {"unreachable": f"{exc.__class__.__name__}"[:200]}
        return {"answer": said if isinstance(said, dict) else {}}
