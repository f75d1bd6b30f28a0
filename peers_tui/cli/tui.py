"""`peers` and `peers open GROUP`: the full-screen app, the only command that loads Textual."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

from peers_tui.cli.inputs import ACCOUNT_ATTRIBUTE, open_account
from peers_tui.core.errors import PeersError

if TYPE_CHECKING:
    import argparse

    from peers_tui.core.start_account import StartAccount
    from peers_tui.cli.arguments import Commands
    from peers_tui.core.account import Account
    from peers_tui.core.personal_store import GroupEntry


def add_parsers(commands: Commands) -> None:
    open_ = commands.add("open", start, help="start the TUI on a group")
    open_.add_argument("group")


def start(args: argparse.Namespace) -> int:
    """Run the app (on GROUP for `peers open`) until the user quits."""
    me = start_account(args)
    group = getattr(args, "group", None)  # `peers` alone has no GROUP argument
    entry = me.resolve(group) if group else None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise PeersError("the peers TUI needs a terminal; use the subcommands in scripts "
                         "(peers --help)")
    return run_app(args, me, entry)


def start_account(args: argparse.Namespace) -> Account:
    """The account the app starts on: its first frame read on plain sqlite3, Peewee and the
    stores loaded after it (core.start_account; ~30 ms of CPU of a start measured against a
    bare Textual app, issue 16); a first run, or an account already made, as before."""
    from peers_tui.core.start_account import StartAccount
    from peers_tui.core.verified_keep import keep_verified
    from peers_tui.paths import home_dir, hub_dir

    if getattr(args, ACCOUNT_ATTRIBUTE, None) is not None:
        return open_account(args)
    home = home_dir(args.home)
    keep_verified(home)  # the signatures the last start checked, before any read verifies
    started = StartAccount.open(home, hub_dir(home, args.hub))
    # Answers as an Account does: the rest is a real one's, made on first use.
    return cast("Account", started) if started is not None else open_account(args)


def publish_started(started: StartAccount) -> None:
    """cli.publishing.refresh_profile for an account that read personal.db on plain sqlite3."""
    from peers_tui.cli.publishing import HANDLE_SETTING, IGNORED, PUBLISH_SETTING, publish_profile

    try:
        values = started.read_settings([HANDLE_SETTING, PUBLISH_SETTING])
        publish_profile(started.paths.hub, started.keypair, values, lambda: started.handle)
    except IGNORED:
        pass


def install_ordering() -> None:
    """cli.relay.install_ordering, imported when it runs."""
    from peers_tui.cli.relay import install_ordering as install

    install()


def run_app(args: argparse.Namespace, me: Account, entry: GroupEntry | None) -> int:
    """The app on `entry` (the last group opened when None), until the user quits."""
    from peers_tui.config import config_path
    from peers_tui.core.start_account import StartAccount
    from peers_tui.factory import build_app  # Textual: loaded by this command alone

    app = build_app(me, entry, config_file=config_path(args.home))
    published: list[bool] = []

    def publish(ending: bool = False) -> None:
        if published:
            return
        published.append(True)
        started = me if isinstance(me, StartAccount) else None
        if started is not None and ending and not started.loaded:
            # Ended before the first paint's tasks (hung up right after the frame): published
            # on plain sqlite3, not by loading Peewee and the stores on the way out.
            publish_started(started)
        else:
            from peers_tui.cli.publishing import refresh_profile  # after the first frame

            if started is not None:  # the real account: made here, before gc.freeze
                setattr(args, ACCOUNT_ATTRIBUTE, started.full())
            refresh_profile(args)

    # As every command does (others find us by name), but once the first screen is painted:
    # publishing imports core.profiles and reads and writes files, ~4 ms of a start measured
    # against a bare Textual app (issue 16). An app that ends before its first paint
    # publishes as it ends.
    app.first_paint_work.tasks.append(publish)
    # The membership changes the app makes (a join, /leave, /role...) in the hub's order on a
    # leaf host, as every command's are (cli.relay.in_hub_order): installed at the first
    # paint, before anything the user types there can ask for one, the keys typed ahead
    # included (cli.relay is imported then, not before the first frame: ~2.5 ms).
    app.first_paint_work.before_keys.append(install_ordering)
    try:
        app.run()
    finally:
        publish(ending=True)
        me.close()  # the stores the app opened
    return 0
