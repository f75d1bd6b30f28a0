"""The one way to build the app: the CLI, the tests, the snapshot demo, the screenshot script
and the benchmarks all call build_app(), so each of them runs the app the user gets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui import textual_callbacks, textual_classes

# Before the app's widget, screen and app classes are made (peers_tui.textual_classes).
textual_classes.install()
textual_callbacks.install()  # handlers' parameters counted from their code
textual_classes.hash_rule_sets_by_identity()  # style rules hashed in C

from peers_tui.app import PeersApp  # noqa: E402  (after the install above)
from peers_tui.core.group_entry import GroupEntry  # noqa: E402

if TYPE_CHECKING:
    from peers_tui.core.account import Account


def build_app(account: Account, group: str | GroupEntry | None = None, *,
              config_file: Path | None = None) -> PeersApp:
    """The app for `account`, opening `group` (a name, id or resolved entry; None: the group
    opened last). The CLI resolves the group itself first, so a wrong name is reported
    before it looks for a terminal; `config_file` None is the user's usual config file."""
    entry = account.resolve(group) if isinstance(group, str) else group
    return PeersApp(account, entry, config_file=config_file)
