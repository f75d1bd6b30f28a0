"""Real operating-system conditions for tests: other Unix users, read-only files, full disks.

CI runs as root, where permission bits stop nothing. These helpers create what a user of a
shared host meets instead: unprivileged users in a shared Unix group (made once, reused),
files made immutable, read-only bind mounts and tiny tmpfs disks. Tests that need them skip,
saying why, where the machine cannot provide them (not root, a tool missing).
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, Result, User

SYSTEM_PYTHON = Path("/usr/bin/python3")
HUB_GROUP = "peers-test-hub"
USER_NAMES = {"alice": "peers-test-alice", "bob": "peers-test-bob", "eve": "peers-test-eve"}
IN_HUB_GROUP = ("alice", "bob")  # eve is the outsider
# What `python -m peers_tui` needs besides the standard library (the CLI never loads Textual).
CLI_PACKAGES = ("peewee.py", "playhouse", "nacl", "cffi", "_cffi_backend", "pycparser", "ulid",
                "platformdirs", "inotify_simple.py", "confusable_homoglyphs")
LOCK_FILE = Path(tempfile.gettempdir()) / "peers-test-users.lock"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def require_root(*tools: str) -> None:
    """Skip the calling test unless it runs as root with `tools` installed."""
    if not is_root():
        pytest.skip("needs root (it creates users, mounts or immutable files); CI runs as root")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")


def run_checked(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True)


# ----------------------------------------------------------------- other Unix users
def ensure_unix_users() -> None:
    """Create the test users and their shared group unless they exist (safe to run twice,
    and from parallel test workers at once: a lock file orders them)."""
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            grp.getgrnam(HUB_GROUP)
        except KeyError:
            run_checked("groupadd", "--system", HUB_GROUP)
        for short, name in USER_NAMES.items():
            try:
                pwd.getpwnam(name)
            except KeyError:
                run_checked("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", "--user-group", name)
            if short in IN_HUB_GROUP and name not in grp.getgrnam(HUB_GROUP).gr_mem:
                run_checked("usermod", "--append", "--groups", HUB_GROUP, name)


def copy_site(target: Path) -> Path:
    """A world-readable copy of peers and the packages its CLI imports.

    The test interpreter lives under /root (mode 0700), out of other users' reach; Debian's
    /usr/bin/python3 is the same minor version (same ABI for the compiled modules), so it
    runs this copy as any user.
    """
    import peewee

    site = Path(peewee.__file__).parent
    target.mkdir(parents=True)
    for name in CLI_PACKAGES:
        for source in site.glob(f"{name}*"):
            if source.name.endswith(".dist-info"):
                continue
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, target / source.name)
    shutil.copytree(REPO / "peers_tui", target / "peers_tui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([str(SYSTEM_PYTHON), "-m", "compileall", "-q", str(target / "peers_tui")],
                   check=True, capture_output=True)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def system_python_usable() -> str | None:
    """Why /usr/bin/python3 cannot run the copy, or None when it can."""
    if not SYSTEM_PYTHON.exists():
        return f"needs {SYSTEM_PYTHON}"
    version = subprocess.run([str(SYSTEM_PYTHON), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    if version != str(sys.version_info[:2]):
        return f"{SYSTEM_PYTHON} is Python {version}, not {sys.version_info[:2]} (compiled modules differ)"
    return None


@dataclass
class UnixUser(User):
    """A `User` whose every `peers` command runs as another Unix user, in its own process."""

    account: str = ""
    site: Path = Path()

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.account).pw_uid

    def as_user(self, *argv: str, stdin: str | None = None, env: dict[str, str] | None = None,
                timeout: float = 60) -> Result:
        """Run any command as this user (no supplementary groups but their own)."""
        command = ["setpriv", f"--reuid={self.account}", f"--regid={self.account}",
                   "--init-groups", *argv]
        proc = subprocess.run(command, input=stdin, capture_output=True, text=True,
                              env=env or self.env(), cwd=self.site, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def env(self) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.home.parent),
                "PYTHONPATH": str(self.site), "PYTHONDONTWRITEBYTECODE": "1",
                "PEERS_HOME": str(self.home), "PEERS_HUB": str(self.hub)}

    def run(self, *args: str, stdin: str | None = None) -> Result:
        return self.spawn(*args, stdin=stdin)

    def spawn(self, *args: str, stdin: str | None = None, timeout: float = 60) -> Result:
        return self.as_user(str(SYSTEM_PYTHON), "-P", "-m", "peers_tui", *args, stdin=stdin,
                            timeout=timeout)

    def python(self, code: str, *args: str, stdin: str | None = None) -> Result:
        return self.as_user(str(SYSTEM_PYTHON), "-P", "-c", code, *args, stdin=stdin)


def make_unix_user(base: Path, short: str, hub: Path, site: Path) -> UnixUser:
    """`short`'s account with a private directory (theirs, 0700) holding their PEERS_HOME."""
    account = USER_NAMES[short]
    own = base / short
    own.mkdir(mode=0o700)
    entry = pwd.getpwnam(account)
    os.chown(own, entry.pw_uid, entry.pw_gid)
    return UnixUser(short, own / "peers", hub, account=account, site=site)


def make_shared_hub(base: Path) -> Path:
    """The README's recipe: a directory of the hub group, setgid and sticky, mode 3770."""
    hub = base / "hub"
    hub.mkdir()
    shutil.chown(hub, group=HUB_GROUP)
    hub.chmod(0o3770)
    return hub


# ----------------------------------------------------------------- read-only files and full disks
@contextlib.contextmanager
def read_only_mount(directory: Path) -> Iterator[None]:
    """Make `directory` a read-only bind mount of itself for the duration."""
    run_checked("mount", "--bind", str(directory), str(directory))
    try:
        run_checked("mount", "-o", "remount,ro,bind", str(directory))
        yield
    finally:
        subprocess.run(["umount", str(directory)], capture_output=True)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """chattr +i: not even root may write, rename or delete the file while it is set."""
    run_checked("chattr", "+i", str(path))
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


@contextlib.contextmanager
def tiny_disk(directory: Path, size: str = "2m") -> Iterator[Path]:
    """Mount a tmpfs of `size` on `directory` (created if needed) for the duration."""
    directory.mkdir(parents=True, exist_ok=True)
    run_checked("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory))
    try:
        yield directory
    finally:
        subprocess.run(["umount", "--lazy", str(directory)], capture_output=True)


def fill_disk(directory: Path) -> Path:
    """Write zeros into `directory` until its filesystem has no space left; return the file."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(chunk)
        with contextlib.suppress(OSError):
            while True:  # the last partial block
                handle.write(b"\0" * 512)
    return filler


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process holds `path`'s write lock (BEGIN IMMEDIATE) until the block ends."""
    code = ("import sqlite3, sys\n"
            f"conn = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "conn.execute('BEGIN IMMEDIATE')\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.kill()
        holder.wait()
