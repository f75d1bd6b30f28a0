"""Fixtures of the app's tests that run relays."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub_order():
    """This process's membership changes in the hub's order, as `peers` installs them before
    it starts the app (cli.relay.in_hub_order); every lookup taken out again after."""
    from peers_tui.cli.relay import install_ordering
    from peers_tui.core import membership_order

    install_ordering()
    yield
    membership_order.install(None)
    membership_order.install_held(None)
    membership_order.install_cut(None)
    membership_order.install_head(None)
