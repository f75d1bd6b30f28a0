"""Commands: the slash-command registry, their actions, and the command palette provider."""

from peers_tui.commands.slash import COMMANDS, SlashCommand, UnknownCommand, parse_command

__all__ = ["COMMANDS", "SlashCommand", "UnknownCommand", "parse_command"]
