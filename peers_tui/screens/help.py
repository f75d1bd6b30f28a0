"""HelpScreen: every key and every slash command, as the registry (commands.registry) lists them."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from peers_tui.commands.registry import COMMANDS, KEYS, bindings


def help_tables() -> tuple[Table, Table]:
    keys = Table(title="Keys", expand=True, show_edge=False, box=None, padding=(0, 1))
    keys.add_column("key", style="bold", no_wrap=True)
    keys.add_column("does")
    for key in KEYS:
        keys.add_row(Text(key.label), Text(key.does))
    commands = Table(title="Commands", expand=True, show_edge=False, box=None, padding=(0, 1))
    commands.add_column("command", style="bold", no_wrap=True)
    commands.add_column("does")
    for command in COMMANDS:
        commands.add_row(Text(command.usage), Text(command.help))
    return keys, commands


class HelpScreen(ModalScreen[None]):
    """Keys and commands; any of Esc, q, F1 or ? closes it."""

    BINDINGS = bindings("help")

    def compose(self) -> ComposeResult:
        keys, commands = help_tables()
        with VerticalScroll(id="help-body") as body:
            body.border_title = "peers help"
            body.border_subtitle = "Esc closes"
            yield Static(keys)
            yield Static("")
            yield Static(commands)
