"""The key registry (commands/registry.py) is the one source of every key and slash command:
the bindings, the help screen, the completion and the README say what it says."""

from __future__ import annotations

import re
from pathlib import Path

from peers_tui.app import PeersApp
from peers_tui.commands.registry import (COMMANDS, KEYS, app_bindings, bindings, chat_bindings,
                                         command_words)
from peers_tui.screens.chat import ChatScreen
from peers_tui.screens.group_list import GroupListScreen
from peers_tui.screens.help import HelpScreen, help_tables
from peers_tui.screens.invites import InvitesScreen

README = Path(__file__).resolve().parents[2] / "README.md"
SHOWN = {"pageup": "PgUp", "pagedown": "PgDn", "escape": "Esc", "question_mark": "?"}
KEY = re.compile(r"(?<![\w+])(?:(?:Ctrl|Alt|Shift)\+)*"
                 r"(?:PgUp|PgDn|Esc|Enter|Tab|Up|Down|Home|End|F\d+|[A-Z]|[a-z]|\d|\?)(?![\w+])")


def shown(key: str) -> str:
    """Textual's key name as the help and the README write it: ctrl+g -> Ctrl+G; a plain
    letter stays as typed (selection mode's r, e, d ...)."""
    if len(key) == 1 and key.islower():
        return key
    return "+".join(SHOWN.get(part, part.capitalize()) for part in key.split("+"))


def named_keys(text: str) -> set[str]:
    """The keys a table cell names; `Alt+1 … Alt+9` names the digits between too."""
    names = set(KEY.findall(text))
    for first, last in re.findall(r"(\w+\+)1 … \1(9)", text):
        names |= {f"{first}{n}" for n in range(1, 10)}
    return names


def bound_keys() -> set[str]:
    return {shown(key) for row in KEYS for bound in row.bindings for key in bound.key.split(",")}


def readme_key_table() -> list[str]:
    """The key column of the README's `| key | does |` table."""
    lines = README.read_text().splitlines()
    start = lines.index("| key | does |") + 2
    cells = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells.append(line.split("|")[1].strip())
    return cells


def test_the_readme_key_table_names_every_bound_key_and_only_known_ones():
    in_readme = set().union(*(named_keys(cell) for cell in readme_key_table()))
    described = bound_keys().union(*(named_keys(row.label) for row in KEYS))
    assert bound_keys() - in_readme == set(), "bound but not in the README's key table"
    assert in_readme - described == set(), "in the README's key table but not in the registry"


def test_each_help_row_names_the_keys_it_binds():
    for row in KEYS:
        named = {name.rpartition("+")[2] for name in named_keys(row.label)}
        for bound in row.bindings:
            for key in bound.key.split(","):
                assert shown(key).rpartition("+")[2] in named, (row.label, key)


def test_the_readme_lists_every_slash_command():
    text = README.read_text()
    listed = re.search(r"Every action is also a slash command: `([^`]*)`", text)
    assert listed is not None
    assert listed.group(1).split() == [command.word for command in COMMANDS]


def test_bindings_help_and_completion_are_generated_from_the_registry():
    def keys(bindings):  # noqa: ANN001, ANN202 - Textual's BindingType
        return [(b.key, b.action, b.priority) for b in bindings]
    assert keys(PeersApp.BINDINGS) == keys(app_bindings())
    assert keys(ChatScreen.BINDINGS) == keys(chat_bindings())
    for screen, scope in ((GroupListScreen, "group_list"), (HelpScreen, "help"),
                          (InvitesScreen, "invites")):
        assert keys(screen.BINDINGS) == keys(bindings(scope)), scope
    assert all(priority for _, _, priority in keys(app_bindings()))
    key_table, command_table = help_tables()
    assert key_table.row_count == len(KEYS) and command_table.row_count == len(COMMANDS)
    assert command_words() == [f"/{command.name}" for command in COMMANDS]


async def test_commands_that_are_keys_open_what_their_keys_open(alice, team):
    """/groups and /help run the same app actions as Ctrl+G and F1."""
    from peers_tui.screens.group_list import GroupListScreen
    from tests.tui_helpers import make_app, type_text, wait_for

    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        for command, screen in (("/groups", GroupListScreen), ("/help", HelpScreen)):
            await type_text(pilot, command)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, screen))  # noqa: B023
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat)


async def test_the_help_is_whole_at_80_and_50_columns(alice, team):
    """The help modal at the width a terminal of 80 (and 50) columns gives it: nothing cut to
    '…', and at 80 every word of every key, command and description whole. The first column
    took its longest entry's width (46 and 56 cells) and the descriptions were cut at 80
    columns, a word a line ("newes…", "messa…")."""
    from rich.console import Console

    from peers_tui.screens.help import HelpTables
    from tests.tui_helpers import make_app, wait_for

    entries = [(key.label, key.does) for key in KEYS] + [(c.usage, c.help) for c in COMMANDS]
    dots = sum(first.count("…") + does.count("…") for first, does in entries)
    for columns in (80, 50):
        app = make_app(alice, "team")
        async with app.run_test(size=(columns, 30)) as pilot:
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause()
            width = app.screen.query_one("#help-body").query_one("Static").content_region.width
        console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(HelpTables())
        text = console.export_text()
        assert text.count("…") == dots, (columns, width)
        if columns == 80:
            shown_words = set(text.split())
            missing = {word for first, does in entries for word in f"{first} {does}".split()
                       if word not in shown_words}
            assert not missing, (width, sorted(missing)[:10])
