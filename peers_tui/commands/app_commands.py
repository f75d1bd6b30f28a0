"""Slash commands about the app itself: /groups /theme /help /quit."""

from __future__ import annotations

from typing import ClassVar

from peers_tui.commands.slash import ChatContext, SlashCommand
from peers_tui.core.errors import PeersError


class AppAction(SlashCommand):
    """A command that is one of the app's key actions (the same as pressing its key)."""

    action: ClassVar[str]  # a Textual action of the app, as the key bindings name it

    def run(self, chat: ChatContext, args: str) -> None:
        chat.app.call_later(chat.app.run_action, self.action)


class Groups(AppAction):
    name, usage, help, action = "groups", "/groups", "show the group list", "group_list"


class Help(AppAction):
    name, usage, help, action = "help", "/help", "show keys and commands", "help"


class Quit(SlashCommand):
    name, usage, help = "quit", "/quit", "leave peers"

    def run(self, chat: ChatContext, args: str) -> None:
        chat.app.exit()


class Theme(SlashCommand):
    name, usage, help = "theme", "/theme [NAME]", "change the theme (no argument: list them)"

    def run(self, chat: ChatContext, args: str) -> None:
        app = chat.app
        names = sorted(app.available_themes)
        if not args:
            app.notify("themes: " + ", ".join(names))
            return
        if args not in names:
            raise PeersError(f"unknown theme {args!r}; /theme lists them")
        app.theme = args
