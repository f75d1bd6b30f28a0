"""Every key and every slash command peers answers to, each described once.

From this module are generated: the key bindings of the app, the chat screen and the dialogs
(`bindings(scope)`), the help screen's two tables (`KEYS`, `COMMANDS`), the dialogs' key hints
(`key_hints(scope)`), the command palette's commands (`COMMANDS`) and the composer's Tab
completion of /commands (`command_words()`). The README's key table and list of commands are
checked against it (tests/tui/test_key_registry.py).

A new key: a `Key` row here, with its bindings (the action is a method `action_NAME` of the app
or of the screen the binding's scope names). A new slash command: a `SlashCommand` class (commands/*_commands.py)
listed in `COMMANDS`, in the order the help screen and the palette show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.binding import Binding, BindingType

from peers_tui.core.errors import PeersError
from peers_tui.core.value import Value

if TYPE_CHECKING:
    from peers_tui.commands.slash import SlashCommand
    from peers_tui.widgets.completion import ArgumentKind

    # Made on first use (`__getattr__` below): the command classes (commands/*_commands.py,
    # six modules) are not needed for the first frame, only the keys' bindings are.
    COMMANDS: tuple[SlashCommand, ...]
    BY_NAME: dict[str, SlashCommand]

# Where a key is bound: the app (a priority binding, so the composer's own editing keys never
# swallow it), the chat screen, or one of the screens over it.
Scope = Literal["app", "chat", "group_list", "help", "invites", "invitations"]


class KeyBinding(Value):  # not a dataclass: compiled at import (core.value)
    """One Textual binding: `key` in Textual's names (comma-separated), `action` to run."""

    __slots__ = ("scope", "key", "action", "description", "show", "priority")
    scope: Scope
    key: str
    action: str
    description: str  # what the footer and Textual's key panel call it
    show: bool  # in the footer
    priority: bool  # (app bindings always are)

    def __init__(self, scope: Scope, key: str, action: str, description: str = "",
                 show: bool = False, priority: bool = False) -> None:
        self.scope = scope
        self.key = key
        self.action = action
        self.description = description
        self.show = show
        self.priority = priority

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show,
                       priority=self.priority or self.scope == "app")


class Key(Value):  # not a dataclass: compiled at import (core.value)
    """A row of the help screen's key table, and the bindings it stands for (none for the
    keys the composer or the log handle themselves)."""

    __slots__ = ("label", "does", "bindings")
    label: str  # the keys as the user reads them
    does: str
    bindings: tuple[KeyBinding, ...]

    def __init__(self, label: str, does: str, bindings: tuple[KeyBinding, ...] = ()) -> None:
        self.label = label
        self.does = does
        self.bindings = bindings


# Selection mode (commands/selection_commands.py): Alt+S (Meta+S through tmux and screen, whose
# prefixes are Ctrl+B and Ctrl+A; Up stays the input history) or a click selects a message; the
# letters act on it while the log has the focus (in the composer they are text).
SELECTION_KEYS: tuple[Key, ...] = (
    Key("Alt+S, click", "select a message in the log (Esc: back to the composer)", (
        KeyBinding("chat", "alt+s", "select_message", "Select", priority=True),)),
    Key("Up / Down, PgUp / PgDn, Home / End (selecting)",
        "move the selection a message, a page, to the oldest / newest"),
    Key("r (selecting)", "reply to the selected message", (
        KeyBinding("chat", "r", "on_selection('reply')", "Reply", show=True),)),
    Key("e (selecting)", "edit the selected message (yours)", (
        KeyBinding("chat", "e", "on_selection('edit')", "Edit", show=True),)),
    Key("d (selecting)", "delete the selected message (yours, or any as an admin)", (
        KeyBinding("chat", "d", "on_selection('delete')", "Delete", show=True),)),
    Key("c (selecting)", "copy the selected message (OSC 52)", (
        KeyBinding("chat", "c", "on_selection('copy')", "Copy", show=True),)),
    Key("a (selecting)", "react to the selected message (or take a reaction back)", (
        KeyBinding("chat", "a", "on_selection('react')", "React", show=True),)),
    Key("w (selecting)", "who reacted to the selected message", (
        KeyBinding("chat", "w", "on_selection('who')", "Who", show=True),)),
    Key("o (selecting)", "open the selected message's first link (genuine messages only)", (
        KeyBinding("chat", "o", "on_selection('open')", "Link", show=True),)),
    Key("g (selecting)", "go to the message the selected one replies to", (
        KeyBinding("chat", "g", "on_selection('jump')", "Go to", show=True),)),
    Key("Alt+E", "edit your last message (loads /edit into the composer)", (
        KeyBinding("chat", "alt+e", "edit_last", "Edit last", priority=True),)),
)

