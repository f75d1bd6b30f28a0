"""Every key peers answers to, with what it does: the help screen and the README list these."""

from __future__ import annotations

KEY_HELP: tuple[tuple[str, str], ...] = (
    ("Enter", "send the message"),
    ("Ctrl+J", "new line in the message (any terminal)"),
    ("Alt+Enter, Shift+Enter", "new line too, where the terminal tells them from Enter"),
    ("Up / Down", "previous / next message you sent (on the first / last line)"),
    ("Tab", "complete @handle or /command"),
    ("Esc", "back to the composer"),
    ("PgUp / PgDn", "scroll the log by a page"),
    ("Home / End", "oldest / newest message (when the log has focus; Ctrl+Home/End anywhere)"),
    ("Alt+1 … Alt+9", "switch to group 1 … 9 of your list"),
    ("Alt+Up / Alt+Down", "previous / next group"),
    ("Alt+A", "next group with activity (mentions first)"),
    ("Ctrl+K", "find a group by name (fuzzy)"),
    ("Ctrl+G, F2", "the group list"),
    ("Ctrl+F", "search this group's history"),
    ("Ctrl+P", "command palette: every command"),
    ("F1, ? (outside the composer)", "this help"),
    ("Ctrl+C", "quit"),
)
