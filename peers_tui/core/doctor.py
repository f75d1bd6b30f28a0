"""`peers doctor`: file modes, the hub's filesystem and every database, checked and explained."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peers_tui.core.database import disk_full, unwritable_reason
from peers_tui.core.errors import PeersError

NETWORK_FILESYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs",
                       "fuse.sshfs", "lustre", "gpfs", "beegfs")


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warning" or "error"
    text: str

    def __str__(self) -> str:
        return f"{self.level}: {self.text}"


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the filesystem holding `path`, from /proc/self/mountinfo (Linux)."""
    target = os.path.realpath(path)
    if mountinfo is None:
        try:
            with open("/proc/self/mountinfo", encoding="utf-8") as handle:
                mountinfo = handle.read()
        except OSError:
            return None
    lines = mountinfo.splitlines()
    best, best_type = "", None
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount_point = fields[4].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, right.split()[0]
    return best_type


def check_mode(path: Path, allowed: int, what: str) -> Finding:
    """Warn when `path` grants more than `allowed` permission bits."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Finding("error", f"{what} {path} is missing")
    if stat.S_ISLNK(info.st_mode):
        return Finding("error", f"{what} {path} is a symlink")
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~allowed:
        return Finding("warning", f"{what} {path} has mode {mode:04o}; expected at most "
                       f"{allowed:04o} (chmod {allowed:o} {path})")
    return Finding("ok", f"{what} {path} mode {mode:04o}")


def check_hub(hub: Path, mountinfo: str | None = None) -> list[Finding]:
    findings = []
    if not hub.exists():
        return [Finding("ok", f"hub {hub} does not exist yet (created with the first group)")]
    fs_type = filesystem_type(hub, mountinfo)
    if fs_type in NETWORK_FILESYSTEMS:
        findings.append(Finding("warning", f"hub {hub} is on a network filesystem ({fs_type}): "
                                "SQLite's WAL mode does not work across hosts there; "
                                "keep the hub on a local disk"))
    else:
        findings.append(Finding("ok", f"hub {hub} on {fs_type or 'an unknown filesystem'}"))
    mode = stat.S_IMODE(os.stat(hub).st_mode)
    if mode & 0o002:
        findings.append(Finding("warning", f"hub {hub} is writable by everyone (mode {mode:04o}); "
                                "use a group-owned directory with mode 3770"))
    return findings


def check_database(label: str, opener: Callable[..., object]) -> Finding:
    """Open a database through `opener` and report whether it is a sound peers DB."""
    try:
        opener()
    except PeersError as exc:
        return Finding("error", f"{label}: {exc}")
    return Finding("ok", f"{label}: readable, schema and genesis verified")


def check_writable(path: Path, what: str) -> Finding | None:
    """Warn about a database this user can read but not write (nothing can be posted)."""
    if not path.exists():
        return None
    reason = unwritable_reason(path)
    if reason is None:
        return None
    return Finding("warning", f"{what} {path} is read-only ({reason}): it can be read, "
                   "but nothing can be posted to it")


def check_space(directory: Path, what: str) -> Finding | None:
    """Warn when the disk holding `directory` is (nearly) full: every write would fail."""
    if not directory.exists() or not disk_full(directory / "x"):
        return None
    return Finding("warning", f"the disk holding {what} {directory} is full: "
                   "nothing can be written until some space is freed")
