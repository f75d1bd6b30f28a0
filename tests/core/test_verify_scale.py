"""`peers verify` at scale: the same verdicts as the reader, judged in worker processes, with
a progress bar on a terminal and nothing extra when piped."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peers_tui.core import bulk_verify
from peers_tui.core import altered_places
from peers_tui.core.account import Account
from peers_tui.core.encoding import record_hash
from peers_tui.core.history import HistoryReader
from peers_tui.core.identity import fingerprint, load_or_create_keypair
from peers_tui.core.models import Message
from peers_tui.core.records import sign
from peers_tui.core.transfer import Importer
from peers_tui.core.views import Problem
from peers_tui.testing.forge import Forger
from peers_tui.cli.progress import ProgressBar
from tests.conftest import User

# Over bulk_verify.PARALLEL_FROM (10,000), so that `peers verify` judges it in workers: that
# bound is the size that matters (it was 20,000, twice the import and the checks).
LARGE = 12_000
ALTERED = 10_337  # the stored row whose signature is forged: deep, in the last sixth


def import_lines(count: int, tag: str) -> list[str]:
    return [json.dumps({"id": f"{tag}-{i}", "author": f"old{i % 7}", "body": f"line {i} of {tag}",
                        "created_at": 1_600_000_000 + i}) for i in range(count)]


def store_of(user: User, group: str):
    account = Account(user.home, user.hub)
    entry = account.resolve(group)
    return account, entry, account.store(entry)


def conn(user: User, group_id: str) -> sqlite3.Connection:
    return sqlite3.connect(user.hub / f"{group_id}.db", isolation_level=None)


def forge(user: User, group_id: str, fields: dict, *, member_seq: int) -> str:
    """Sign a message-table record with `user`'s real key, next in their chain, and insert it
    raw, bypassing every client-side check (as a modified client would)."""
    keypair = load_or_create_keypair(user.home)
    with conn(user, group_id) as db:
        last = db.execute("SELECT author_seq, record FROM message WHERE author = ? "
                          "ORDER BY author_seq DESC LIMIT 1", (keypair.public_id,)).fetchone()
        newest = db.execute("SELECT MAX(id) FROM message").fetchone()[0]
    aseq, aprev = (last[0] + 1, record_hash(last[1])) if last else (1, "")
    message_id = newest[:-1] + chr(ord(newest[-1]) + 1) if newest[-1] != "Z" else newest + "0"
    record = sign(keypair, "msg", group_id, {"id": message_id, "mseq": member_seq,
                                             "aseq": aseq, "aprev": aprev, **fields})
    with conn(user, group_id) as db:
        db.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                   " sig, target) VALUES (?,?,?,?,?,?,?,?,?)",
                   (message_id, keypair.public_id, aseq, fields["type"], record.created_at,
                    fields.get("body", ""), record.text, record.sig, fields.get("target")))
    return message_id


def reader_verdicts(store) -> list[Problem]:
    """What the reader shows as not genuine, message by message in id order: the verdicts
    `peers verify` gave before it had a path of its own (views of 500 rows at a time)."""
    roster = store.roster()
    found = []
    with store.session():
        rows = list(Message.with_rowid().where(Message.target.is_null()).order_by(Message.id))
        reader = HistoryReader(roster, store.group_id)
        for start in range(0, len(rows), 500):
            for view in reader.views(rows[start:start + 500]):
                if not view.verified:  # the log's words of an altered place: verify's own
                    # retelling (core.altered_before) comes after these verdicts
                    problem = (altered_places.DELETED if view.problem == altered_places.ALTERED
                               else str(view.problem))
                    found.append(Problem(f"message {view.id}", problem))
                found += [Problem(f"{change.kind} {change.id} of message {view.id}", change.reason)
                          for change in view.forged_changes]
    return found


@pytest.mark.timeout(300)
def test_forged_signature_deep_in_a_large_group_is_found_by_the_workers(alice: User):
    group_id = alice.ok("create", "big").out.strip()
    account, _, store = store_of(alice, "big")
    assert account.import_history("big", import_lines(LARGE, "big")).added == LARGE
    with conn(alice, group_id) as db:
        message_id, sig = db.execute("SELECT id, sig FROM message WHERE rowid = ?",
                                     (ALTERED,)).fetchone()
        forged = bytes([sig[0] ^ 1]) + sig[1:]
        db.execute("UPDATE message SET sig = ? WHERE rowid = ?", (forged, ALTERED))

        [(next_id,)] = db.execute("SELECT id FROM message WHERE rowid = ?", (ALTERED + 1,))

    # The row holds no place in alice's chain (a row that is not her record there holds none,
    # docs/relay.md "Loose ends, third round"): her next record follows nothing here, as if
    # the row had been deleted.
    missing = "an earlier record by this author is missing (history deleted)"
    found = bulk_verify.check_messages(store, store.roster(), workers=2)
    assert found == [Problem(f"message {message_id}", "bad signature"),
                     Problem(f"message {next_id}", missing)], found
    # `peers verify` itself takes the same path on any machine with two cores or more.
    if len(os.sched_getaffinity(0)) >= 2:
        assert bulk_verify._default_workers(LARGE) >= 2
    result = alice.run("verify", "big")
    assert result.code == 1
    # And her chain lacks that place (docs/relay.md "A void row's place, the same on every
    # host"), which verify says is altered here, not deleted: the row is in the file
    # (core/altered_before.py).
    author = fingerprint(Forger(alice.home).user_id)
    assert result.lines == [f"FAILED  big ({group_id[:10]}): message {message_id}: bad signature",
                            f"FAILED  big ({group_id[:10]}): message {next_id}: the record "
                            "before it by this author is altered or forged in this file (not "
                            "deleted)",
                            f"FAILED  big ({group_id[:10]}): author {author}: 1 of their "
                            "records are altered or forged in this file (not deleted)"]


@pytest.mark.timeout(300)
def test_workers_and_reader_give_identical_verdicts_on_forged_data(
        alice: User, bob: User, carol: User, team: str):
    alice_first = alice.ok("send", "team", "alice speaks").out.strip()
    bob_first = bob.ok("send", "team", "bob speaks").out.strip()
    account, _, store = store_of(alice, "team")
    account.import_history("team", import_lines(bulk_verify.PARALLEL_FROM + 2_500, "filler"))
    member_seq = store.roster().head_seq
    # bob (a writer) deletes alice's message: a forged change to a genuine message, reported
    # as a record of its own (alice's message stays genuine).
    forged_delete = forge(bob, team, {"type": "delete", "target": alice_first},
                          member_seq=member_seq)
    # carol is no member at all.
    outsider = forge(carol, team, {"type": "text", "body": "I run this now"}, member_seq=member_seq)
    # bob claims a membership state that does not exist.
    future = forge(bob, team, {"type": "text", "body": "from the future"},
                   member_seq=member_seq + 5)
    with conn(alice, team) as db:
        db.execute("UPDATE message SET body = 'edited in the file' WHERE id = ?", (bob_first,))
        db.execute("UPDATE message SET sig = zeroblob(64) WHERE rowid = 777")
        resigned = db.execute("SELECT id FROM message WHERE rowid = 777").fetchone()[0]
        # Values of another SQL type than declared: the model's fields convert them back, and
        # the verdict must not depend on how the row was read.
        db.execute("UPDATE message SET created_at = CAST(created_at AS TEXT) WHERE rowid = 555")
        db.execute("UPDATE message SET author_seq = author_seq + 0.25 WHERE rowid = 556")
        db.execute("UPDATE message SET body = CAST(body AS BLOB) WHERE rowid = 557")

    expected = reader_verdicts(store)
    # (rows whose columns were retyped in the file may be flagged too: the file was edited)
    assert {p.where for p in expected} >= {f"message {i}" for i in (
        bob_first, outsider, future, resigned)} | {f"delete {forged_delete} of message {alice_first}"}
    assert f"message {alice_first}" not in {p.where for p in expected}
    roster = store.roster()
    assert bulk_verify.check_messages(store, roster, workers=2) == expected
    assert bulk_verify.check_messages(store, roster, workers=0) == expected


def test_progress_counts_every_row(alice: User):
    alice.ok("create", "small")
    account, _, store = store_of(alice, "small")
    account.import_history("small", import_lines(bulk_verify.WINDOW * 2 + 5, "small"))
    heard: list[tuple[int, int]] = []
    bulk_verify.check_messages(store, store.roster(),
                               lambda done, total: heard.append((done, total)), workers=0)
    total = bulk_verify.WINDOW * 2 + 5
    assert heard == [(bulk_verify.WINDOW, total), (bulk_verify.WINDOW * 2, total), (total, total)]


def run_with_terminal_stderr(user: User, *args: str) -> tuple[int, str, str]:
    """Run `peers ARGS` with stderr on a pseudo-terminal and stdout on a pipe."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "peers_tui", *args], env=user.env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=30)
    os.close(controller)
    return code, out, seen.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_and_nothing_when_piped(alice: User):
    group_id = alice.ok("create", "team").out.strip()
    for n in range(3):
        alice.ok("send", "team", f"hello {n}")
    code, out, terminal = run_with_terminal_stderr(alice, "verify", "team")
    assert code == 0 and out == f"ok      team ({group_id[:10]})\n"
    assert "\rverifying team  [" in terminal and "3/3" in terminal and "/s  ETA" in terminal
    assert terminal.endswith("\r\x1b[K")  # wiped before the result is printed

    piped = alice.spawn("verify", "team")
    assert piped.code == 0 and piped.out == out and piped.err == ""


