"""`peers verify` checks every signature and chain; `peers doctor` checks the files around
them. Both exit 1 when they find a problem, so scripts and cron jobs can act on it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account
from peers_tui.cli.output import EXIT_OK, EXIT_PROBLEMS, out
from peers_tui.core.names import shown_name
from peers_tui.core.text import inert

if TYPE_CHECKING:
    from peers_tui.core.doctor import Finding


def add_parsers(commands: Commands) -> None:
    verify = commands.add("verify", verify_groups, help="check every record and chain")
    verify.add_argument("group", nargs="?")

    commands.add("doctor", examine_files,
                 help="check file modes, the hub's filesystem and the databases")


def verify_groups(args: argparse.Namespace) -> int:
    from peers_tui.cli.progress import ProgressBar

    me = open_account(args)
    bar = ProgressBar.for_stderr()

    def progress(name: str) -> Callable[[int, int], None]:
        assert bar is not None
        bar.start(f"verifying {name}")
        return bar.update

    try:
        report = me.verify(args.group, progress if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    names = {entry.id: entry.name for entry in me.entries()}
    failed = False
    for group_id, problems in report.items():
        label = f"{shown_name(names.get(group_id, '?'))} ({group_id[:10]})"
        if not problems:
            out(f"ok      {label}")
        for problem in problems:
            failed = True
            out(f"FAILED  {label}: {inert(str(problem), allow_newlines=False)}")
    return EXIT_PROBLEMS if failed else EXIT_OK


def examine_files(args: argparse.Namespace) -> int:
    from peers_tui.core.doctor import (
        check_database, check_hub, check_mode, check_space, check_writable,
    )
    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.identity import KEY_FILE
    from peers_tui.core.personal_store import PERSONAL_FILE

    me = open_account(args)
    home, hub = me.paths.home, me.paths.hub
    checked: list[Finding | None] = [
        check_mode(home / KEY_FILE, 0o600, "secret key"),
        check_mode(home / PERSONAL_FILE, 0o600, "personal database"),
        check_database("personal database", lambda: me.personal.personal_group().genesis()),
        *check_hub(hub),
        check_space(home, "your data directory"),
        check_space(hub, "the hub"),
    ]
    for entry in me.entries():
        if entry.personal:
            continue
        name = f"group {shown_name(entry.name)}"
        checked.append(check_mode(entry.db_path, 0o660, name))
        checked.append(check_writable(Path(entry.db_path), name))
        checked.append(check_database(
            name, lambda e=entry: GroupStore(Path(e.db_path), e.id).genesis()))
    findings = [finding for finding in checked if finding is not None]
    for finding in findings:
        out(str(finding))
    return EXIT_PROBLEMS if any(f.level == "error" for f in findings) else EXIT_OK
