"""A handle change of ours that has not reached the hub yet, as `peers groups` and `peers id`
tell it. On a leaf host a handle change made while the link is down never blocks a send: it is
kept for the hub (relay.held), and one the hub then refused as stale waits for its author to
sign it again (relay.held_resign). The user sees their new handle everywhere on this host, so
without this nothing would say that the other hosts do not have it yet.
"""

from __future__ import annotations

from pathlib import Path

HANDLE_UNSENT = "unsent"  # kept for the hub while the link was down (relay.held)
HANDLE_TO_SIGN = "to sign again"  # refused by the hub as stale: its author signs it anew


def handle_changes(groups: list[tuple[Path, str, bool]], author: str) -> dict[str, str]:
    """The groups where a handle change of ours has not reached the hub yet, and why it
    waits: a change made while the link is down never blocks a send, so without this the
    user sees their new handle here and nothing saying that the others do not yet."""
    from peers_tui.relay.held_peek import kept_for  # plain os and json

    kept: dict[str, str] = {}
    wanted = {group_id for _, group_id, personal in groups if not personal}
    for hub in dict.fromkeys(hub for hub, _, personal in groups if not personal):
        for group_id, marked in kept_for(str(hub), author).items():
            if group_id in wanted:  # (one we left: the relay's to drop, not ours to tell)
                kept[group_id] = HANDLE_TO_SIGN if marked else HANDLE_UNSENT
    return kept


def with_handle(sync: str, change: str | None) -> str:
    """The sync column with a kept handle change of ours: `offline 2m, handle unsent`."""
    if change is None:
        return sync
    return ", ".join([part for part in (sync,) if part and part != "✓"] + [f"handle {change}"])


def waiting_lines(kept: dict[str, str], names: dict[str, str]) -> list[str]:
    """One line for each group where a handle change of ours waits (`peers id`)."""
    lines = []
    for group_id, change in sorted(kept.items(), key=lambda item: names.get(item[0], item[0])):
        name = names.get(group_id, group_id)
        lines.append(f"your handle change waits for the hub in {name} (it is sent when the "
                     "link is back)" if change == HANDLE_UNSENT else
                     f"your handle change in {name} waits to be signed again (the hub took "
                     "another change first)")
    return lines
