"""Shared fixtures: every test gets its own homes and hub, never the developer's own files."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from peers_tui.cli import main
from peers_tui.testing.ports import held_ports, release_ports

REPO = Path(__file__).resolve().parent.parent
# Set by the run's first process (see pytest_configure) for the processes it starts.
BYTECODE_CACHE = "PEERS_TESTS_BYTECODE_CACHE"


def pytest_configure(config: pytest.Config) -> None:
    """Where the environment keeps no byte code (PYTHONDONTWRITEBYTECODE, as on the machine
    CI runs on), every `peers` process a test starts (CLI runs, relays, the app in tmux)
    compiled peers_tui again: ~100 ms a process (docs/performance.md, "Test suite time,
    second pass"). Those processes share one byte-code cache for the run instead, as an
    installed peers has one. The test processes themselves still keep none, as before: the
    app's style-rules cache follows that setting (style_rules.rules_file), and in-process
    tests run it as they did."""
    if os.environ.get(BYTECODE_CACHE):  # an xdist worker, started with the run's cache
        sys.dont_write_bytecode, sys.pycache_prefix = True, None
    elif os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        cache = tempfile.mkdtemp(prefix="peers-tests-bytecode-")
        config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))
        os.environ.pop("PYTHONDONTWRITEBYTECODE")
        os.environ.update({"PYTHONPYCACHEPREFIX": cache, BYTECODE_CACHE: cache})
    temporary_files_in_memory(config)


# The tests' temporary directories (tmp_path and the like) in this tmpfs when the machine has
# one with room to spare; see temporary_files_in_memory.
MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_FREE = 2 << 30


def temporary_files_in_memory(config: pytest.Config) -> None:
    """Every test's files (homes, hubs, group files, relays' stores) under a tmpfs rather than
    /tmp's disk, unless the run names its own (`--basetemp`, PYTEST_DEBUG_TEMPROOT). The files
    are the same real files and SQLite the same; what goes is the wait on the disk: each
    SQLite connection's last close checkpoints its WAL and syncs the file (81 connections
    for a `team`), which made a CPU worker wait ~0.35 s a team at load 8 on this machine's
    disk and the whole lane wait on other helpers' writes (docs/performance.md, "Test suite
    time, tenth pass"). No test is about durability across a power cut, the one thing a tmpfs
    does not give; a process killed mid-write loses nothing more on a tmpfs than on a disk.
    pytest's numbered directories under PYTEST_DEBUG_TEMPROOT (its documented variable; the
    xdist workers get theirs from this process) keep their locks and cleanup; what a passed
    test wrote goes with it (`tmp_path_retention_policy`, pyproject.toml), so a run holds a
    few tests' files in memory, not ~1.5 GB."""
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    try:
        with open("/proc/mounts") as mounts:
            tmpfs = any(fields[1] == str(MEMORY_TMP) and fields[2] == "tmpfs"
                        for fields in (line.split() for line in mounts) if len(fields) > 2)
        space = os.statvfs(MEMORY_TMP)
    except OSError:
        return
    if (tmpfs and os.access(MEMORY_TMP, os.W_OK | os.X_OK)
            and space.f_bavail * space.f_frsize >= MEMORY_TMP_FREE):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_TMP)