def test_progress_bar_is_throttled_and_its_label_inert():
    stream = io.StringIO()
    now = [0.0]
    bar = ProgressBar(stream, clock=lambda: now[0])
    bar.start("verifying \x1b]0;owned\x07team")
    for done in range(1, 1001):
        now[0] = done / 1000  # a thousand updates over one second
        bar.update(done, 1000)
    drawn = stream.getvalue().split("\r")[1:]
    assert 4 <= len(drawn) <= 6  # a few times a second, and always the final count
    assert "1,000/1,000" in drawn[-1] and re.search(r"ETA +0 s", drawn[-1])
    assert "\x1b]" not in stream.getvalue() and "\x07" not in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.timeout(300)
def test_a_large_personal_group_is_judged_in_workers_too(alice: User):
    """The personal group lives in personal.db, beside the user's own tables; the workers
    open it as the parent does, and a row altered there is found like anywhere else."""
    account = Account(alice.home, alice.hub)
    personal = account.entries()[0]
    assert personal.personal
    store = account.store(personal)
    # `peers import` refuses the personal group; the Importer itself fills it fastest.
    Importer(store, account.keypair).run(import_lines(bulk_verify.PARALLEL_FROM + 1, "notes"))
    with sqlite3.connect(store.path, isolation_level=None) as db:
        [message_id] = db.execute(
            "SELECT id FROM message ORDER BY id LIMIT 1 OFFSET 9000").fetchone()
        db.execute("UPDATE message SET body = 'rewritten' WHERE id = ?", (message_id,))
    found = bulk_verify.check_messages(store, store.roster(), workers=2)
    assert found == [Problem(f"message {message_id}",
                             "row does not match its signed record (edited in the file)")]