KEYS: tuple[Key, ...] = (
    Key("Enter", "send the message"),
    Key("Ctrl+J", "new line in the message (any terminal)"),
    Key("Alt+Enter, Shift+Enter", "new line too, where the terminal tells them from Enter"),
    Key("Up / Down", "previous / next message you sent (on the first / last line)"),
    Key("Tab / Shift+Tab", "complete a handle, /command, person or group; again: next / back"),
    Key("Esc", "back to the composer", (
        KeyBinding("chat", "escape", "focus_composer", "Composer"),)),
    Key("PgUp / PgDn", "scroll the log by a page", (
        KeyBinding("chat", "pageup", "page(-1)", "Older", priority=True),
        KeyBinding("chat", "pagedown", "page(1)", "Newer", priority=True))),
    Key("Home / End", "oldest / newest message (when the log has focus; Ctrl+Home/End anywhere)", (
        KeyBinding("chat", "ctrl+home", "oldest", "Oldest", priority=True),
        KeyBinding("chat", "ctrl+end", "newest", "Newest", priority=True))),
    Key("Alt+1 … Alt+9", "switch to group 1 … 9 of your list", tuple(
        KeyBinding("app", f"alt+{n}", f"switch_index({n - 1})") for n in range(1, 10))),
    Key("Alt+Up / Alt+Down", "previous / next group", (
        KeyBinding("app", "alt+up", "switch_step(-1)", "Previous group"),
        KeyBinding("app", "alt+down", "switch_step(1)", "Next group"))),
    Key("Alt+A", "next group with activity (mentions first)", (
        KeyBinding("app", "alt+a", "next_active", "Next active"),)),
    Key("Ctrl+K", "find a group by name (fuzzy)", (
        KeyBinding("app", "ctrl+k", "switcher", "Go to group", show=True),)),
    Key("Ctrl+G, F2", "the group list", (
        KeyBinding("app", "ctrl+g,f2", "group_list", "Groups", show=True),)),
    Key("F3", "show / hide the list of groups at the left (120+ columns; remembered)", (
        KeyBinding("chat", "f3", "toggle_buffer_list", "Group list", priority=True),)),
    Key("Ctrl+F", "search this group's history", (
        KeyBinding("app", "ctrl+f", "search", "Search", show=True),)),
    Key("Ctrl+P", "command palette: every command"),  # Textual's own binding
    Key("F1, ? (outside the composer)", "this help", (
        KeyBinding("app", "f1", "help", "Help", show=True),
        KeyBinding("chat", "question_mark", "app.help", "Help"))),
    Key("Ctrl+C", "quit", (
        KeyBinding("app", "ctrl+c", "quit", "Quit"),)),
) + SELECTION_KEYS

# The keys of the screens over the chat, in the order their footers and hints show them.
SCREEN_KEYS: tuple[Key, ...] = (
    Key("Enter", "open", (KeyBinding("group_list", "enter", "open", "Open"),)),
    Key("n", "new", (KeyBinding("group_list", "n", "create", "New", show=True),)),
    Key("j", "join", (KeyBinding("group_list", "j", "join", "Join", show=True),)),
    Key("l", "leave", (KeyBinding("group_list", "l", "leave", "Leave", show=True),)),
    Key("m", "mute", (KeyBinding("group_list", "m", "mute", "Mute", show=True),)),
    Key("a", "archive", (KeyBinding("group_list", "a", "archive", "Archive", show=True),)),
    Key("Shift+↑↓", "reorder", (
        # Not in the footer (the screen's top line names them): "Move up", "Move down" ran
        # off an 80-column footer and cut the app's own keys after them.
        KeyBinding("group_list", "shift+up", "move(-1)", "Move up"),
        KeyBinding("group_list", "shift+down", "move(1)", "Move down"))),
    Key("Esc", "back", (KeyBinding("group_list", "escape", "back", "Back", show=True),)),
    Key("Esc, q, F1, ?", "close", (
        KeyBinding("help", "escape,q,f1,question_mark", "dismiss", "Close", show=True),)),
    Key("c", "copy the new code", (
        KeyBinding("invites", "c", "copy", "Copy the new code", show=True),)),
    Key("r", "revoke the highlighted one", (
        KeyBinding("invites", "r,delete", "revoke", "Revoke", show=True),)),
    Key("Esc", "close", (KeyBinding("invites", "escape", "dismiss_screen", "Close", show=True),)),
    Key("Enter, a", "accept the highlighted invitation", (
        KeyBinding("invitations", "enter,a", "accept", "Accept", show=True),)),
    Key("d", "decline it", (KeyBinding("invitations", "d,delete", "decline", "Decline", show=True),)),
    Key("Esc", "close", (
        KeyBinding("invitations", "escape", "dismiss_screen", "Close", show=True),)),
)

