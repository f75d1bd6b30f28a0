"""The hub's bound on the consumers leaves keep on its streams.

A leaf needs consumers on the streams it reads (`permissions.LEAF_READS`), and nats-server's
subject permissions cannot bound them: an ephemeral pull consumer is created on a subject
that carries a name of the client's choosing (nats-py's `pull_subscribe` names its own), and
how many, whether durable, how long they outlive their reader (`inactive_threshold`) and
where a push consumer delivers are all in the request's body. Measured on nats-server 2.15.1
through a leaf's link, with only the permissions: 300 consumers with an hour's threshold, a
durable one, and push consumers delivering into `peers.order.A.<group>` (the hub's sequencer
then gets the federation's records as requests in A's name) were all accepted.

So the hub's relay reads the JetStream API audit advisories (`$JS.EVENT.ADVISORY.API`: every
API call with the client's user, which for a leaf connection is its host, the request and
the response) and deletes at once a consumer a leaf created on those streams that:
- is durable (it would outlive the leaf for good),
- may stay more than `MAX_INACTIVE` s without a reader,
- delivers anywhere but under the leaf's own inbox prefix (`config.inbox_prefix`),
- would be more than `QUOTA` live consumers of that leaf.
Each such stream also carries `max_consumers = STREAM_CAP` (the bound while an advisory is on
its way). A sweep every `SWEEP` s forgets consumers that are gone and applies the first three
rules to consumers no advisory told of (made while the relay was reconnecting, or by a process
on the hub host), with any token holder's prefix, the hub's own or plain `_INBOX` as a valid
delivery.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peers_tui.relay.config import inbox_prefix
from peers_tui.relay.permissions import LEAF_READS

AUDIT = "$JS.EVENT.ADVISORY.API"
GONE = "$JS.EVENT.ADVISORY.CONSUMER.DELETED.>"
CREATE = "$JS.API.CONSUMER.CREATE."
DURABLE_CREATE = "$JS.API.CONSUMER.DURABLE.CREATE."
# The relay's own consumers on a leaf, at their most: its federation and presence consumers
# (and the ones they replace, 5 s each), a page consumer per group walked (deleted once read;
# one whose delete was lost stays pages.INACTIVE = 20 s) and `peers join`'s: far below this.
QUOTA = 100
MAX_INACTIVE = 60.0       # seconds; nats-py's ordered consumers 5 s, the backfill's pages 20 s
STREAM_CAP = 2000         # consumers on each stream a leaf reads, all hosts together
SWEEP = 5.0


@dataclass(frozen=True)
class Shape:
    """What the rules look at in a consumer's config."""

    durable: bool
    inactive: float | None  # seconds; None or 0: never removed for inactivity
    deliver: str | None     # push consumers only


def shape_of(config: dict[str, Any]) -> Shape:
    """From a config as the server sends it (`inactive_threshold` in nanoseconds)."""
    threshold = config.get("inactive_threshold")
    return Shape(durable=bool(config.get("durable_name")),
                 inactive=threshold / 1e9 if isinstance(threshold, (int, float)) else None,
                 deliver=config.get("deliver_subject") or None)


def refusal(shape: Shape, prefixes: list[str]) -> str | None:
    """Why a consumer with this shape may not stay, given the inbox prefixes its deliveries
    may go to (None: it may stay)."""
    if shape.durable:
        return "durable"
    if not shape.inactive or shape.inactive > MAX_INACTIVE:
        return f"kept over {MAX_INACTIVE:.0f} s without a reader"
    if shape.deliver is not None and not any(shape.deliver.startswith(f"{prefix}.")
                                             for prefix in prefixes):
        return "delivers outside its host's inbox"
    return None


def created_by_leaf(advisory: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]] | None:
    """(host, stream, consumer, config) of an audit advisory that tells of a consumer a leaf
    created on a stream leaves read; None for anything else."""
    client, subject = advisory.get("client"), advisory.get("subject")
    if not isinstance(client, dict) or client.get("kind") != "Leafnode" or not isinstance(
            subject, str) or not subject.startswith((CREATE, DURABLE_CREATE)):
        return None
    try:
        response = json.loads(advisory.get("response") or "")
    except ValueError:
        return None
    if not isinstance(response, dict) or "error" in response:
        return None
    stream, name, config = (response.get("stream_name"), response.get("name"),
                            response.get("config"))
    host = client.get("user")
    if stream not in LEAF_READS or not isinstance(name, str) or not isinstance(host, str) \
            or not isinstance(config, dict):
        return None
    return host, stream, name, config


