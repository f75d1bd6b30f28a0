"""Plain-text rendering of messages for the CLI (the TUI has its own widgets)."""

from __future__ import annotations

from collections.abc import Iterable

from peers_tui.core.identity import fingerprint
from peers_tui.core.names import look_alike_key, shown_handle
from peers_tui.core.text import inert
from peers_tui.core.times import local_minute
from peers_tui.core.views import MemberView, MessageView

INDENT = " " * 17


class AuthorLabels:
    """How authors are named in CLI output: each name made one inert line, and the owner's
    fingerprint beside every name that another person's name equals or looks like (the
    group's members, former ones too, and every author printed so far). Incremental: an
    export of a million messages by as many imported names costs one key per name."""

    def __init__(self, members: Iterable[MemberView] = ()) -> None:
        self.owners: dict[str, set[str]] = {}  # look-alike key -> the ids that use it
        self.keys: dict[tuple[str, str], str] = {}
        for member in members:
            self._key(member.user_id, member.handle)

    def _key(self, user_id: str, name: str) -> str:
        key = self.keys.get((user_id, name))
        if key is None:
            key = self.keys[(user_id, name)] = look_alike_key(name)
            self.owners.setdefault(key, set()).add(user_id)
        return key

    def __call__(self, message: MessageView) -> str:
        return self.label(message.author_id, message.display_author, message.fingerprint)

    def label(self, user_id: str, name: str, fingerprint: str) -> str:
        """`name` as shown for `user_id`: with `fingerprint` where another's looks alike."""
        key = self._key(user_id, name)
        shown = shown_handle(name)
        return f"{shown}~{fingerprint}" if len(self.owners[key]) > 1 else shown

    def quoted(self, message: MessageView) -> str:
        """The author of the message `message` replies to, named as the author column would."""
        if message.reply_author_id is None or message.reply_author is None:
            return shown_handle(message.reply_author or "?")
        return self.label(message.reply_author_id, message.reply_author,
                          fingerprint(message.reply_author_id))


def format_message(message: MessageView, labels: AuthorLabels | None = None) -> str:
    """One message as `YYYY-MM-DD HH:MM [UNVERIFIED: why] <author> text`, with its marks.

    The flag comes before the author, so no long body can push it out of sight; names are
    one inert line and every line of a body is indented, so nothing in a message can make
    a line that looks like another message."""
    when = local_minute(message.created_at)
    author = labels(message) if labels is not None else shown_handle(message.display_author)
    flag = ("" if message.verified else
            f"[UNVERIFIED: {inert(str(message.problem), allow_newlines=False)}] ")
    body = message.body.replace("\n", "\n" + INDENT)
    if message.deleted:
        return f"{when} {flag}<{author}> (message deleted)"
    if message.kind == "topic":
        return f"{when} {flag}* {author} set the topic: {body}"
    if message.reply_to:
        quoted = inert(message.reply_body or "", allow_newlines=False)
        whom = labels.quoted(message) if labels is not None else shown_handle(
            message.reply_author or "?")
        body = f"(re {whom}: \"{quoted}\") {body}"
    if message.edited:
        body = f"{body} (edited)"
    if message.kind == "action":
        return f"{when} {flag}* {author} {body}"
    return f"{when} {flag}<{author}> {body}"