def _commands() -> tuple[SlashCommand, ...]:
    """Every slash command, in the order the help screen and the palette show them; made on
    first use, as the module's `COMMANDS` and `BY_NAME`. Their six modules (and two dozen
    classes) cost ~2 ms of a start measured against a bare Textual app (issue 16), and the
    first frame needs only the keys' bindings."""
    made: tuple[SlashCommand, ...] | None = globals().get("COMMANDS")
    if made is None:
        from peers_tui.commands.app_commands import Groups, Help, Quit, Theme
        from peers_tui.commands.group_commands import (Create, Invite, Join, Leave, Members, Mute,
                                                       Nick, Remove, SetRole, Topic)
        from peers_tui.commands.message_commands import (Copy, Delete, Edit, Me, React, Reply,
                                                         Search)
        from peers_tui.commands.people_commands import Dm, Invitations, Who

        made = (
            Create(), Join(), Invite(), Leave(), Nick(), Members(), SetRole(), Remove(), Topic(),
            Who(), Dm(), Invitations(),
            Me(), Reply(), Edit(), Delete(), Copy(), React(), Search(), Mute(), Groups(), Theme(),
            Help(), Quit(),
        )
        globals().update(BY_NAME={command.name: command for command in made}, COMMANDS=made)
    return made


def __getattr__(name: str) -> object:  # `COMMANDS`, `BY_NAME` before their first use
    if name in ("COMMANDS", "BY_NAME"):
        _commands()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def keys_of(scope: Scope) -> list[Key]:
    return [key for key in KEYS + SCREEN_KEYS if any(b.scope == scope for b in key.bindings)]


def bindings(scope: Scope) -> list[BindingType]:
    """The Textual bindings of the app or of a screen, in the order the registry lists them."""
    return [bound.binding() for key in keys_of(scope) for bound in key.bindings
            if bound.scope == scope]


def key_hints(scope: Scope) -> str:
    """A screen's keys on one line: `c copy the new code · r revoke ... · Esc close`."""
    return " · ".join(f"{key.label} {key.does}" for key in keys_of(scope))


def app_bindings() -> list[BindingType]:
    return bindings("app")


def chat_bindings() -> list[BindingType]:
    return bindings("chat")


def command_words() -> list[str]:
    """What Tab completes at the start of the composer: /create, /join, ..."""
    return [command.word for command in _commands()]


def command_arguments() -> dict[str, ArgumentKind]:
    """The commands whose argument Tab completes, and with what: {"/dm": "person", ...}."""
    return {command.word: command.completes for command in _commands()
            if command.completes is not None}


class UnknownCommand(PeersError):
    """A slash command that does not exist."""


def parse_command(text: str) -> tuple[SlashCommand, str]:
    """Split `/name rest` into the command and its argument text."""
    head, _, rest = text.strip().partition(" ")
    name = head[1:].lower()
    _commands()  # (makes BY_NAME)
    command = BY_NAME.get(name)
    if command is None:
        close = [c.word for c in _commands() if c.name.startswith(name[:2])] if name else []
        hint = f"; did you mean {', '.join(close)}?" if close else "; /help lists them"
        raise UnknownCommand(f"unknown command {head!r}{hint}")
    if rest.strip() and " " not in command.usage:
        # `/leave other-group` must not leave this one: a command without arguments refuses them.
        raise PeersError(f"{command.word} takes no arguments: type {command.usage} alone")
    return command, rest.strip()
