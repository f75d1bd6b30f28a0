"""Slash commands about messages: /me /reply /edit /delete /copy /react /search.

`-N` counts back from the newest message on screen (the log's own views), so what a command
acts on is what the user sees. A message can also be named by its id or a prefix of it (at
least 6 characters), as selection mode writes them: `/reply 01JD3K9X2QAB text`."""

from __future__ import annotations

from peers_tui.commands.slash import (ChatContext, SlashCommand, confirm, in_background,
                                      only_offset, split_offset)
from peers_tui.core.encoding import now_ms
from peers_tui.core.errors import NotFound, PeersError
from peers_tui.core.ids import ulid_text
from peers_tui.core.reactions import check_emoji
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


# The characters of a message id (ULIDs: Crockford's base 32) and the shortest prefix taken.
ID_CHARS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
MIN_PREFIX = 6


# How far past this clock a word may place a message and still be read as its id.
WITHIN_MS = 24 * 60 * 60 * 1000  # message_rules.FOLLOW_AHEAD_MS: a clock a day fast


def looks_like_id(word: str) -> bool:
    """Whether `word` may be read as a message id (prefix) rather than as text: 6+ of the
    characters of an id, no later than an honest id can be now (twentieth attack pass). An
    author chooses their message's id and may place it in any future: `/reply 100000 is too
    much` was a reply to mallory's message "100000…" saying "is too much", and `/edit 250000
    …` refused as "not yours". A number or word sorts after every id up to now, so it stays
    text; an id from the future is named whole (26 characters: what selection mode writes)."""
    if len(word) < MIN_PREFIX or not set(word.upper()) <= ID_CHARS:
        return False
    upper = word.upper()
    return len(upper) == 26 or upper <= ulid_text((now_ms() + WITHIN_MS) << 80)[:len(upper)]


def message_by_id(chat: ChatContext, word: str) -> MessageView | None:
    """The message whose id starts with `word`: on screen first, else anywhere in the group
    (one indexed lookup). None when `word` names no message (it is then text, not a target)."""
    if not looks_like_id(word):
        return None
    prefix = word.upper()
    matches = [v for v in chat.log_views() if v.id.upper().startswith(prefix)]
    if len(matches) > 1:
        raise PeersError(f"message id {word!r} is ambiguous; give more characters")
    if matches:
        return matches[0]
    store = chat.account.store(chat.entry)
    try:
        message_id = store.find_message(prefix)
    except NotFound:
        return None
    found = [v for v in store.around(message_id, 2) if v.id == message_id]
    return found[0] if found else None


def id_prefix(message_id: str, views: list[MessageView]) -> str:
    """The shortest prefix of `message_id`, 12 characters at least, that names it alone among
    `views` (12 is past a ULID's millisecond time, so rarely ambiguous in a group); the whole
    id of one from the future (looks_like_id)."""
    size = 12
    while size < len(message_id) and any(
            v.id != message_id and v.id.startswith(message_id[:size]) for v in views):
        size += 1
    return message_id[:size] if looks_like_id(message_id[:size]) else message_id


def split_target(chat: ChatContext, text: str, mine: bool) -> tuple[MessageView, str]:
    """`-N rest`, `ID rest` or `rest`: the message named (the newest one by default) and the
    rest. `mine`: the user's own messages (for /edit), else someone else's (for /reply by -N)."""
    head, _, rest = text.strip().partition(" ")
    view = message_by_id(chat, head) if head and rest.strip() else None
    if view is not None:
        if mine and view.author_id != chat.account.user_id:
            raise PeersError("you can only edit your own messages")
        return view, rest.strip()
    offset, rest = split_offset(text)
    return nth_message(chat, offset, mine=mine), rest


def target_of(chat: ChatContext, args: str, usage: str, mine: bool | None) -> MessageView:
    """The message a command's whole argument names: `N`, `-N` or an id prefix (1 if none).
    `mine`: count back over the user's own messages (True) or over all (None)."""
    words = args.split()
    if len(words) == 1 and looks_like_id(words[0]):
        view = message_by_id(chat, words[0])
        if view is None:
            raise PeersError(f"no message {words[0]!r} in this group (usage: {usage})")
        return view
    offset = only_offset(args, usage)
    if mine is not None:
        return nth_message(chat, offset, mine=mine)
    views = [v for v in reversed(chat.log_views()) if not v.deleted]
    if len(views) < offset:
        raise PeersError("there is no message that far back on screen")
    return views[offset - 1]


