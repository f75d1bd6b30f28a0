"""A handle change of ours that has not reached the hub yet, as `peers groups` and `peers id`
tell it. On a leaf host a handle change made while the link is down never blocks a send: it is
kept for the hub (relay.held), and one the hub then refused as stale waits for its author to
sign it again (relay.held_resign). The user sees their new handle everywhere on this host, so
without this nothing would say that the other hosts do not have it yet.
"""

from __future__ import annotations

from peers_tui.core.sync_column import HANDLE_UNSENT

# Which changes wait, and the sync column's words for them: relay.held_peek.handle_changes and
# core.sync_column, shared with the app's group list.


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
