"""The link state in words: the TUI's indicator and the sync column of `peers groups`.

One place for both, so the CLI and the TUI say the same thing. Every word that comes from the
file (host names) is already checked by core.link_state and shown through core.names.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from peers_tui.core.link_state import LinkState
from peers_tui.core.names import shown_name

NOT_RUNNING = "relay not running"


def duration(seconds: float) -> str:
    """`12s`, `1m12s`, `2h05m`: how long, to the second while it is short."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole // 60 % 60:02d}m"
    return f"{whole // 86400}d{whole // 3600 % 24:02d}h"


def short_duration(seconds: float) -> str:
    """`12s`, `4m`, `2h`, `3d`: for a column."""
    whole = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def offline_for(seconds: float, *, short: bool = False) -> str:
    """How long the link has been down: "<1s" for one that has just dropped ("0s" read as
    nothing at all; relay.config.ago says it so too), else duration / short_duration."""
    if seconds < 1:
        return "<1s"
    return short_duration(seconds) if short else duration(seconds)


def round_trip(rtt_ms: float | None) -> str:
    if rtt_ms is None:
        return ""
    return " <1 ms" if rtt_ms < 1 else f" {rtt_ms:.0f} ms"


def not_running(state: LinkState | None, now: float, silent: bool) -> str:
    """`relay not running`; `relay silent for 25s` when the relay still holds its run lock
    (core.relay_lock: stopped with SIGSTOP, stuck) but has written nothing lately: "not
    running" sent the user to `peers relay`, which refuses while one runs."""
    if not silent:
        return NOT_RUNNING
    return f"relay silent for {duration(now - state.updated)}" if state else "relay silent"


def unsent_words(total: int, own: int | None) -> str:
    """`8 unsent (11 on this host)`: the reader's own unsent messages, the ones the log marks,
    first, then the host's figure when it holds more (others' records, invites; `relay
    status` counts it whole); `3 unsent on this host` when none is the reader's; `5 unsent`
    when the reader is not known (`own` None) or all are theirs. "" when nothing waits.
    A user reads "N unsent" as "N of mine are not out yet" (the marks beside their messages
    say so one by one): erin's line read `11 unsent` beside her 8 marked (h-told)."""
    if not total:
        return ""
    if own is None or own >= total:
        return f"{total} unsent"
    if not own:
        return f"{total} unsent on this host"
    return f"{own} unsent ({total} on this host)"


VOID_WORDS = "void: cut off before they were seen"


def refused_words(state: LinkState, count: int, void: int) -> list[str]:
    """`2 refused by the hub`, `3 void: cut off before they were seen`: of this host's
    `count` records the hub refused, those a cut voided (`void`: a post of a member removed,
    or lowered to reader, by a change that had not seen it) said apart, as what happened:
    nothing refused them for being wrong, the cut voided them wherever they were (h-told on
    the hub, whose relay only ever takes such posts out; h-left15 on a leaf, which was told
    "refused by the hub" for them). Every one is void on the hub (a hub relay of before
    h-left15 wrote no `void`)."""
    if state.role == "hub":
        void = count
    parts = [f"{count - void} refused by the hub"] if count > void else []
    return parts + ([f"{void} {VOID_WORDS}"] if void else [])


