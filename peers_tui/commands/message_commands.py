"""Slash commands about messages: /me /reply /edit /delete /copy /search.

`-N` counts back from the newest message on screen (the log's own views), so what a command
acts on is what the user sees."""

from __future__ import annotations

from peers_tui.commands.slash import (ChatContext, SlashCommand, confirm, in_background,
                                      only_offset, split_offset)
from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.messages import SendMessage

# The kinds of message one can reply to, or edit and delete if they are one's own.
ANSWERABLE_KINDS = ("text", "action", "imported")


def nth_message(chat: ChatContext, offset: int, mine: bool) -> MessageView:
    """The `offset`-th newest message on screen written by the user (`mine`) or by others."""
    me = chat.account.user_id
    candidates = [v for v in reversed(chat.log_views()) if not v.deleted
                  and v.kind in ANSWERABLE_KINDS and (v.author_id == me) == mine]
    if len(candidates) < offset:
        whose = "of yours" if mine else "by someone else"
        raise PeersError(f"there is no message {whose} that far back on screen")
    return candidates[offset - 1]


class Me(SlashCommand):
    name, usage, help, takes_text = "me", "/me TEXT", "post an action: * you TEXT", True

    def run(self, chat: ChatContext, args: str) -> None:
        if not args:
            raise PeersError("usage: /me TEXT")
        chat.post_message(SendMessage(chat.entry.id, args, "action"))


class Reply(SlashCommand):
    name, usage, takes_text = "reply", "/reply [-N] TEXT", True
    help = "reply to the newest (or Nth newest) message of someone else"

    def run(self, chat: ChatContext, args: str) -> None:
        offset, text = split_offset(args)
        if not text:
            raise PeersError("usage: /reply [-N] TEXT")
        target = nth_message(chat, offset, mine=False)
        chat.post_message(SendMessage(chat.entry.id, text, "text", reply_to=target.id))


class Edit(SlashCommand):
    name, usage, takes_text = "edit", "/edit [-N] TEXT", True
    help = "replace the text of your newest (or Nth newest) message"

    def run(self, chat: ChatContext, args: str) -> None:
        offset, text = split_offset(args)
        if not text:
            raise PeersError("usage: /edit [-N] TEXT")
        target_id = nth_message(chat, offset, mine=True).id
        account, group_id = chat.account, chat.entry.id

        def work() -> None:
            account.edit(group_id, target_id, text)
        in_background(chat, work)


class Delete(SlashCommand):
    name, usage, help = "delete", "/delete [N]", "delete your newest (or Nth newest) message"

    def run(self, chat: ChatContext, args: str) -> None:
        target = nth_message(chat, only_offset(args, self.usage), mine=True)
        preview = target.body if len(target.body) <= 60 else target.body[:59] + "…"
        account, group_id = chat.account, chat.entry.id

        def work() -> str:
            account.delete(group_id, target.id)
            return "deleted"
        confirm(chat, "Delete this message?", f"{target.author}: {preview}",
                lambda: in_background(chat, work))


class Copy(SlashCommand):
    name, usage = "copy", "/copy [N]"
    help = "copy the newest (or Nth newest) message to the clipboard (OSC 52)"

    def run(self, chat: ChatContext, args: str) -> None:
        offset = only_offset(args, self.usage)
        views = [v for v in reversed(chat.log_views()) if not v.deleted]
        if len(views) < offset:
            raise PeersError("there is no message that far back on screen")
        view, app = views[offset - 1], chat.app
        app.copy_to_clipboard(view.body)
        if view.verified:
            app.notify("copied to the clipboard")
        else:
            app.notify(f"copied an UNVERIFIED message to the clipboard: "
                       f"{inert(str(view.problem), allow_newlines=False)}",
                       title="Not genuine", severity="warning")


class Search(SlashCommand):
    name, usage, help = "search", "/search [QUERY]", "search this group's whole history"

    def run(self, chat: ChatContext, args: str) -> None:
        chat.open_search(args)