# The slow tests that are not serial and the relay's CLI tests mostly wait on processes (relays,
# nats-servers); `make test` runs them beside the rest with `--dist loadgroup` and two workers
# more than the cores, which run only these (tests/scheduling.py; docs/performance.md, "Test
# suite time", fifth and seventh passes), the benchmark smoke test among them (no bound in
# seconds; its processes mostly wait).


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.scheduling import WAITING, waits

    for item in items:
        if waits(item.path, {marker.name for marker in item.iter_markers()}):
            item.add_marker(pytest.mark.xdist_group(WAITING))


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist loadgroup`, the waiting tests on the workers beyond the cores."""
    if config.getvalue("dist") == "loadgroup":
        from tests.scheduling import WaitingAside
        return WaitingAside(config, log)
    return None


@pytest.fixture(scope="session", autouse=True)
def parsers_built_once_per_thread() -> Iterator[None]:
    """The command line's parsers built once per thread and set of command modules, as a
    real `peers` process builds them once, instead of at every command a test runs in this
    process: `relay status` (what the relay tests' waits look at, dozens of times a test) took
    ~3 ms of CPU, 2 of them building the relay's parsers (docs/performance.md, "Test suite
    time, ninth pass"). Per thread: a parse in intermixed mode alters its parser while it
    runs. Tests that compare parsers build their own (`build_parser` imported by name)."""
    import threading

    from peers_tui.cli import parser

    build, kept = parser.build_parser, threading.local()

    def built_once(modules: tuple[str, ...] = parser.COMMAND_MODULES) -> tuple[Any, Any]:
        by_modules = kept.__dict__.setdefault("by_modules", {})
        if modules not in by_modules:
            by_modules[modules] = build(modules)
        return by_modules[modules]

    parser.build_parser = built_once
    yield
    parser.build_parser = build


@pytest.fixture(autouse=True)
def pilot_starts_with_the_composer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's Pilot waits, as for the screen, until the chat screen's composer is mounted:
    right after the first frame, in the place of the line drawing it until then
    (widgets.first_composer). Tests reach for the composer as soon as they start; a user's
    keys typed before that are held and handed to it (tests/tui/test_first_composer.py)."""
    from textual.pilot import Pilot

    wait_for_screen = Pilot._wait_for_screen

    async def waiting(self: Pilot, timeout: float = 30.0) -> bool:
        done = await wait_for_screen(self, timeout)
        chat = self.app.__dict__.get("chat")
        for _ in range(int(timeout / 0.005)):
            if chat is None or chat.first_composer is None or not self.app.is_running:
                break
            await asyncio.sleep(0.005)
        return done

    monkeypatch.setattr(Pilot, "_wait_for_screen", waiting)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point every platform directory at the test's temp dir (keep the developer's data out).
    At the end, with the test's servers stopped, give back the ports it leased (not those of
    a module's fixture, set up before: its servers run on)."""
    for var in ("PEERS_HOME", "PEERS_HUB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PEERS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    before = held_ports()
    yield
    release_ports(keep=before)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    def json(self) -> list[dict]:
        """The rows, membership events left out: `peers log --json` interleaves them with
        the messages (core.events), and most tests are about the messages. `rows()` keeps
        every row."""
        return [row for row in self.rows() if not (isinstance(row, dict) and row.get("kind") == "event")]

    def rows(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@dataclass
class User:
    """One person: their own home directory, sharing a hub with the others."""

    name: str
    home: Path
    hub: Path

    def run(self, *args: str, stdin: str | None = None) -> Result:
        """Run `peers ARGS` in this process (fast), capturing what it prints."""
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--home", str(self.home), "--hub", str(self.hub), *args])
        finally:
            sys.stdin = saved
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, stdin: str | None = None) -> Result:
        result = self.run(*args, stdin=stdin)
        assert result.code == 0, f"peers {' '.join(args)} failed: {result.err}"
        return result

    def fails(self, *args: str, stdin: str | None = None) -> Result:
        result = self.run(*args, stdin=stdin)
        assert result.code != 0, f"peers {' '.join(args)} should have failed: {result.out}"
        assert "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
        return result

    def env(self) -> dict[str, str]:
        return {**os.environ, "PEERS_HOME": str(self.home), "PEERS_HUB": str(self.hub)}

    def spawn(self, *args: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """Run `peers ARGS` as a real separate process."""
        proc = subprocess.run([sys.executable, "-m", "peers_tui", *args], input=stdin,
                              capture_output=True, text=True, env=self.env(), timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)


def send_all(user: User, group: str, bodies: Iterable[str]) -> None:
    """Post `bodies` in order as `user`, each a whole `Account.send` (signed, committed on its
    own), with the personal and group files kept open across them as the app keeps them for a
    burst of sends: opening and closing them around each send (a close checkpoints the WAL and
    syncs it) was ~25 of a send's ~67 ms (docs/performance.md, "Test suite time, fourth pass")."""
    from peers_tui.core.account import Account

    account = Account(user.home, user.hub)
    with account.personal.session():
        _, store = account.group_store(group)
        with store.session():
            for body in bodies:
                account.send(group, body)


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return tmp_path / "hub"


SEEDS = {"alice": b"A" * 32, "bob": b"B" * 32, "carol": b"C" * 32, "dave": b"D" * 32}


def plant_identity(home: Path, seed: bytes) -> None:
    """Give a user a fixed key (so fingerprints and colours in snapshots never change)."""
    from peers_tui.core.encoding import b32
    home.mkdir(parents=True, exist_ok=True)
    key = home / "identity.key"
    key.write_text(json.dumps({"version": 1, "secret": b32(seed)}))
    key.chmod(0o600)


@pytest.fixture
def make_user(tmp_path: Path, hub: Path):
    def make(name: str) -> User:
        user = User(name, tmp_path / name, hub)
        if name in SEEDS:
            plant_identity(user.home, SEEDS[name])
        user.ok("id", "--handle", name)
        return user
    return make


@pytest.fixture
def alice(make_user) -> User:
    return make_user("alice")


@pytest.fixture
def bob(make_user) -> User:
    return make_user("bob")


@pytest.fixture
def carol(make_user) -> User:
    return make_user("carol")


@pytest.fixture
def team(alice: User, bob: User) -> str:
    """A group founded by alice that bob joined as a writer; returns its id."""
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team").out.strip()
    bob.ok("join", code)
    return group_id


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[list]:
    """Hub A and leaf B on loopback, relays not started (tests.relay_helpers.federation);
    every relay started is stopped at the end. A test module may define its own."""
    from tests.relay_helpers import federation, stop_all  # it imports this module

    made = federation(tmp_path)
    yield made
    stop_all(made)


@pytest.fixture(scope="session")
def unix_site():
    """A world-traversable directory holding a copy of peers that other Unix users can run
    (see tests/system_helpers.py); skips the test where the machine cannot do it."""
    import shutil
    import tempfile

    from tests import system_helpers as system

    system.require_root("setpriv", "useradd", "groupadd", "usermod")
    reason = system.system_python_usable()
    if reason:
        pytest.skip(reason)
    system.ensure_unix_users()
    # In /tmp itself: a TMPDIR inside a private directory would be out of the users' reach.
    # Or in the tmpfs the run's own temporary files are in (temporary_files_in_memory), which
    # is world-traversable as /tmp is (1777): these tests' hubs, relays' stores and the users'
    # homes waited on /tmp's disk, as every test's did before the tenth pass
    # (docs/performance.md, "Test suite time, eleventh pass").
    shared = MEMORY_TMP if os.environ.get("PYTEST_DEBUG_TEMPROOT") == str(MEMORY_TMP) else Path("/tmp")
    base = Path(tempfile.mkdtemp(prefix="peers-unix-", dir=shared if shared.is_dir() else None))
    base.chmod(0o711)
    system.copy_site(base / "site")
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def unix_users(unix_site: Path):
    """alice and bob (in the hub's Unix group) and eve (not), sharing a hub set up as the
    README says; each runs `peers` as their own Unix user."""
    import shutil
    import tempfile

    from tests import system_helpers as system

    base = Path(tempfile.mkdtemp(dir=unix_site))
    base.chmod(0o711)
    hub = system.make_shared_hub(base)
    yield {short: system.make_unix_user(base, short, hub, unix_site / "site")
           for short in system.USER_NAMES}
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def relay_files_mine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay's files for its users (`.presence-hosts.json`, `.presence-people.json`) are
    believed only when they are its owner's (h-attack17): tests that write them as the relay
    would, with no `.relay/` of theirs, have this user taken for the relay's owner."""
    from peers_tui.core import host_presence

    monkeypatch.setattr(host_presence, "relay_owner", lambda hub: os.geteuid())
