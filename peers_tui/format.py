"""Plain-text rendering of messages for the CLI (the TUI has its own widgets)."""

from __future__ import annotations

from peers_tui.core.times import local_time
from peers_tui.core.views import MessageView

INDENT = " " * 17


def format_message(message: MessageView) -> str:
    """One message as `YYYY-MM-DD HH:MM <author> text`, with its marks; not yet made inert."""
    when = local_time(message.created_at, "%Y-%m-%d %H:%M")
    author = message.display_author
    if message.deleted:
        line = f"{when} <{author}> (message deleted)"
    elif message.kind == "topic":
        line = f"{when} * {author} set the topic: {message.body}"
    else:
        body = message.body.replace("\n", "\n" + INDENT)
        if message.reply_to:
            body = f"(re {message.reply_author}: \"{message.reply_body}\") {body}"
        if message.edited:
            body = f"{body} (edited)"
        line = (f"{when} * {author} {body}" if message.kind == "action"
                else f"{when} <{author}> {body}")
    if not message.verified:
        line = f"{line}  [UNVERIFIED: {message.problem}]"
    return line
