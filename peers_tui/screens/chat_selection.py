"""SelectionScreen: the chat screen's part in selection mode (Alt+S, or a click in the log).

The log keeps which message is selected and moves it (widgets/message_log/selecting.py);
the keys that act on it are in the registry and run commands/selection_commands.py (from
ChatScreen, the whole SelectionContext), which asks this screen for the selected message, to
select another, or to start the composer."""

from __future__ import annotations

from textual import events

from peers_tui.core.views import MessageView
from peers_tui.screens.composer_screen import COMPOSERS, ComposerScreen
from peers_tui.widgets import MessageLog


# What the log takes as keys of its own while it has the focus: selection mode's letters
# (commands/registry.py), ? for the help, and space, which a log may page with.
LOG_KEYS = frozenset("redcawog? ")


class SelectionScreen(ComposerScreen):
    """A screen with a message log and a composer, whose log's messages can be selected."""

    message_log: MessageLog

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget.id in COMPOSERS:  # Esc, a click on it, a reply begun: selection ends
            self.message_log.end_selection()
            self.refresh_bindings()  # the footer drops the selection's keys

    def on_key(self, event: events.Key) -> None:
        """A character typed while the log has the focus that no key there takes (the `/` of a
        command, a message's first letter): selection ends and it goes to the composer. A
        newcomer typing `/invitations` in selection mode had `a` open the reaction picker,
        Enter react to the message and `c` copy it (h-newuser)."""
        character = event.character
        if (self.focused is self.message_log and event.is_printable and character
                and character not in LOG_KEYS):
            event.stop()
            event.prevent_default()
            self.composer.focus()
            self.composer.insert(character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys acting on the selected message are shown in the footer (and act) only
        while one is selected: a new user pressing Alt+S saw a highlight and nothing saying
        what r, e, d, c, a, w, o and g do."""
        if action == "on_selection":
            log = getattr(self, "message_log", None)  # the first frame's footer asks early
            return log is not None and log.window.selected_id is not None
        return True

    def action_select_message(self) -> None:
        if not self.message_log.start_selection():
            self.notify("no message to select", title="Selection", severity="warning")
        self.refresh_bindings()

    def selected_message(self) -> MessageView | None:
        return self.message_log.selected

    def select_message(self, message_id: str) -> None:
        if not self.message_log.start_selection(message_id):  # not loaded: fetch around it
            self.message_log.jump_to(message_id)
            self.message_log.select(message_id)
            self.message_log.focus()

    def start_in_composer(self, text: str) -> None:
        self.composer.start_text(text)
