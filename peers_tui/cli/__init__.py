"""The `peers` command: no arguments starts the TUI, the commands are for shells and bots.

    parser.py     the command line: global options and the command modules in --help order
    arguments.py  the parser class, the registry of commands, the parse, checked value types
    output.py     printing results, warnings and failures (one line, an exit code)
    inputs.py     the account (--home, --hub) and text from standard input
    tui.py        `peers`, `peers open`: the full-screen app (the only one to load Textual)
    identity.py, groups.py, invites.py, messages.py, members.py, checks.py: the commands
    format.py, progress.py  message lines and the progress bar of the plain-text output

To add a command: in a command module's `add_parsers(commands)`, call
`commands.add(NAME, handler, help=...)` and add arguments to the parser it returns (or
`commands.add_family(NAME, help=...).add(...)` for `peers NAME ACTION`); `handler(args)` returns
the exit code. A new module, with its commands' words, goes into `COMMANDS` in parser.py.

A script's `peers send` must stay fast: nothing here imports Textual, and each handler
imports the stores and helpers it needs when it runs. A plain `peers send GROUP TEXT` does not
even come here: quick_send.py runs it without the parser (see peers_tui.launch), which is why
this package imports nothing until `main` runs."""

from __future__ import annotations

import gc
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from peers_tui.cli.arguments import Handler


# Commands that list our kept handle changes (cli.handle_waits): the one the hub refused as
# stale is signed again before they run, not after, as every other command does.
TELLS_HANDLE_CHANGES = ("groups", "id")


def main(argv: list[str] | None = None) -> int:
    """Run one `peers` command line; the exit code is returned, never raised."""
    argv = sys.argv[1:] if argv is None else argv
    if "send" in argv:  # a script's plain `peers send`: the lean path, when it can
        from peers_tui.cli.quick_send import run

        code = run(argv)
        if code is not None:
            return code
    from peers_tui.cli.app_line import app_line
    from peers_tui.cli.output import FAILURES, report_failure

    try:
        args = app_line(argv)  # `peers`, `peers open GROUP`: no argparse (cli.app_line)
        if args is None:
            from peers_tui.cli.parser import parse

            args = parse(argv)
        from peers_tui.cli.tui import start as start_tui  # (imported by either parse)

        handler: Handler = args.handler
        if handler is start_tui:
            # The app orders no membership change as it starts (`open` is none): it installs
            # the hub's order at its first paint (cli.tui), and resumes collecting then.
            return start_tui(args)
        gc.enable()  # paused by the launcher for start-up (peers_tui.launch)
        from peers_tui.cli.relay import in_hub_order, install_ordering, sign_kept_again

        tells_handles = args.command in TELLS_HANDLE_CHANGES
        if tells_handles:  # what they tell of our handle changes is then true as printed
            install_ordering()
            sign_kept_again(args)
        code = in_hub_order(args, handler)  # membership changes: one order across hosts
        if code == 0 and args.command.partition(" ")[0] != "relay":
            from peers_tui.cli.publishing import refresh_profile

            # Every command publishes or refreshes our profile, but the relay's: whoever
            # sets a host up or runs its relay (root, a service user) is no person to chat
            # with, and was listed on every host of the federation as one.
            refresh_profile(args)
            if not tells_handles:
                sign_kept_again(args)  # a handle change of ours the hub refused as stale
        return code
    except FAILURES as exc:
        return report_failure(exc)
