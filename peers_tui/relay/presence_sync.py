"""Presence across hosts: each relay tells the federation who is present on its host, and
writes what it hears from the other hosts into `<hub>/.presence-hosts.json` for the roster.

Wire: the hub's JetStream stream `PEERS_PRESENCE`, subject `peers.presence.<host>`, one message
kept per subject (`max_msgs_per_subject=1`) and none older than the age-out, so a consumer
started with `LAST_PER_SUBJECT` learns every live host at once. A relay publishes its host's
entry (core.host_presence.HostEntry) when the presence locks or the published profiles change
(inotify on `<hub>/.presence/` and `<hub>/.people/`, a sweep every few seconds for what it
misses) and as a heartbeat; a host not heard of for three heartbeats is gone. Over the leaf link
a leaf publishes into the hub's stream and reads it with the `hub` JetStream domain.

What another host says is shown, never trusted: parse_payload bounds and checks it, and a host
speaks only for itself (the subject names it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig

from peers_tui.core.host_presence import (
    AGE_OUT, HEARTBEAT, HOME_KEPT, MAX_ENTRY_BYTES, HostEntry, is_host_name, parse_payload,
    this_host, write_hosts_file,
)
from peers_tui.core.kept_people import KeptPeople
from peers_tui.core.presence import PRESENCE_DIR, Presence
from peers_tui.core.profiles import PEOPLE_DIR
from peers_tui.relay.consumer_guard import STREAM_CAP
from peers_tui.relay.link import LinkState
from peers_tui.relay.presence_carry import Carried, genesis_at_hub
from peers_tui.relay.presence_links import LinkDrops, presence_subject
from peers_tui.relay.waiting import next_record, subscribe_ordered, watch

STREAM = "PEERS_PRESENCE"
SUBJECTS = "peers.presence.>"
SWEEP = 5.0     # seconds: the longest a change inotify missed waits to be published
LOOK_EVERY = 5.0  # seconds: the longest a host past its age-out stays present
SETTLE = 0.05   # an app creates its presence file, then takes the lock: look just after


def heartbeat() -> float:
    """Seconds between two publications of an unchanged host (PEERS_PRESENCE_HEARTBEAT, for
    tests that watch a host age out); the age-out is three heartbeats."""
    try:
        value = float(os.environ.get("PEERS_PRESENCE_HEARTBEAT", HEARTBEAT))
    except ValueError:
        value = HEARTBEAT
    return value if 0.1 <= value <= 3600 else HEARTBEAT


class PresenceWatch:
    """Wakes the publisher when a presence lock file or a profile is touched."""

    FLAGS_NAMES = ("CREATE", "DELETE", "OPEN", "CLOSE_WRITE", "MOVED_TO", "MOVED_FROM")

    def __init__(self, hub: Path) -> None:
        self.event = asyncio.Event()
        self.directories = [hub / PRESENCE_DIR, hub / PEOPLE_DIR]
        self.watched: set[Path] = set()
        self.inotify: Any = None
        try:
            from peers_tui.core.inotify import INotify, flags

            self.inotify = INotify()
            self.mask = 0
            for name in self.FLAGS_NAMES:
                self.mask |= getattr(flags, name)
            asyncio.get_running_loop().add_reader(self.inotify.fileno(), self._readable)
        except (ImportError, OSError):
            self.inotify = None
        self.watch_new()

    def watch_new(self) -> None:
        """Watch the directories that exist now (the first app on a hub makes `.presence/`)."""
        if self.inotify is None:
            return
        for directory in self.directories:
            if directory not in self.watched:
                with contextlib.suppress(OSError):
                    self.inotify.add_watch(str(directory), self.mask)
                    self.watched.add(directory)

    def _readable(self) -> None:
        if self.inotify.read(timeout=0):
            self.event.set()

    def drain(self) -> None:
        """Forget events so far: our own lock tests open the files, which must not wake us."""
        if self.inotify is not None:
            with contextlib.suppress(OSError):
                self.inotify.read(timeout=0)
        self.event.clear()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout)

    def close(self) -> None:
        if self.inotify is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.inotify.fileno())
            self.inotify.close()


class PresenceSync(LinkDrops):
    """This host's presence out to the federation, the other hosts' into the hosts file."""

    def __init__(self, hub: Path, name: str, link: LinkState, js_local: Any, js_hub: Any,
                 stopping: asyncio.Event) -> None:
        self.hub = hub
        self.name = name
        self.is_hub = js_hub is js_local
        self.link = link
        self.js_local, self.js_hub = js_local, js_hub
        self.stopping = stopping
        self.presence = Presence(hub)
        self.heartbeat = heartbeat()
        self.age_out = AGE_OUT * self.heartbeat / HEARTBEAT
        # Entries are aged out this often while nothing is heard (was every second: a wake-up
        # a second for an age-out of 45 s).
        self.look_every = min(max(self.heartbeat / 3, 0.1), LOOK_EVERY)
        self.heard: dict[str, HostEntry] = {}
        self.sent: HostEntry | None = None
        self.sent_at = 0.0
        self.sent_generation = -1
        self.stream_ready = not self.is_hub
        self.watch = PresenceWatch(hub)
        self.carried = Carried(hub)  # profiles and invitations that travel with the entry
        self.kept = KeptPeople(hub)  # the profiles heard, kept after their host went quiet
        self.mail: HostEntry | None = None  # the last entry heard carrying invitations
        self.leaves_checked = 0.0  # the hub: when leaves down a while were last looked at
        self._write()  # a relay runs here: the roster shows hosts from now on

    # ----------------------------------------------------------------- this host's entry
    async def publish_once(self) -> None:
        relinked = self.link.up and self.link.generation != self.sent_generation
        # A new link hears of us at once; else inotify wakes us, the sweep is a safety net
        # and the heartbeat's clock (was 2 s: a look at every presence file, ~0.3 ms).
        await self.watch.wait(0.25 if relinked else min(SWEEP, self.heartbeat))
        await asyncio.sleep(SETTLE)
        self.watch.watch_new()
        entry = self.carried.fill(this_host(self.presence, self.name),
                                  (user_id for e in self.heard.values() for user_id in e.home))
        self.watch.drain()
        due = (self.sent is None or entry.present != self.sent.present
               or entry.home != self.sent.home or self.link.generation != self.sent_generation
               or (entry.profiles, entry.invitations) != (self.sent.profiles,
                                                          self.sent.invitations)
               or time.monotonic() - self.sent_at >= self.heartbeat)
        if due and (self.is_hub or self.link.up):
            await self._publish(entry)
        self._expire()

    async def _publish(self, entry: HostEntry) -> None:
        if not self.stream_ready:
            await self._ensure_stream()
        whole, payload = entry, entry.payload()
        while len(payload) > MAX_ENTRY_BYTES and (entry.invitations or entry.profiles):
            entry = dataclasses.replace(  # what it carries gives way first, newest kept
                entry, invitations=entry.invitations[:len(entry.invitations) // 2],
                profiles=entry.profiles if entry.invitations else entry.profiles[
                    :len(entry.profiles) // 2])
            payload = entry.payload()
        if len(payload) > MAX_ENTRY_BYTES:  # thousands of users on one host: the first ones
            entry = HostEntry(entry.host, frozenset(sorted(entry.present)[:1000]),
                              frozenset(sorted(entry.home)[:1000]), entry.seen)
            payload = entry.payload()
        js = self.js_local if self.is_hub else self.js_hub
        await js.publish(presence_subject(self.name), payload, timeout=2.0)
        self.sent, self.sent_at = whole, time.monotonic()
        self.sent_generation = self.link.generation

    async def _ensure_stream(self) -> None:
        """The hub keeps the stream (one message per host, none older than the age-out)."""
        config = StreamConfig(name=STREAM, subjects=[SUBJECTS], max_msgs_per_subject=1,
                              max_age=self.age_out, max_msg_size=MAX_ENTRY_BYTES,
                              max_consumers=STREAM_CAP)  # leaves' consumers (consumer_guard)
        try:
            await self.js_local.add_stream(config)
        except nats.js.errors.BadRequestError:  # made by a relay with another age-out
            await self.js_local.update_stream(config)
        self.stream_ready = True

    async def withdraw(self) -> None:
        """On the way out: nobody is present here any more (others learn it now, not after
        the age-out); the hosts file keeps only this host's name."""
        self.heard.clear()
        self._write()
        self.watch.close()
        if self.sent is not None and (self.is_hub or self.link.up):
            await self._publish(dataclasses.replace(self.sent, present=frozenset(),
                                                    seen=time.time()))

    # ----------------------------------------------------------------- other hosts' entries
    async def listen_once(self) -> None:
        """Follow the presence stream from every host's last entry until the link changes."""
        if not self.is_hub and not self.link.up:
            self._unreachable()
            self._expire()
            return
        if not self.stream_ready:
            await self._ensure_stream()
        js = self.js_local if self.is_hub else self.js_hub
        generation = self.link.generation
        try:
            sub = await subscribe_ordered(js, SUBJECTS, STREAM, ConsumerConfig(
                deliver_policy=DeliverPolicy.LAST_PER_SUBJECT))
        except nats.js.errors.NotFoundError:  # the hub's: deleted under it, or its server
            self.stream_ready = self.stream_ready and not self.is_hub  # revived on an empty
            raise  # store (relay/lost_inbound.py): made again at the next try
        moved = watch(self.link.moved())
        # Our own heartbeat comes back on this stream: silence for two of them means the
        # subscription died under us (the hub's server restarts when a token is made).
        last_message = time.monotonic()
        try:
            # The generation moves on the hub too (its server restarted for a token): then
            # the subscription is renewed now, not after two silent heartbeats.
            while not self.stopping.is_set() and self.link.generation == generation and (
                    self.is_hub or self.link.up):
                msg = await next_record(sub, self.look_every, moved)
                await self.recheck_leaves()
                if msg is None:  # quiet for a while, or the link moved
                    self._expire()
                    if time.monotonic() - last_message > 2 * self.heartbeat + 2:
                        return
                    continue
                last_message = time.monotonic()
                self.hear(msg.subject, msg.data)
                if self.mail is not None:
                    mail, self.mail = self.mail, None
                    await self.carried.file(mail, lambda group: genesis_at_hub(js, group))
        finally:
            moved.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sub.unsubscribe(), 1)

    def hear(self, subject: str, payload: bytes) -> bool:
        """Take one host's entry (False, and nothing changes, if it is not a valid one)."""
        parts = subject.split(".")
        host = parts[2] if len(parts) == 3 else ""
        if host == self.name:
            self._correct(payload)
            return False
        if not is_host_name(host):
            return False
        entry = parse_payload(payload, seen=time.time())
        if entry is None or entry.host != host:  # a host speaks only for itself
            return False
        if entry.invitations:  # to people of this host: filed into their inbox (listen_once)
            self.mail = entry
        entry = dataclasses.replace(entry, invitations=())
        self.kept.note(entry)
        if entry.present or entry.home:
            self.heard[host] = entry
        else:
            self.heard.pop(host, None)
        self._write()
        return True

    def _expire(self) -> None:
        """A host not heard of for the age-out has nobody present; its people's homes are
        shown for HOME_KEPT (a host cut off for a minute still says where they live)."""
        now = time.time()
        away = {host: entry.away() for host, entry in self.heard.items()
                if entry.present and now - entry.seen > self.age_out}
        gone = [host for host, entry in self.heard.items() if now - entry.seen > HOME_KEPT]
        self.heard.update(away)
        for host in gone:
            del self.heard[host]
        if away or gone:
            self._write()

    def _write(self) -> None:
        try:
            write_hosts_file(self.hub, self.name,
                             sorted(self.heard.values(), key=lambda e: e.host))
        except OSError:
            pass  # a hub this relay cannot write: presence is a courtesy
