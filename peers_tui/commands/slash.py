"""What a slash command is, and what it may use of the chat screen it is typed in.

A command is one class: its name, usage and help (for the palette, the help screen and Tab
completion, all generated from `commands.registry`) beside what it does. It asks for work the
app owns by posting request messages (`peers_tui.messages`) from the chat screen; work on the
user's own account runs in a thread worker, and only its outcome comes back to the UI thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from textual.app import App
from textual.message import Message

from peers_tui.core.errors import PeersError
from peers_tui.core.group_entry import GroupEntry
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.widgets.completion import ArgumentKind

if TYPE_CHECKING:
    from peers_tui.core.account import Account

# The user's standing in the open group: a member's state in the roster, or not a member.
Standing = Literal["active", "left", "removed", "not a member"]


class ChatContext(Protocol):
    """What a command may use of the chat screen it runs on (ChatScreen provides it)."""

    account: Account
    entry: GroupEntry  # the open group
    standing: Standing  # the user's in it, as the roster last said

    @property
    def app(self) -> App[Any]: ...

    def log_views(self) -> list[MessageView]: ...

    def open_search(self, query: str = "") -> None: ...

    def show_invites(self, entry: GroupEntry, code: str | None = None, terms: str = "") -> None:
        ...

    def refresh_roster(self) -> object: ...

    def post_message(self, message: Message) -> bool: ...


class SlashCommand(ABC):
    """One slash command: `/name args`, typed in the composer or chosen in the palette."""

    name: ClassVar[str]
    usage: ClassVar[str]
    help: ClassVar[str]
    takes_text: ClassVar[bool] = False  # from the palette it is started in the composer
    completes: ClassVar[ArgumentKind | None] = None  # what Tab completes its argument with

    @property
    def word(self) -> str:
        return f"/{self.name}"

    @abstractmethod
    def run(self, chat: ChatContext, args: str) -> None:
        """Do it on the UI thread; raise PeersError for a mistake the user should be told."""

    def follows(self, args: str) -> bool:
        """Whether what it does shows as an event at the bottom of the open log, so the log
        goes there as after a send (/topic set from above showed "↓ 1 new message")."""
        return False


def in_background(chat: ChatContext, work: Callable[[], str | None], *,
                  then: Callable[[], None] | None = None) -> None:
    """Run `work` in a thread; show what it returns, or the error; then refresh the roster.

    `work` must not touch the screen or its widgets: what it needs is read before it starts."""
    app = chat.app

    def job() -> None:
        try:
            message = ordered_work(chat.account, work)
        except PeersError as exc:
            app.call_from_thread(app.notify, inert(str(exc)), severity="error")
            return
        if message:
            from peers_tui.screens.note import tell  # a long answer in a screen of its own

            app.call_from_thread(tell, app, inert(message))
        app.call_from_thread(chat.refresh_roster)
        if then is not None:
            app.call_from_thread(then)
    app.run_worker(job, thread=True, group="slash", exit_on_error=False)


def ordered_work(account: Account, work: Callable[[], str | None]) -> str | None:
    """`work`, done once more when its membership change lost the race at the federation's
    hub (services.hub_order)."""
    from peers_tui.services.hub_order import AGAIN, after_the_hub

    message, again = after_the_hub(account.paths.hub, work)
    if not again:
        return message
    return f"{message} ({AGAIN})" if message else AGAIN


def confirm(chat: ChatContext, question: str, detail: str, then: Callable[[], object]) -> None:
    """Ask before a destructive action; `then` runs only on a yes."""
    from peers_tui.screens.confirm import ConfirmScreen  # a dialog: loaded when first asked

    def answered(yes: bool | None) -> None:
        if yes:
            then()
    chat.app.push_screen(ConfirmScreen(question, detail), answered)


# ----------------------------------------------------------------- arguments
def parse_offset(word: str) -> int:
    """`2` or `-2` -> 2: which message, counted from the newest (1 or -1 is the newest)."""
    digits = word[1:] if word.startswith("-") else word
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise PeersError(f"{word!r} is not a message number: 1 (or -1) is the newest, "
                         "2 the one before it")
    return int(digits)


def split_offset(text: str) -> tuple[int, str]:
    """`-3 rest` -> (3, "rest"); `rest` -> (1, "rest"), for commands followed by text.

    Only a leading `-N` is an offset here (a reply may well start with a number); `-0` or
    `-x1` is a mistake, not text to post."""
    head, _, rest = text.strip().partition(" ")
    if head.startswith("-") and head[1:2].isdigit():
        return parse_offset(head), rest.strip()
    return 1, text.strip()


def only_offset(text: str, usage: str) -> int:
    """The offset that is a command's whole argument (`/delete 2`, `/delete -2`); 1 if none."""
    words = text.split()
    if len(words) > 1:
        raise PeersError(f"usage: {usage}")
    return parse_offset(words[0]) if words else 1
