"""What the chat screen does with what the composer sends: a message for the app's outbox, a
slash command run on the screen's group, and the outcome of a send (the message shown at the
bottom of the log, or why it was not sent, its text back in an empty composer).

Separate from screens.chat, which composes the screen and opens a group: nothing is sent
before the first frame, so this is imported with the first submission, not before the frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from peers_tui.commands.registry import parse_command
from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert
from peers_tui.messages import SendMessage

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from peers_tui.commands.slash import ChatContext
    from peers_tui.core.views import MessageView
    from peers_tui.messages import SendFailed
    from peers_tui.widgets import Composer, MessageLog

    class SendingChat(ChatContext, Protocol):
        """What of the chat screen sending uses (ChatScreen provides it)."""

        message_log: MessageLog

        @property
        def composer(self) -> Composer: ...

        def run_command(self, text: str) -> None: ...

        def notify(self, message: str, *, title: str = "",
                   severity: SeverityLevel = "information") -> None: ...


def submitted(chat: SendingChat, text: str) -> None:
    """Run a slash command, or send the text (after `//`: a message that starts with a slash)."""
    if text.startswith("/") and not text.startswith("//"):
        chat.composer.sent()
        chat.run_command(text)
        return
    if text.startswith("//"):
        text = text[1:]  # "//" sends a message that starts with a slash
    chat.app.post_message(SendMessage(chat.entry.id, text))  # to its owner: no turn here
    # The app takes the text out of the composer once the message is stored (or a moment
    # later): with the message put in the log at the same time, one frame shows both.


def run_command(chat: SendingChat, text: str) -> None:
    """Run a slash command (`/name args`) on the chat screen's group."""
    try:
        command, args = parse_command(text)
        command.run(chat, args)
        if command.follows(args):  # its event comes at the bottom: show it there
            follow_newest(chat.message_log)
    except PeersError as exc:
        chat.app.notify(inert(str(exc)), title="Command", severity="warning")


def show_sent(log: MessageLog, view: MessageView) -> None:
    """The message just sent, at the bottom of the log, which follows the newest again."""
    follow_newest(log)
    log.apply_live([view])


def follow_newest(log: MessageLog) -> None:
    if not log.at_newest:
        log.action_newest()
    log.following = True


def send_failed(chat: SendingChat, event: SendFailed) -> None:
    chat.notify(inert(event.reason), title="Not sent", severity="error")
    chat.composer.submitted = None  # kept when it failed at once; else put back below
    chat.composer.enter_waiting = False  # what was typed after it is not sent on its own
    if not chat.composer.text:
        chat.composer.load_text(event.text)
    chat.refresh_roster()  # the group may have become read-only: say so in the composer
