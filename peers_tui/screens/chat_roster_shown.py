"""What the chat screen shows of a roster read (screens.chat_roster's RosterLoaded): the
members and who is here, the topic, the membership events in the log, a warning about the
history, and whether the composer may post.

Separate from screens.chat, which composes the screen and opens a group: the roster is read
after the first frame (on a worker), so what shows it is imported with the first read, not
before the frame. The screen keeps the state (`topic`, `membership`, `standing`,
`can_post`); this module only sets it from a read and shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from peers_tui.screens.chat_hints import cannot_post_hint, writing_hint

if TYPE_CHECKING:
    from peers_tui.commands.slash import Standing
    from peers_tui.screens.chat_bars import HiddenBars
    from peers_tui.screens.chat_roster import RosterLoaded
    from peers_tui.widgets import Composer, MessageLog, RosterPanel


class RosterChat(Protocol):
    """What of the chat screen a roster read changes (ChatScreen provides it)."""

    label: str
    topic: str | None
    membership: tuple[object, ...]
    standing: Standing
    can_post: bool
    message_log: MessageLog
    bars: HiddenBars

    @property
    def composer(self) -> Composer: ...

    def show_title(self) -> None: ...


def show_roster(chat: RosterChat, event: RosterLoaded, roster_panel: RosterPanel) -> None:
    """Show a roster read of the group the screen has open."""
    chat.topic, chat.membership = event.topic, event.membership
    chat.message_log.membership_is(event.group_id, event.membership)  # a cut: read again
    chat.standing = event.standing
    roster_panel.people = event.people
    roster_panel.show(event.members, event.present, event.hosts)
    chat.message_log.set_people(event.people)
    chat.message_log.set_events(event.events)  # joins, leaves, removals in their place
    chat.composer.handles_from(lambda: completed_names(event))  # on the first Tab after @
    chat.show_title()
    chat.bars.show_warning(event.warning)
    if event.can_post != chat.can_post:
        chat.can_post = event.can_post
        reason = None if event.can_post else event.cannot_post_reason()
        chat.composer.set_cannot_post(reason, writing_hint(chat.label) if reason is None
                                      else cannot_post_hint(reason, event.standing))


def completed_names(event: RosterLoaded) -> list[str]:
    """What Tab offers after `@`: each member's handle, as `handle~fingerprint` where another
    member's (a former one's too) is the same or looks alike: "аlice" (Cyrillic а) and
    "alice" were offered as two entries no one could tell apart. The fingerprint does not
    stop a mention (core.mentions: `~` ends the word)."""
    from peers_tui.core.names import typed_names

    return typed_names(((m.user_id, m.handle) for m in event.members), event.people)