def _workers_of(parent: int) -> list[int]:
    """The pids of `parent`'s spawned pool workers (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is left


@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/stat").exists() or len(os.sched_getaffinity(0)) < 2,
                    reason="needs /proc and two cores (the workers)")
def test_workers_leave_when_verify_is_killed(alice: User):
    """`peers verify` killed outright (SIGKILL, or SIGTERM: no handler) stops no pool; its
    workers, each holding the work queue's other end, used to wait for work forever."""
    alice.ok("create", "big")
    account, _, _ = store_of(alice, "big")
    account.import_history("big", import_lines(bulk_verify.PARALLEL_FROM + 2_000, "big"))
    proc = subprocess.Popen([sys.executable, "-m", "peers_tui", "verify", "big"], env=alice.env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        workers = _workers_of(proc.pid)
    assert len(workers) >= 2, "verify started no workers"
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _running(pid)]
    for pid in left:  # do not leave them to the rest of the suite
        os.kill(pid, 9)
    assert left == []


def test_the_whole_file_work_runs_once_with_or_without_messages(alice: User):
    """core.audit's chain-gap check runs while the workers judge (check_messages' `meanwhile`):
    exactly once, also in a file with no message to judge (only invites, say)."""
    alice.ok("create", "empty")
    alice.ok("create", "some")
    for n in range(3):
        alice.ok("send", "some", f"hello {n}")
    for group in ("empty", "some"):
        _, _, store = store_of(alice, group)
        for workers in (0, 2):
            calls: list[int] = []
            found = bulk_verify.check_messages(store, store.roster(), workers=workers,
                                               meanwhile=lambda: calls.append(1))
            assert (found, calls) == ([], [1]), (group, workers)
