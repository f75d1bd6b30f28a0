"""What a host's presence entry carries besides who is where (core.host_presence.HostEntry):
the signed profiles of the people whose home it is, so that they can be named on every host
(`/invite @bob`, `peers invite --to bob`, `/who`), and the sealed invitations its users sent
to people at home on another host, which that host's relay files into their inbox.

A sealed invitation is delivered as on one host: the sender's `peers` drops it into the
recipient's inbox in its own hub (core.invitations.deliver), where nobody here reads it. The
relay carries every invitation lying in the inbox of someone who does not live here, up to
`MAX_CARRIED` of the newest and none older than `KEEP`, with each publication of the entry
(on a change, and as the heartbeat), until it is older than that: the recipient's host may be
offline when it is sent. What arrives is checked by its signature before it is filed, and
judged like any invitation when its recipient reads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from peers_tui.core.host_presence import (
    CARRY_INVITATIONS_FOR, MAX_CARRIED, MAX_CARRIED_TEXT, HostEntry, homes_here,
)
from peers_tui.core.invitations import INVITATIONS_DIR, InboxFull, file_received
from peers_tui.core.kept_people import kept_homes
from peers_tui.core.membership import is_user_id
from peers_tui.core.profiles import PEOPLE_DIR, read_small
from peers_tui.relay.envelope import FED_STREAM, fed_subject

KEEP = CARRY_INVITATIONS_FOR  # seconds an invitation is carried
MAX_FILED = 10_000    # invitations remembered as filed (not filed again once handled)
ABSENT_FOR = 5.0      # seconds a group found missing at the hub is not asked for again


class Carried:
    """The profiles and invitations this host's entry carries, read again only when their
    directories changed (a rename into a directory moves its time)."""

    def __init__(self, hub: Path) -> None:
        self.hub = hub
        self.stamp: tuple[int, ...] | None = None
        self.profiles: tuple[str, ...] = ()
        self.invitations: tuple[str, ...] = ()
        self.filed: set[str] = set()
        self.absent: dict[str, float] = {}  # groups not at the hub when last asked, and when

    def fill(self, entry: HostEntry, homes_elsewhere: Iterable[str] = ()) -> HostEntry:
        """`entry` with what this host carries now (`homes_elsewhere`: the people other
        hosts' entries heard call theirs)."""
        elsewhere = frozenset(homes_elsewhere)
        outbound = self._outbound_inboxes(entry, elsewhere)
        stamp = (_mtime(self.hub / PEOPLE_DIR), *(_mtime(path) for path in outbound),
                 len(entry.home), hash(entry.home), hash(elsewhere), int(time.time() // 3600))
        if stamp != self.stamp:
            self.stamp = stamp
            self.profiles = _texts(self.hub / PEOPLE_DIR / f"{user_id}.json"
                                   for user_id in sorted(entry.home))
            self.invitations = _texts(_newest(outbound))
        return dataclasses.replace(entry, profiles=self.profiles, invitations=self.invitations)

    def _outbound_inboxes(self, entry: HostEntry, elsewhere: frozenset[str]) -> list[Path]:
        """The inboxes in this hub of people who do not live here, or whom another host calls
        its own too: a file in `.people/` is anyone's to put there (every user of the hub
        publishes into it), and one named after bob of hostB kept every invitation to him
        from leaving (seventeenth attack pass). Carrying one to someone who does live here
        costs its bytes: a host files only what is addressed to its own people."""
        try:
            names = [name for name in sorted(os.listdir(self.hub / INVITATIONS_DIR))
                     if is_user_id(name)]
        except OSError:
            return []
        claimed = [name for name in names if name in entry.home and name not in elsewhere]
        if claimed:  # the profiles heard before, from hosts not heard for a day
            elsewhere |= {user_id for user_id, host in kept_homes(self.hub, claimed).items()
                          if host != entry.host}
        return [self.hub / INVITATIONS_DIR / name for name in names
                if name not in entry.home or name in elsewhere][:MAX_CARRIED]

    async def file(self, entry: HostEntry,
                   at_hub: Callable[[str], Awaitable[bool]]) -> list[str]:
        """File what another host carried for people of this host; the file names. One to a
        group neither here nor at the hub yet (it came before the group's genesis reached the
        hub: accepting it could not fetch it) waits for the entry's next publication."""
        if not entry.invitations:
            return []
        done = []
        with contextlib.suppress(OSError):
            homes = homes_here(self.hub, [to for to, _ in map(_addressed, entry.invitations)])
            for text in entry.invitations:
                to, group = _addressed(text)
                if text in self.filed or to not in homes:
                    continue
                if not (self.hub / f"{group}.db").exists() and not await self._at_hub(
                        group, at_hub):
                    continue
                try:
                    name = file_received(self.hub, text, homes, entry.host)
                except InboxFull:
                    continue  # not taken for filed: tried again with a later entry
                if len(self.filed) < MAX_FILED:
                    self.filed.add(text)
                if name is not None:
                    done.append(name)
        return done

    async def _at_hub(self, group: str, at_hub: Callable[[str], Awaitable[bool]]) -> bool:
        """at_hub(group), a group found missing asked again only after ABSENT_FOR: a host
        sending many invitations to groups nobody has makes one request a group, not one
        an invitation and entry."""
        now = time.monotonic()
        if now - self.absent.get(group, float("-inf")) < ABSENT_FOR:
            return False
        if await at_hub(group):
            self.absent.pop(group, None)
            return True
        if len(self.absent) >= MAX_FILED:
            self.absent.clear()
        self.absent[group] = now
        return False


async def genesis_at_hub(js: Any, group_id: str) -> bool:
    """Whether the group's genesis reached the hub's stream (an invitation to it can be
    accepted: the group can be fetched)."""
    try:
        await js.get_last_msg(FED_STREAM, fed_subject(group_id, "genesis"))
    except Exception:  # not there, or the hub cannot say now: asked again next time
        return False
    return True


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _newest(inboxes: list[Path]) -> list[Path]:
    """The invitation files in these inboxes no older than KEEP, newest first."""
    now, found = time.time(), []
    for inbox in inboxes:
        try:
            with os.scandir(inbox) as listing:
                for item in listing:
                    if item.name.endswith(".json") and not item.name.startswith("."):
                        when = item.stat(follow_symlinks=False).st_mtime
                        if now - when <= KEEP:
                            found.append((when, Path(item.path)))
        except OSError:
            continue
    return [path for _, path in sorted(found, reverse=True)[:MAX_CARRIED]]


def _texts(paths: Iterable[Path]) -> tuple[str, ...]:
    texts = []
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            text = read_small(path)
            if len(text) <= MAX_CARRIED_TEXT:
                texts.append(text)
        if len(texts) >= MAX_CARRIED:
            break
    return tuple(texts)


def _addressed(text: str) -> tuple[str, str]:
    """(recipient, group) an invitation names, unchecked ("" where it names none): only to
    ask whether it is for someone here; file_received checks the signature."""
    with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError, RecursionError):
        record = json.loads(json.loads(text)["record"])
        to, group = record.get("to"), record.get("group")
        if is_user_id(to) and isinstance(group, str) and group.isalnum():
            return to, group
    return "", ""