class Me(SlashCommand):
    name, usage, help, takes_text = "me", "/me TEXT", "post an action: * you TEXT", True

    def run(self, chat: ChatContext, args: str) -> None:
        if not args:
            raise PeersError("usage: /me TEXT")
        chat.post_message(SendMessage(chat.entry.id, args, "action"))


class Reply(SlashCommand):
    name, usage, takes_text = "reply", "/reply [-N|ID] TEXT", True
    help = "reply to the newest (or Nth newest) message of someone else"

    def run(self, chat: ChatContext, args: str) -> None:
        target, text = split_target(chat, args, mine=False)
        if not text:
            raise PeersError("usage: /reply [-N|ID] TEXT")
        chat.post_message(SendMessage(chat.entry.id, text, "text", reply_to=target.id))


class Edit(SlashCommand):
    name, usage, takes_text = "edit", "/edit [-N|ID] TEXT", True
    help = "replace the text of your newest (or Nth newest) message"

    def run(self, chat: ChatContext, args: str) -> None:
        target, text = split_target(chat, args, mine=True)
        if not text:
            raise PeersError("usage: /edit [-N|ID] TEXT")
        target_id = target.id
        account, group_id = chat.account, chat.entry.id

        def work() -> None:
            account.edit(group_id, target_id, text)
        in_background(chat, work)


class Delete(SlashCommand):
    name, usage, help = "delete", "/delete [N|ID]", "delete your newest (or Nth newest) message"

    def run(self, chat: ChatContext, args: str) -> None:
        target = target_of(chat, args, self.usage, mine=True)
        delete_message(chat, target)


def delete_message(chat: ChatContext, target: MessageView) -> None:
    """Ask, then delete `target` (the core refuses one the user may not delete)."""
    preview = target.body if len(target.body) <= 60 else target.body[:59] + "…"
    account, group_id = chat.account, chat.entry.id

    def work() -> str:
        account.delete(group_id, target.id)
        return "deleted"
    confirm(chat, "Delete this message?", f"{target.author}: {preview}",
            lambda: in_background(chat, work))


class Copy(SlashCommand):
    name, usage = "copy", "/copy [N|ID]"
    help = "copy the newest (or Nth newest) message to the clipboard (OSC 52)"

    def run(self, chat: ChatContext, args: str) -> None:
        copy_message(chat, target_of(chat, args, self.usage, mine=None))


def copy_message(chat: ChatContext, view: MessageView) -> None:
    """Put a message's text on the clipboard (OSC 52); warn when it is not genuine."""
    app = chat.app
    app.copy_to_clipboard(view.body)
    if view.verified:
        app.notify("copied to the clipboard")
    else:
        app.notify(f"copied an UNVERIFIED message to the clipboard: "
                   f"{inert(str(view.problem), allow_newlines=False)}",
                   title="Not genuine", severity="warning")


class React(SlashCommand):
    name, usage = "react", "/react EMOJI [-N|ID]"
    help = "add (or take back) a reaction to the newest (or Nth newest, or ID) message"

    def run(self, chat: ChatContext, args: str) -> None:
        words = args.split()
        if not words or len(words) > 2:
            raise PeersError(f"usage: {self.usage}")
        react_to(chat, target_of(chat, " ".join(words[1:]), self.usage, mine=None), words[0])


def react_to(chat: ChatContext, view: MessageView, emoji: str) -> None:
    """Toggle our `emoji` on `view` in a worker (shown when the live feed brings it back)."""
    emoji = check_emoji(emoji)
    account, group_id = chat.account, chat.entry.id

    def work() -> str:
        from peers_tui.core import message_targets  # after the first frame
        after = message_targets.react(account, group_id, view.id, emoji)
        mine = any(account.user_id in r.user_ids for r in after.reactions if r.emoji == emoji)
        return f"reacted {emoji}" if mine else f"took back {emoji}"
    in_background(chat, work)


class Search(SlashCommand):
    name, usage, help = "search", "/search [QUERY]", "search this group's whole history"

    def run(self, chat: ChatContext, args: str) -> None:
        chat.open_search(args)
