"""What the keys of selection mode do to the selected message, and Alt+E's "edit my last".

Each action takes the chat screen (a SelectionContext) and the selected message. Writing
goes through the same paths as the slash commands (`/reply ID`, `/edit ID`, the delete
confirmation, OSC 52 copy, `message_targets.react` in a worker), so a key and its command
never disagree. A mistake (not yours, not a reply, no link) is a PeersError: one notification.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from peers_tui.commands.message_commands import (ANSWERABLE_KINDS, copy_message,
                                                 delete_message, id_prefix, react_to)
from peers_tui.commands.slash import ChatContext
from peers_tui.core.errors import PeersError
from peers_tui.core.roles import Role
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView

# A link in a message: http(s) up to the next space, without the punctuation ending a sentence.
URL = re.compile(r"https?://[^\s<>\"']+")


class SelectionContext(ChatContext, Protocol):
    """What selection mode needs of the chat screen beyond a slash command's needs."""

    def selected_message(self) -> MessageView | None: ...

    def select_message(self, message_id: str) -> None:
        """Select a message, loading a window around it if it is not loaded."""

    def start_in_composer(self, text: str) -> None:
        """Leave selection mode and put `text` in the composer, the cursor at its end."""


def first_url(text: str) -> str | None:
    match = URL.search(text)
    return match.group(0).rstrip(".,;:!?)]}") if match else None


def _mine(chat: ChatContext, view: MessageView) -> bool:
    return view.author_id == chat.account.user_id


def reply(chat: SelectionContext, view: MessageView) -> None:
    if view.deleted or view.kind not in ANSWERABLE_KINDS:
        raise PeersError("this message cannot be replied to")
    chat.start_in_composer(f"/reply {id_prefix(view.id, chat.log_views())} ")


def edit(chat: SelectionContext, view: MessageView) -> None:
    # Said apart: the selection stays on a message just deleted, which is still yours.
    if view.deleted:
        raise PeersError("this message is deleted: there is nothing to edit")
    if not _mine(chat, view) or view.kind not in ANSWERABLE_KINDS:
        raise PeersError("you can only edit your own messages")
    chat.start_in_composer(f"/edit {id_prefix(view.id, chat.log_views())} {view.body}")


def delete(chat: SelectionContext, view: MessageView) -> None:
    if view.deleted:
        raise PeersError("this message is deleted already")
    if not _mine(chat, view):
        role = chat.account.store(chat.entry).current_roster().role_of(chat.account.user_id)
        if role is None or role < Role.ADMIN:
            raise PeersError("only admins can delete someone else's message")
    delete_message(chat, view)


def copy(chat: SelectionContext, view: MessageView) -> None:
    copy_message(chat, view)


def react(chat: SelectionContext, view: MessageView) -> None:
    from peers_tui.screens.reaction_picker import ReactionPicker  # a dialog: loaded when used
    me = chat.account.user_id
    mine = frozenset(r.emoji for r in view.reactions if me in r.user_ids)

    def picked(emoji: str | None) -> None:
        if emoji:
            try:
                react_to(chat, view, emoji)
            except PeersError as exc:
                chat.app.notify(inert(str(exc)), title="React", severity="warning")
    chat.app.push_screen(ReactionPicker(mine), picked)


def who_reacted(chat: SelectionContext, view: MessageView) -> None:
    if not view.reactions:
        raise PeersError("no one has reacted to this message")
    account, group_id, app = chat.account, chat.entry.id, chat.app

    def job() -> None:
        from peers_tui.core import message_targets  # after the first frame
        try:
            _, rows = message_targets.reactors(account, group_id, view.id)
        except PeersError as exc:
            app.call_from_thread(app.notify, inert(str(exc)), severity="error")
            return
        text = "\n".join(f"{emoji} {', '.join(r.label for r in who)}"
                         for emoji, who in rows)
        from peers_tui.screens.note import tell  # many reactors: a screen of their own

        app.call_from_thread(tell, app, text or "no reactions", title="Reactions", timeout=10)
    app.run_worker(job, thread=True, group="slash", exit_on_error=False)


def open_link(chat: SelectionContext, view: MessageView) -> None:
    if not view.verified:
        raise PeersError("this message is not genuine: its links are not opened")
    url = first_url(view.body)
    if url is None:
        raise PeersError("this message has no link")
    chat.app.open_url(url)
    chat.app.notify(f"opening {inert(url, allow_newlines=False)}")


def jump_to_replied(chat: SelectionContext, view: MessageView) -> None:
    if not view.reply_to:
        raise PeersError("this message is not a reply")
    chat.select_message(view.reply_to)


ACTIONS: dict[str, Callable[[SelectionContext, MessageView], None]] = {
    "reply": reply, "edit": edit, "delete": delete, "copy": copy, "react": react,
    "who": who_reacted, "open": open_link, "jump": jump_to_replied,
}


def act(chat: SelectionContext, action: str) -> None:
    """Do `action` to the selected message; tell the user why not, if it cannot be done."""
    view = chat.selected_message()
    try:
        if view is None:
            raise PeersError("select a message first (Alt+S, or click it)")
        ACTIONS[action](chat, view)
    except PeersError as exc:
        chat.app.notify(inert(str(exc)), title="Selection", severity="warning")


def edit_last(chat: SelectionContext) -> None:
    """Alt+E: your newest genuine message on screen, into the composer as `/edit ID text`."""
    me = chat.account.user_id
    view = next((v for v in reversed(chat.log_views()) if v.author_id == me and v.verified
                 and not v.deleted and v.kind in ANSWERABLE_KINDS), None)
    if view is None:
        chat.app.notify("no message of yours on screen to edit", title="Edit",
                        severity="warning")
        return
    chat.start_in_composer(f"/edit {id_prefix(view.id, chat.log_views())} {view.body}")
