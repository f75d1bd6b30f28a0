"""What the `peers` commands print: result lines and JSON on stdout, warnings on stderr, and
every failure as one line on stderr with its exit code (never a traceback).

Everything printed may hold untrusted text (names, messages, file names), so it goes through
`inert`, which makes control characters visible, or through JSON with ASCII escapes.
"""

from __future__ import annotations

import json
import sqlite3
import sys

from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1  # an error, or (verify, doctor) a problem found
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl+C


def out(line: str) -> None:
    """Print untrusted text to stdout with every control character made visible."""
    print(inert(line))


def out_json(data: dict[str, Any]) -> None:
    # ensure_ascii keeps escapes, bidi controls and C1 codes out of the raw byte stream.
    print(json.dumps(data, ensure_ascii=True, sort_keys=False))


def say(line: str) -> None:
    """A note for the person at the terminal, on stderr: stdout stays the command's result."""
    print(line, file=sys.stderr)


def warn(problem: object) -> None:
    """A problem that does not stop the command, as one inert line on stderr."""
    say(f"peers: warning: {inert(str(problem), allow_newlines=False)}")


def plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def report_failure(exc: BaseException) -> int:
    """Say why a command failed in one line on stderr and give its exit code.

    The caller catches exactly `FAILURES`; anything else is a bug and keeps its traceback."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):  # the reader went away (`peers log x | head`)
        return EXIT_PROBLEMS
    if isinstance(exc, PeersError):
        from peers_tui.cli.arguments import UsageError  # argparse: loaded by a usage error's parse

        say(f"peers: {inert(str(exc), allow_newlines=False)}")
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_PROBLEMS
    if isinstance(exc, sqlite3.Error):
        say(f"peers: database error: {exc}")
    elif isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        say(f"peers: {exc.strerror or exc}{where}")
    return EXIT_PROBLEMS


FAILURES = (PeersError, KeyboardInterrupt, sqlite3.Error, OSError)
"""The exceptions a command may end with: each one is reported by `report_failure`."""
