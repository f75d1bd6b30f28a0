"""What the CLI and the TUI say: plurals, usage errors with the promised exit code, invalid
UTF-8 called that, a terminal told what is awaited, no stray trailing newlines sent."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

from tests.conftest import REPO, User
from tests.tui_helpers import make_app, type_text, wait_for


def bodies(user: User) -> list[str]:
    return [row["body"] for row in user.ok("log", "team", "--json").json()]


def test_counts_are_singular_for_one(alice: User, bob: User, team, tmp_path):
    (tmp_path / "one.jsonl").write_text(json.dumps(
        {"id": "x", "author": "old", "body": "hi", "created_at": 1}) + "\n")
    assert alice.ok("import", "team", str(tmp_path / "one.jsonl")).out.startswith(
        "imported 1 message (")
    bob.ok("send", "team", "hey @alice")
    line = next(l for l in alice.ok("groups").lines if " team " in l)
    assert "1 unread, 1 mention" in line and "mentions" not in line


def test_invite_help_names_every_role_and_a_bad_expiry_is_a_usage_error(alice: User, team):
    assert "owner" in alice.spawn("invite", "--help").out
    result = alice.run("invite", "team", "--expires", "3 fortnights")
    assert result.code == 2 and "bad duration" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_trailing_blank_lines_are_not_sent(alice: User, team):
    alice.ok("send", "team", "hello\n\n  \n")
    alice.ok("send", "team", "-", stdin="  code\n\n\n")
    assert bodies(alice) == ["hello", "  code"]


def test_invalid_utf8_is_called_that(alice: User, team):
    env = {**alice.env(), "LC_ALL": "C", "PYTHONPATH": str(REPO)}
    env.pop("PYTHONUTF8", None)
    for argv, stdin in ((["send", "team", "-"], b"caf\xff\n"),
                        ([b"send", b"team", b"caf\xff"], b"")):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"peers_tui",
                               *[a.encode() if isinstance(a, str) else a for a in argv]],
                              input=stdin, capture_output=True, env=env, timeout=60)
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 1 and "not valid UTF-8" in err and "control" not in err, err
    assert bodies(alice) == []


def test_send_on_a_terminal_says_it_reads_the_message_from_it(alice: User, team):
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "peers_tui", "send", "team"],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**alice.env(), "PYTHONPATH": str(REPO)})
    os.close(slave)
    try:
        ready, _, _ = select.select([proc.stderr], [], [], 30)
        assert ready, "nothing said on stderr"
        assert "reading the message from the terminal" in proc.stderr.readline().decode()
        os.write(master, b"typed at the terminal\n")
        time.sleep(0.2)
        os.write(master, b"\x04")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        os.close(master)
    assert bodies(alice) == ["typed at the terminal"]


async def test_invite_with_zero_uses_speaks_of_the_command_not_a_flag(alice: User, team):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await type_text(pilot, "/invite writer 0")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("at least 1 use" in n.message
                                          for n in app._notifications))
        assert not any("--" in n.message for n in app._notifications)


def test_log_takes_n_as_tail_and_git_log_do(alice: User, team):
    """`peers log team -n 2` was "unrecognized arguments: -n 2": -n is --limit."""
    for n in range(5):
        alice.ok("send", "team", f"m{n}")
    assert [row["body"] for row in alice.ok("log", "team", "-n", "2", "--json").json()] == \
        ["m3", "m4"]
    assert "must be" in alice.fails("log", "team", "-n", "0").err


def test_edit_and_delete_take_minus_n_as_the_users_own_nth_newest(alice: User, bob: User, team):
    """`peers edit team -1 TEXT` was "give at least 6 characters of the message id", while
    /edit -1 works in the app and `peers react team -1` in the CLI."""
    alice.ok("send", "team", "mine, older")
    alice.ok("send", "team", "mine, newer")
    bob.ok("send", "team", "bob's, newest")
    alice.ok("edit", "team", "-2", "mine, older, edited")
    alice.ok("delete", "team", "-1")
    bodies = [(row["body"], row.get("deleted", False))
              for row in alice.ok("log", "team", "--json").json()]
    assert ("mine, older, edited", False) in bodies and ("bob's, newest", False) in bodies
    assert not any(body == "mine, newer" and not deleted for body, deleted in bodies)
    assert "no message 3 back" in alice.fails("edit", "team", "-3", "x").err
