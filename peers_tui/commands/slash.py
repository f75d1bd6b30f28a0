"""The slash commands: names, usage and help in one place, shared by the composer's Tab
completion, the command palette and the help screen."""

from __future__ import annotations

from dataclasses import dataclass

from peers_tui.core.errors import PeersError


@dataclass(frozen=True)
class SlashCommand:
    name: str
    usage: str
    help: str
    takes_text: bool = False  # from the palette, it is started in the composer for the text

    @property
    def word(self) -> str:
        return f"/{self.name}"


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("create", "/create NAME", "create a group and open it", True),
    SlashCommand("join", "/join CODE", "join a group with an invite code", True),
    SlashCommand("invite", "/invite [reader|writer|admin] [USES] [EXPIRES] | /invite list",
                 "make an invite code (1 use, 7 days unless given; shown and copied), "
                 "or list the open invites to revoke one"),
    SlashCommand("leave", "/leave", "leave this group"),
    SlashCommand("nick", "/nick NEWHANDLE", "change your handle, in every group at once", True),
    SlashCommand("members", "/members", "list this group's members"),
    SlashCommand("role", "/role MEMBER ROLE", "change a member's role", True),
    SlashCommand("remove", "/remove MEMBER", "remove a member from this group", True),
    SlashCommand("topic", "/topic [TEXT]", "show or set the topic", True),
    SlashCommand("me", "/me TEXT", "post an action: * you TEXT", True),
    SlashCommand("reply", "/reply [-N] TEXT", "reply to the newest (or Nth newest) message of "
                 "someone else", True),
    SlashCommand("edit", "/edit [-N] TEXT", "replace the text of your newest (or Nth newest) "
                 "message", True),
    SlashCommand("delete", "/delete [N]", "delete your newest (or Nth newest) message"),
    SlashCommand("copy", "/copy [N]", "copy the newest (or Nth newest) message to the "
                 "clipboard (OSC 52)"),
    SlashCommand("search", "/search [QUERY]", "search this group's whole history"),
    SlashCommand("mute", "/mute [all|mentions|mute]", "set how this group notifies you "
                 "(no argument: toggle mute)"),
    SlashCommand("groups", "/groups", "show the group list"),
    SlashCommand("theme", "/theme [NAME]", "change the theme (no argument: list them)"),
    SlashCommand("help", "/help", "show keys and commands"),
    SlashCommand("quit", "/quit", "leave peers"),
)
BY_NAME = {command.name: command for command in COMMANDS}


class UnknownCommand(PeersError):
    """A slash command that does not exist."""


def parse_command(text: str) -> tuple[SlashCommand, str]:
    """Split `/name rest` into the command and its argument text."""
    head, _, rest = text.strip().partition(" ")
    name = head[1:].lower()
    command = BY_NAME.get(name)
    if command is None:
        close = [c.word for c in COMMANDS if c.name.startswith(name[:2])] if name else []
        hint = f"; did you mean {', '.join(close)}?" if close else "; /help lists them"
        raise UnknownCommand(f"unknown command {head!r}{hint}")
    return command, rest.strip()


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
