"""`peers send GROUP TEXT` the lean way: no argparse parser of every command, no Peewee, no
reader (core.lean_post). Only a plain command line is taken here:

    peers [--home DIR] [--hub DIR] send GROUP TEXT [--action]

Anything else (standard input, --reply-to, --help, a usage mistake), and any send the lean path
hands over (a refusal, a damaged or older file, a handle to sign first: nothing written then),
runs the full command line (peers_tui.cli.main), which says what is wrong in one line.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from peers_tui.core.lean_post import LeanSend

GLOBAL_OPTIONS = ("--home", "--hub")


def plain_send(argv: list[str]) -> tuple[dict[str, str], str, str, bool] | None:
    """(global options, GROUP, TEXT, --action) of a plain `send` command line, else None."""
    options: dict[str, str] = {}
    words = iter(argv)
    for word in words:
        if word == "send":
            break
        name, equals, value = word.partition("=")
        if name not in GLOBAL_OPTIONS or name in options:
            return None
        if not equals:
            value = next(words, "")
        if not value or value.startswith("-"):
            return None
        options[name] = value
    else:
        return None
    rest = list(words)
    action = "--action" in rest
    if rest.count("--action") > 1:
        return None
    positional = [word for word in rest if word != "--action"]
    if len(positional) != 2 or any(word.startswith("-") for word in positional):
        return None  # "-" reads standard input; options and the rest: the full parser
    return options, positional[0], positional[1], action


def run(argv: list[str]) -> int | None:
    """Run a plain `peers send` and return its exit code; None when the full command line
    must run it (nothing was written)."""
    found = plain_send(argv)
    if found is None:
        return None
    options, group, text, action = found
    from peers_tui.cli.output import EXIT_OK, FAILURES, out, report_failure
    from peers_tui.core.lean_post import LeanSend
    from peers_tui.paths import chosen_home, chosen_hub, home_dir

    try:
        # As str: pathlib (with urllib) costs ~3 ms, a tenth of a send's budget over its floor.
        home = chosen_home(options.get("--home")) or str(home_dir())  # home_dir: the platform's
        hub = chosen_hub(home, options.get("--hub"))
        with LeanSend(home, hub, lambda group_id, author: _held(hub, group_id, author)) as lean:
            message_id = lean.send(group, text, "action" if action else "text")
            if message_id is None:
                return None
            out(message_id)
            sys.stdout.flush()
            _refresh_profile(lean)
        _sign_kept_again(hub, options)
        return EXIT_OK
    except FAILURES as exc:
        return report_failure(exc)


def _held(hub: str, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    """A handle change kept for a federation's hub (relay.held), read only when the group's
    handle differs from ours."""
    from peers_tui.relay.held_peek import held_change

    return held_change(hub, group_id, author)


def _sign_kept_again(hub: str, options: dict[str, str]) -> None:
    """What every other command does after it ran (cli.relay.sign_kept_again): a handle change
    of ours the hub refused as stale, kept in any group, is signed again. A send to that group
    takes the full path and signs it there; without this a script that only sends to other
    groups would leave it waiting. One look at a directory that is missing on one host
    (`.relay/held/`, or for another Unix user than the relay's its copy: relay.held_peek)."""
    from peers_tui.relay.held_peek import any_to_sign  # plain os and json

    if not any_to_sign(hub):
        return  # kept for the hub, the relay sends them: nothing of the full path is loaded
    from argparse import Namespace  # (only now: argparse is what the lean path leaves out)

    from peers_tui.cli.relay import install_ordering, sign_kept_again

    install_ordering()
    sign_kept_again(Namespace(home=options.get("--home"), hub=options.get("--hub")))


def _refresh_profile(lean: LeanSend) -> None:
    """What every successful command does last (cli.publishing), from the send's own
    connection to personal.db; skipped when the profile file is the one checked last time
    (its stamp, kept in personal.db, is unchanged), which saves loading core.profiles."""
    from peers_tui.cli.publishing import (
        HANDLE_SETTING, IGNORED, PUBLISH_SETTING, STAMP_SETTING, profile_stamp, publish_profile,
    )
    from peers_tui.core.lean_reads import settings

    assert lean.personal is not None and lean.keypair is not None  # a message was sent
    try:
        values = settings(lean.personal, (HANDLE_SETTING, PUBLISH_SETTING, STAMP_SETTING))
        handle = str(values.get(HANDLE_SETTING))  # the send checked it is there
        if values.get(PUBLISH_SETTING) == "off":
            return
        stamp = profile_stamp(lean.hub, lean.keypair.public_id, handle)
        if stamp is not None and stamp == values.get(STAMP_SETTING):
            return
        from pathlib import Path  # (only when the profile is to be written)

        publish_profile(Path(lean.hub), lean.keypair, values, lambda: handle)
        stamp = profile_stamp(lean.hub, lean.keypair.public_id, handle)
        if stamp is not None and stamp != values.get(STAMP_SETTING):
            lean.personal.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
                                  (STAMP_SETTING, stamp))
    except IGNORED:
        pass
