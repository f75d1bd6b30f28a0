"""HelpScreen: every key and every slash command, as the registry (commands.registry) lists them."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from peers_tui.commands.registry import COMMANDS, KEYS, bindings

# The first column (a key, a command's usage) is as wide as its longest entry up to a third of
# the width and never more than this; longer entries wrap. Unbounded, it took the longest entry's
# 46 and 56 cells and left the descriptions a word a line at 80 columns, cut to "newes…".
FIRST_COLUMN_MOST = 30


def help_table(title: str, head: str, rows: list[tuple[str, str]], width: int = 110) -> Table:
    table = Table(title=title, expand=True, show_edge=False, box=None, padding=(0, 1))
    table.add_column(head, style="bold", overflow="fold",
                     max_width=max(10, min(FIRST_COLUMN_MOST, width // 3)))
    table.add_column("does", ratio=1, overflow="fold")
    for first, does in rows:
        table.add_row(Text(first), Text(does))
    return table


def help_tables(width: int = 110) -> tuple[Table, Table]:
    return (help_table("Keys", "key", [(key.label, key.does) for key in KEYS], width),
            help_table("Commands", "command",
                       [(command.usage, command.help) for command in COMMANDS], width))


class HelpTables:
    """Both tables, made for the width they are drawn at."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        keys, commands = help_tables(options.max_width)
        yield keys
        yield Text("")
        yield commands


class HelpScreen(ModalScreen[None]):
    """Keys and commands; any of Esc, q, F1 or ? closes it."""

    BINDINGS = bindings("help")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "peers help"
            body.border_subtitle = "Esc closes"
            yield Static(HelpTables())