def indicator(state: LinkState | None, configured: bool, now: float | None = None,
              stopped: int = 0, user: str | None = None, silent: bool = False,
              group: str | None = None) -> str:
    """`⇅ hub ✓ 2 ms`, `⇅ offline 1m12s · 5 unsent`, `⇅ relay not running · 5 unsent`,
    `⇅ hub relay silent 25s` (a leaf whose link is up, the hub's relay not answering: what
    it sends waits at the hub's server); "" when the hub has no relay (one host, nothing to
    show). `stopped`: the host's unsent
    records counted by the caller while no relay runs (core.stopped_unsent); `user`: the
    records the hub refused are counted for their author (GroupSync.refused_for), and with
    `group` (the one shown) the unsent are the reader's own there, the host's beside them
    (unsent_words); `silent`: the relay's process holds its run lock though its file is
    stale (not_running)."""
    if not configured:
        return ""
    now = time.time() if now is None else now
    if state is None or not state.answers(now):
        return f"⇅ {not_running(state, now, silent)}" + (f" · {stopped} unsent" if stopped else "")
    unsent = state.unsent
    if state.up and state.hub_relay_silent is not None:  # its server answers, nothing more
        text = f"⇅ hub relay silent {duration(now - state.hub_relay_silent)}"
    elif state.up:
        text = f"⇅ hub ✓{round_trip(state.rtt_ms)}" if state.role == "leaf" else "⇅ hub ✓"
        receiving = [s.receiving for s in state.groups.values() if s.receiving is not None]
        if receiving:
            text += f" · receiving {int(min(receiving) * 100)}%"
    else:
        text = f"⇅ offline {offline_for(now - state.since)}"
        if state.problem:
            text += f" ({state.problem})"
    own = None
    if user is not None and group is not None:  # none of the shown group listed: none marked
        shown = state.group(group)
        own = shown.unsent_for(user) if shown is not None else 0
    if unsent:
        text += f" · {unsent_words(unsent, own)}"
    refused = sum(sync.refused_for(user) for sync in state.groups.values())
    void = sum(sync.void_for(user) for sync in state.groups.values())
    for words in refused_words(state, refused, min(void, refused)):  # no other host has them
        text += f" · {words}"
    return text


class FileHistory:
    """What a group's own file says of its history, read by the caller: complete, or a
    backfill under way with the share of it received (core.frontier)."""

    __slots__ = ("receiving",)

    def __init__(self, receiving: float | None) -> None:
        self.receiving = receiving


def sync_label(state: LinkState | None, configured: bool, group_id: str,
               now: float | None = None, history: FileHistory | None = None,
               stopped: Callable[[], int] | None = None, user: str | None = None,
               silent: bool = False) -> str:
    """A group's sync column: `✓`, `3 unsent`, `offline 4m`, `hub relay silent 25s`,
    `receiving 41%`, `2 refused by the hub`, `3 void: cut off before they were seen`, `relay
    not running`; "" when the hub has no
    relay.

    `history`, when the caller read the group's file: its backfill frontier decides whether
    history is still coming, since the relay lists a group it is backfilling only in its next
    `.link.json` (up to a second after the join; as long as the relay is stopped): a group
    just joined read "✓" until then. The relay's share is taken while it has one.
    `stopped`: counts the group's unsent records while no relay runs (core.stopped_unsent):
    `relay not running, 5 unsent`. `user`: refused records counted for their author.
    `silent`: as for indicator."""
    if not configured:
        return ""
    now = time.time() if now is None else now
    if state is None or not state.answers(now):
        unsent = stopped() if stopped is not None else 0
        return not_running(state, now, silent) + (f", {unsent} unsent" if unsent else "")
    sync = state.group(group_id)
    unsent = sync.unsent if sync is not None else 0
    parts = []
    if not state.up:
        parts.append(f"offline {offline_for(now - state.since, short=True)}"
                     + (f" ({state.problem})" if state.problem else ""))
    elif state.hub_relay_silent is not None:  # what it sent is stored there, not passed on
        parts.append(f"hub relay silent {short_duration(now - state.hub_relay_silent)}")
    receiving = sync.receiving if sync is not None else None
    if history is not None:  # the file is the truth: a frontier open, or history complete
        receiving = (None if history.receiving is None
                     else history.receiving if receiving is None else receiving)
    if receiving is not None:
        parts.append(f"receiving {int(receiving * 100)}%")
    if unsent:  # whose they are (unsent_words), as the app's line says them
        parts.append(unsent_words(unsent, sync.unsent_for(user) if user and sync else None))
    if sync is not None:  # (relay.hub_refusals, relay.lost_inbound.told_as_refused)
        refused = sync.refused_for(user)
        parts += refused_words(state, refused, min(sync.void_for(user), refused))
    return ", ".join(parts) or "✓"


def hosts_phrase(hosts: list[str]) -> str:
    """`from hostB`, `from hostB and hostC`: the hosts late messages came from."""
    names = [shown_name(host) for host in dict.fromkeys(hosts)]
    if not names:
        return ""
    if len(names) == 1:
        return f" from {names[0]}"
    return f" from {', '.join(names[:-1])} and {names[-1]}"
