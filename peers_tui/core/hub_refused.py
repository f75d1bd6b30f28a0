"""What a writer needs of the relay to choose the row its new message follows, from
`<hub>/.link.json`: this host's messages the hub refused (the ids the relay lists for a group,
core.link_state's `refused_ids`; relay.hub_refusals), and the hub's clock (`hub_offset_ms`,
the hub's clock less this host's, as the relay last measured it: relay.hub_clock).

A writer does not follow a refused row's id (message_rules.followed): the fourteenth acceptance
pass saw one message signed 26 h ahead, refused at the hub, followed by every later writer of
its host, whose messages were then signed up to a day ahead and carried everywhere. Nor a row
signed more than a day past the HUB's clock (the bound the hub refuses by): a host whose own
clock runs fast followed a row the hub refused by its own clock's day (docs/relay.md, "The
hub's clock for writers (h-hubclock)").

And a writer's own clock (h-clockcap, `writer_limits`): the relay stamps the file with this
host's wall clock and its boot clock at that moment (`host_clock`, second in the file), so a
writer tells the hub's clock now from the stamp, the boot clock's time since and the offset,
without trusting any wall clock but the relay's: a process whose clock runs more than a day
past it signs nothing (the hub would refuse the record, and every later record of its
author's chain with it: docs/relay.md, "A writer's clock bounded by its host's relay").

Read with os, stat and json alone (the lean `peers send` path: core.link_state's own module
imports dataclasses, ~4 times this module's cost), and the offset and the stamp without a
parse at all: the relay writes them first in the file. The file is untrusted as
core.link_state reads it: only the owner of `<hub>/.relay/` speaks for the relay, only
id-shaped strings count, only an offset within HUB_OFFSET_BOUND, only a stamp of the relay's
shape and of this boot. Anything else reads as none (no offset: this host's clock, as with no
relay; no stamp: no bound): posting never fails on it.
"""

from __future__ import annotations

import json
import os

from peers_tui.core.encoding import now_ms  # (the clock a writer signs by: fixed_clock too)
from peers_tui.core.errors import ClockAhead
from peers_tui.core.relay_file import read_relay_file, relay_owner

# The hub's clock less this host's, further than this either way, is not believed (a week:
# relay.ahead_retry.KEEP_AHEAD_MS, the farthest a refusal for the clock is looked at again).
HUB_OFFSET_BOUND = 7 * 24 * 60 * 60 * 1000
OFFSET_KEY = b'{"hub_offset_ms":'  # how the relay's compact JSON begins (core.link_state)
STAMP_KEY = b'"host_clock":['  # next: [wall ms, boot clock ms, boot id] (core.link_state)
# A writer signs nothing when its clock is more than this past the hub's: the hub's bound
# (message_rules.FOLLOW_AHEAD_MS, AHEAD_OF_HUB) less a minute, for the estimate's error (the
# offset's half round trip, at most a second; /proc/uptime's 10 ms; a wall clock slewed by NTP
# against the boot clock, at most 500 ppm: a minute in 33 h of a stopped relay). A clock a
# minute short of a day fast is wrong anyway; one signed past the bound locks its author's
# chain out of the federation for hours (docs/relay.md, h-clockcap).
SIGN_MARGIN_MS = 60_000
UPTIME, BOOT_ID = "/proc/uptime", "/proc/sys/kernel/random/boot_id"


def follow_limits(hub: str, group_id: str) -> tuple[frozenset[str], int]:
    """(the ids of this group's messages the hub refused, the hub's clock less this host's in
    ms) as the relay last said; (empty, 0) when there is no relay, no such file, or anything
    about it is not as the relay writes it. On the hub host the offset is 0."""
    raw = read_relay_file(os.path.join(hub, ".link.json"), relay_owner(hub))
    if raw is None:
        return frozenset(), 0  # one host, no relay: one failed stat
    return _refused(raw, group_id), hub_offset(raw)


def hub_offset(raw: bytes) -> int:
    """The offset the relay wrote at the head of `.link.json` (0 when none or not believed)."""
    if not raw.startswith(OFFSET_KEY):
        return 0
    end = raw.find(b",", len(OFFSET_KEY), len(OFFSET_KEY) + 24)
    try:
        offset = int(raw[len(OFFSET_KEY):end]) if end > 0 else 0
    except ValueError:  # null: not measured yet
        return 0
    return offset if -HUB_OFFSET_BOUND <= offset <= HUB_OFFSET_BOUND else 0


def host_stamp(raw: bytes) -> tuple[int, int, str] | None:
    """(this host's wall clock in ms, its boot clock in ms, the boot's id) as the relay
    stamped them together, second in `.link.json`; None when there is none or it is not one."""
    if not raw.startswith(OFFSET_KEY):
        return None
    comma = raw.find(b",", len(OFFSET_KEY), len(OFFSET_KEY) + 24)
    start = comma + 1 + len(STAMP_KEY)
    if comma < 0 or not raw.startswith(STAMP_KEY, comma + 1):
        return None
    end = raw.find(b"]", start, start + 80)
    parts = raw[start:end].split(b",") if end > 0 else ()
    if len(parts) != 3:
        return None
    try:
        return stamp_of([int(parts[0]), int(parts[1]), parts[2].decode("ascii").strip('"')])
    except ValueError:
        return None


