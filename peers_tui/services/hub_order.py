"""A membership change made in the app that lost the race at the federation's hub is done
again, once, after this host's log caught up with the hub's: what `peers` does for the same
commands (relay.membership_commands.run_ordered). Before, the app said "another membership
change reached the hub first (membership fork ...)" and the user had to do it again by hand.

Nothing of the relay is loaded unless a change did lose (OutOrdered is raised only by the
hub's sequencer, which `peers` installs on a leaf host: core.membership_order)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from peers_tui.core.membership_order import OutOrdered

T = TypeVar("T")
AGAIN = "another membership change reached the hub first; done again after that one"


def after_the_hub(hub: Path, work: Callable[[], T]) -> tuple[T, bool]:
    """What `work` returns, and whether it had to run a second time (a second loss raises)."""
    try:
        return work(), False
    except OutOrdered as lost:
        from peers_tui.relay.hub_head import catch_up_stale
        from peers_tui.relay.ordering import StaleAtHub

        if isinstance(lost, StaleAtHub):
            catch_up_stale(hub, lost)
    return work(), True