class ConsumerGuard:
    """Runs in the hub's relay: `start` once connected, then `sweep` every SWEEP s."""

    def __init__(self, hosts: Callable[[], set[str]], own_inbox: str = "") -> None:
        self.js: Any = None           # the hub's own JetStream context (full rights)
        self.hosts = hosts            # every host allowed to read: token holders and the hub
        self.own_inbox = own_inbox    # the hub relay's own prefix (config.relay_inbox_prefix)
        self.owners: dict[tuple[str, str], str] = {}  # (stream, consumer) -> leaf host
        self.removed: Counter[tuple[str, str]] = Counter()  # (host, reason), since reported

    async def start(self, nc: Any, js: Any) -> None:
        self.js = js
        await nc.subscribe(AUDIT, cb=self._on_audit)
        await nc.subscribe(GONE, cb=self._on_gone)

    async def _on_audit(self, msg: Any) -> None:
        # Every API call has its advisory (each leaf's link probe, 4 a second): only consumer
        # creates are read, so the others cost a substring test, not a JSON parse.
        if b".CONSUMER." not in msg.data or b'"Leafnode"' not in msg.data:
            return
        try:
            found = created_by_leaf(json.loads(msg.data))
        except ValueError:
            return
        if found is None:
            return
        host, stream, name, config = found
        reason = refusal(shape_of(config), [inbox_prefix(host)])
        if reason is None and sum(owner == host for owner in self.owners.values()) >= QUOTA:
            reason = f"over its quota of {QUOTA}"
        if reason is None:
            self.owners[(stream, name)] = host
        else:
            await self._remove(stream, name, host, reason)

    async def _on_gone(self, msg: Any) -> None:
        parts = msg.subject.split(".")
        if len(parts) >= 2:
            self.owners.pop((parts[-2], parts[-1]), None)

    async def _remove(self, stream: str, name: str, host: str, reason: str) -> None:
        self.owners.pop((stream, name), None)
        try:
            await self.js.delete_consumer(stream, name)
        except Exception:  # gone already (it timed out, or its leaf dropped it)
            return
        self.removed[(host, reason)] += 1

    async def sweep(self) -> None:
        # Plain `_INBOX` too: a hub-local reader's default (no leaf receives under it).
        prefixes = ["_INBOX"] + [inbox_prefix(host) for host in sorted(self.hosts())]
        prefixes += [self.own_inbox] if self.own_inbox else []  # the relay's own consumers
        for stream in LEAF_READS:
            try:
                info = await self.js.stream_info(stream)
            except Exception:  # not made yet (presence: once its sync starts)
                continue
            if info.config.max_consumers != STREAM_CAP:
                info.config.max_consumers = STREAM_CAP
                await self.js.update_stream(info.config)
            listed = await self._consumers(stream, info.state.consumer_count)
            for key in [key for key in self.owners if key[0] == stream and key[1] not in listed]:
                await self._forget_if_gone(*key)
            for name, config in listed.items():
                if (stream, name) in self.owners:
                    continue
                reason = refusal(Shape(bool(config.durable_name), config.inactive_threshold,
                                       config.deliver_subject or None), prefixes)
                if reason is not None:
                    await self._remove(stream, name, "?", reason)
        self.report()

    async def _consumers(self, stream: str, counted: int) -> dict[str, Any]:
        """The stream's consumers by name, a page (256) at a time, until a page comes back
        empty or the pages hold the `counted` of the stream's info (the hub's streams hold a
        few: one page, not a second empty one, an API call and its advisory spared every
        sweep). While consumers come and go the pages may skip or repeat some (the next sweep
        sees them); the offset moves on by each page, so churn never keeps this looping (with
        `offset=len(found)` a run under load saw the sweep never finish: no report in 20 s)."""
        found: dict[str, Any] = {}
        offset = 0
        for _ in range(STREAM_CAP // 256 + 2):
            page = await self.js.consumers_info(stream, offset=offset)
            if not page:
                break
            found.update((info.name, info.config) for info in page)
            offset += len(page)
            if offset >= counted:
                break
        return found

    async def _forget_if_gone(self, stream: str, name: str) -> None:
        """A leaf's consumer the listing did not show: forgotten only once the server says it
        is gone (a listing skewed by churn must not lower the leaf's count)."""
        import nats.js.errors

        try:
            await self.js.consumer_info(stream, name)
        except nats.js.errors.NotFoundError:
            self.owners.pop((stream, name), None)

    def report(self) -> None:
        """One line per host and reason for what was removed since the last report."""
        for (host, reason), count in sorted(self.removed.items()):
            who = f"leaf {host}" if host != "?" else "no known host"
            print(f"peers relay: removed {count} consumer(s) of {who} on the hub: {reason}",
                  file=sys.stderr, flush=True)
        self.removed.clear()