def stamp_of(value: object) -> tuple[int, int, str] | None:
    """A stamp as the relay writes it, else None: a wall clock after 2001 and before 2286 in
    ms, a boot clock of at most ten years in ms, a boot id of the kernel's shape."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        return None
    wall, boot, boot_id = value
    if (type(wall) is not int or type(boot) is not int or not isinstance(boot_id, str)
            or not 10**12 <= wall < 10**13 or not 0 <= boot < 10 * 365 * 86_400_000
            or len(boot_id) != 36 or boot_id.strip("0123456789abcdef-")):
        return None
    return wall, boot, boot_id


def boot_clock_ms() -> int | None:
    """The time since this host booted, in ms, from /proc/uptime (None without one: not
    Linux). A file read, which libfaketime leaves alone: it fakes CLOCK_BOOTTIME and
    CLOCK_MONOTONIC as it fakes the wall clock (`faketime -f +26h` read both 26 h on)."""
    text = _proc(UPTIME)
    try:
        return round(float(text.split()[0]) * 1000) if text else None
    except (ValueError, IndexError):
        return None


def boot_id() -> str | None:
    """This boot's id: a stamp of an earlier boot tells nothing of the boot clock now."""
    text = _proc(BOOT_ID)
    return text.decode("ascii", "replace").strip() if text else None


def _proc(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 128)
    except OSError:
        return None
    finally:
        os.close(fd)


_SIGN_AHEAD_MS: list[int] = []


def _sign_ahead_ms() -> int:
    """The hub's bound less the margin, message_rules' constant read once (not imported at
    the top: core.link_state's readers load this module, and message_rules loads the keys)."""
    from peers_tui.core.message_rules import FOLLOW_AHEAD_MS

    _SIGN_AHEAD_MS.append(FOLLOW_AHEAD_MS - SIGN_MARGIN_MS)
    return _SIGN_AHEAD_MS[0]


def check_clock(raw: bytes, offset: int) -> None:
    """ClockAhead when this process's clock (encoding.now_ms: the clock it signs by) is more
    than the hub's bound less SIGN_MARGIN_MS past the hub's clock now: the relay's stamp (wall
    W at boot clock B) plus the boot clock's time since (b - B) plus the offset. The boot clock survives a stopped relay
    and a cut link, and no step of this host's wall clock moves it. No stamp, one not the
    relay's, one of another boot: nothing said, signed as ever (posting offline must work)."""
    stamp = host_stamp(raw)
    if stamp is None:
        return
    wall, boot, boot_of_stamp = stamp
    now, bound = now_ms(), _SIGN_AHEAD_MS[0] if _SIGN_AHEAD_MS else _sign_ahead_ms()
    if now - (wall + offset) <= bound:
        return  # the hub's clock has only gone on since the stamp (no /proc read)
    boot_now = boot_clock_ms()
    if boot_now is None or boot_now < boot:
        return  # no boot clock, or a stamp from before the last boot
    ahead = now - (wall + offset + boot_now - boot)
    if ahead <= bound or boot_id() != boot_of_stamp:
        return  # within the bound; or an earlier boot's stamp, its boot clock run past ours
    whose = ("this host's (as its relay last saw it)" if abs(offset) < 60_000
             else "the hub's (as this host's relay last measured it)")
    raise ClockAhead(f"this process's clock is {ahead / 3_600_000:.1f} h ahead of {whose}: the "
                     "hub refuses records signed more than a day ahead; set the clock right")


def _refused(raw: bytes, group_id: str) -> frozenset[str]:
    if b'"refused_ids":["' not in raw:  # none refused anywhere (the relay's compact JSON):
        return frozenset()  # no parse (~0.12 ms of a send with 200 groups in the file)
    try:
        ids = json.loads(raw)["groups"][group_id].get("refused_ids", [])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return frozenset()
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids if isinstance(i, str) and 0 < len(i) <= 40 and i.isascii()
                     and i.isalnum())


def writer_limits(hub: str, group_id: str) -> tuple[frozenset[str], int]:
    """`follow_limits` for a writer about to sign: ClockAhead (nothing signed) when its clock
    runs more than a day (less SIGN_MARGIN_MS) past the hub's as this host's relay told it."""
    raw = read_relay_file(os.path.join(hub, ".link.json"), relay_owner(hub))
    if raw is None:
        return frozenset(), 0  # one host, no relay: no hub to refuse anything, sign as ever
    offset = hub_offset(raw)
    check_clock(raw, offset)
    return _refused(raw, group_id), offset


def check_writer_clock(hub: str) -> None:
    """ClockAhead as `writer_limits` says it, for a record that follows no row (a membership
    change, an invite: signed at the writer's clock, and the floor of its author's next)."""
    raw = read_relay_file(os.path.join(hub, ".link.json"), relay_owner(hub))
    if raw is not None:
        check_clock(raw, hub_offset(raw))


def refused_ids(hub: str, group_id: str) -> frozenset[str]:
    """The ids of this group's messages the hub refused, as the relay last said."""
    return follow_limits(hub, group_id)[0]


__all__ = ["HUB_OFFSET_BOUND", "follow_limits", "hub_offset", "refused_ids", "writer_limits",
           "boot_clock_ms", "boot_id", "check_clock", "check_writer_clock", "host_stamp", "stamp_of"]
