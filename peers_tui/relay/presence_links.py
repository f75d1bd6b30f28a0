"""Presence when a link drops (PresenceSync's part): a host killed whole or cut off says no
goodbye, and its users stayed present for the 45 s age-out. The federation knows sooner:
the hub's nats-server drops a leaf's connection at once (the relay reads it in `/leafz`,
leaf_links.py), and a leaf knows when its own link to the hub is down (link.py). A leaf
whose server or relay is stopped, or whose host froze, keeps its connection listed for
~16 s (its relay: for good); the hub calls it silent when its relay's pings stop for 5 s
(leaf_heard.py), and its people are away from then as from a drop."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Any

from peers_tui.core.host_presence import HostEntry, parse_payload
from peers_tui.relay.link import LinkState

SETTLED = 3.0  # seconds a leaf is down before the hub's periodic look says it gone too


def presence_subject(host: str) -> str:
    return f"peers.presence.{host}"


def reachable(link: dict[str, Any]) -> bool:
    """A leaf's link as the hub sees it (LeafLinks.snapshot) reaches its people: listed up
    and its relay heard. A silent one was counted present until its server dropped the
    connection, three missed 5 s pings later (~16 s): the hub calls it silent after 5 s."""
    return bool(link.get("up")) and link.get("silent_since") is None


class LinkDrops:
    """What PresenceSync does when a link drops; its attributes are PresenceSync's."""

    heard: dict[str, HostEntry]
    sent: HostEntry | None
    is_hub: bool
    link: LinkState
    js_local: Any
    look_every: float
    leaves_checked: float
    watch: Any  # PresenceWatch: its event wakes the publisher

    def _write(self) -> None:
        raise NotImplementedError

    async def leaves_changed(self, links: dict[str, dict[str, Any]]) -> None:
        """The hub: a leaf whose connection its nats-server dropped (the host killed or cut),
        or whose relay it has not heard for 5 s though the connection is listed (its server
        or relay stopped, its host frozen: leaf_heard.py), has nobody present that anyone
        can reach. Its people are away for every host now,
        said in its name on its subject (only the hub may: leaves publish their own only),
        not after the age-out; the leaf says otherwise as soon as its link is back."""
        for host, link in links.items():
            entry = self.heard.get(host)
            if reachable(link) or entry is None or not entry.present:
                continue
            gone = dataclasses.replace(entry, present=frozenset(), seen=time.time())
            self.heard[host] = gone
            self._write()
            with contextlib.suppress(Exception):
                await self.js_local.publish(presence_subject(host), gone.payload(), timeout=2.0)

    async def recheck_leaves(self) -> None:
        """The hub, once a look: a leaf down for a while whose entry says present all the same
        (read from the stream after the drop: this relay restarted meanwhile) is gone too.
        Not at every entry heard: a leaf back a moment ago, not yet seen in `/leafz`, would
        be said gone again at each of its corrections."""
        if not self.is_hub or time.monotonic() - self.leaves_checked < self.look_every:
            return
        self.leaves_checked = time.monotonic()
        now = time.time()
        await self.leaves_changed({host: link for host, link in
                                   self.link.leaf_links.snapshot().items()
                                   if now - float(link.get("since", now)) >= SETTLED})

    def _correct(self, payload: bytes) -> None:
        """Our own entry came back: if it is not what we said (the hub said this host gone
        while its link was cut for a moment), say it again now, not at the next heartbeat."""
        entry = parse_payload(payload, seen=time.time())
        if self.sent is not None and entry is not None and entry.present != self.sent.present:
            self.sent = None
            self.watch.event.set()

    def _unreachable(self) -> None:
        """A leaf cut from the hub cannot know who is present elsewhere: away, not present
        (their homes still shown), until the link is back and the stream says again."""
        cut = {host: entry.away() for host, entry in self.heard.items() if entry.present}
        if cut:
            self.heard.update(cut)
            self._write()
