"""An outside check of issue 16: what a user sees in tmux, against bare Textual apps.

Written apart from benchmarks/ (only the data builder is shared: outside16_build.py). Every
sample starts its own tmux server (`tmux -L o16-...`), a shell in a 120x40 pane, and types
the command into the shell as a user would; the clock starts just before the keys are sent
and stops at the first `capture-pane` that holds the text. Floors and figures alternate.

python scripts/outside16.py WORLD KIND [N]     KIND: open cold send alt enter echo
Each sample is printed as one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
VENV = Path("/work/main/.venv/bin")
PEERS = str(VENV / "peers")
PY = str(VENV / "python")
FLOOR = str(HERE / "outside16_floor.py")
W, H = 120, 40


def base_env(root: Path, home: Path | None = None, hub: Path | None = None,
             tree: Path = TREE) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PEERS_", "TMUX", "PYTHON", "TEXTUAL"))}
    env.update({"PEERS_CONFIG_DIR": str(root / "o16-config"),
                "XDG_DATA_HOME": str(root / "o16-xdg-data"),
                "XDG_CONFIG_HOME": str(root / "o16-xdg-config"),
                "PYTHONPATH": str(tree),
                # byte code as an installed wheel has it: cached, and written once
                "PYTHONPYCACHEPREFIX": "/tmp/o16/pyc",
                "PS1": "$ ", "TERM": "xterm-256color"})
    if home is not None:
        env["PEERS_HOME"], env["PEERS_HUB"] = str(home), str(hub)
    return env


class Term:
    """One tmux server of ours with one 120x40 pane running sh; a control client polls it."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name, self.env = f"o16-{name}", env
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        self.ctl: subprocess.Popen[bytes] | None = None
        for attempt in (1, 2):  # a server hung once in ~200 starts (tmux 3.3a): start anew
            try:
                self._start()
                return
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                self._kill_server()
                if attempt == 2:
                    raise
                print(f"# {self.name}: {exc}; its server killed, started again", file=sys.stderr)

    def _kill_server(self) -> None:
        """Our server and client by their pids (a hung server answers no kill-server)."""
        if getattr(self, "ctl", None) is not None:
            self.ctl.kill()
            self.ctl.wait()
        mine = f"tmux -L {self.name} -f /dev/null new-session"
        for line in subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True,
                                   text=True).stdout.splitlines():
            pid, _, args = line.strip().partition(" ")
            if args.startswith(mine):
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.2)
        sock = Path(f"/tmp/tmux-{os.getuid()}/{self.name}")
        if sock.exists():
            sock.unlink()

    def _start(self) -> None:
        env = self.env
        subprocess.run(self.tmux + ["new-session", "-d", "-s", "s", "-x", str(W), "-y", str(H),
                                    "sh"], env=env, check=True)
        subprocess.run(self.tmux + ["set", "-g", "window-size", "manual"], env=env, check=True)
        self.ctl = subprocess.Popen(self.tmux + ["-C", "attach", "-t", "s"], env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._buf = b""
        while not self._line().startswith(b"%session-changed"):
            pass  # attached: only now has the control client a "current client"
        self.cmd("refresh-client -f no-output")
        self.cmd(f"resize-window -t s -x {W} -y {H}")
        self.wait(lambda s: s.strip() != "", 5)  # the prompt

    def _line(self, timeout: float = 15.0) -> bytes:
        """One line from the control client; a client silent for `timeout` is an error (one
        hung once, at load 24, with its pane's shell idle)."""
        assert self.ctl.stdout
        fd = self.ctl.stdout.fileno()
        while b"\n" not in self._buf:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise RuntimeError(f"{self.name}: the control client said nothing for {timeout} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("control client gone")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\n", 1)
        return raw + b"\n"

    def cmd(self, line: str) -> list[str]:
        assert self.ctl.stdin and self.ctl.stdout
        self.ctl.stdin.write(line.encode() + b"\n")
        self.ctl.stdin.flush()
        out: list[str] = []
        mine = False
        while True:
            raw = self._line()
            text = raw.decode("utf-8", "replace").rstrip("\n")
            if text.startswith("%begin"):
                mine, out = text.endswith(" 1"), []
            elif text.startswith(("%end", "%error")):
                if mine:
                    if text.startswith("%error"):
                        raise RuntimeError(f"tmux: {line}: {out}")
                    return out
            else:
                out.append(text)

    def screen(self) -> str:
        return "\n".join(self.cmd("capture-pane -p -t s"))

    def keys(self, keys: str, literal: bool = False) -> float:
        q = "'" + keys.replace("'", "") + "'"
        t0 = time.perf_counter()
        self.cmd(f"send-keys -t s {'-l ' if literal else ''}{q}")
        return t0

    def run(self, command: str) -> float:
        """Type `command` and Enter into the shell; the time just before the keys."""
        t0 = time.perf_counter()
        self.cmd(f"send-keys -t s -l '{command}'")
        self.cmd("send-keys -t s Enter")
        return t0

    def wait(self, ok, timeout: float, t0: float | None = None, poll: float = 0.0005) -> float:
        t0 = time.perf_counter() if t0 is None else t0
        while True:
            s = self.screen()
            now = time.perf_counter()
            if ok(s):
                return (now - t0) * 1000
            if now - t0 > timeout:
                raise RuntimeError(f"{self.name}: not on screen after {timeout} s:\n{s}")
            time.sleep(poll)

    def app_pid(self) -> int | None:
        shell = int(self.cmd("display-message -p -t s '#{pane_pid}'")[0])
        kids = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        return int(kids[0]) if kids else None

    def close(self) -> None:
        pid = self.app_pid()
        subprocess.run(self.tmux + ["kill-server"], env=self.env, capture_output=True)
        self.ctl.kill()
        self.ctl.wait()
        if pid:  # the hang-up ends it; one still there after 5 s is killed (and said)
            for _ in range(250):
                if not Path(f"/proc/{pid}").exists():
                    return
                time.sleep(0.02)
            try:
                os.kill(pid, signal.SIGKILL)
                print(f"# {self.name}: app {pid} outlived its hang-up by 5 s, killed",
                      file=sys.stderr)
            except ProcessLookupError:
                pass


def has(text: str, absent: str | None = None):
    return lambda s: text in s and (absent is None or absent not in s)


def load() -> float:
    return os.getloadavg()[0]


def emit(**row) -> None:
    row.setdefault("load1", round(load(), 2))
    row["at"] = time.strftime("%H:%M:%S")
    print(json.dumps(row), flush=True)


def cpu_ms(pid: int | None) -> float | None:
    """utime + stime of the process so far (all its threads), in ms (10 ms ticks)."""
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


# What a full screen of peers holds beside the newest row: the group list, the roster, the
# footer's keys (the first frame has none of them: they are painted after it).
FULL = {"group_list_ms": " 1 personal", "roster_ms": "Members (", "footer_ms": "^p palette"}


def start_sample(env: dict[str, str], command: str, needle: str, full: bool
                 ) -> dict[str, float | None]:
    """ms from the keys to the needle on screen, the app's CPU ms at that moment; for peers
    (`full`) also to each part of a full screen and to the screen's last change (within 4 s
    of the needle: the screen as the user is left with it)."""
    term = Term("start", env)
    try:
        t0 = term.run(command)
        row: dict[str, float | None] = {"ms": term.wait(has(needle), 30, t0)}
        row["cpu_ms"] = cpu_ms(term.app_pid())
        if full:
            last, last_ms = term.screen(), row["ms"]
            pending = dict(FULL)
            while time.perf_counter() - t0 < row["ms"] / 1000 + 4:
                screen = term.screen()
                now = (time.perf_counter() - t0) * 1000
                for key, text in list(pending.items()):
                    if text in screen:
                        row[key] = now
                        del pending[key]
                if screen != last:
                    last, last_ms = screen, now
                time.sleep(0.003)
            row["settled_ms"] = last_ms
            row["full_cpu_ms"] = cpu_ms(term.app_pid())
            for key in pending:
                row[key] = None
        return row
    finally:
        term.close()
        time.sleep(0.3)


def newest(world: dict, group: str) -> str:
    """The body of the group's newest message (figure 8's sends add to the big group)."""
    env = base_env(Path(world["root"]), Path(world["home"]), Path(world["hub"]))
    out = subprocess.run([PEERS, "log", group, "--limit", "1", "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["body"]


def starts(world: dict, n: int, cold: bool) -> None:
    root = Path(world["root"])
    big = newest(world, "big")
    if cold:
        sys.path.insert(0, str(TREE))
        from peers_tui.core.account import Account
        for home in (world["home"], world["home"] + "-base"):
            if Path(home).is_dir():
                Account(Path(home), Path(world["hub"])).set_last_group(world["big_id"])
        runs = [("peers_200_groups", base_env(root, Path(world["home"]), Path(world["hub"])),
                 PEERS, big),
                ("peers_no_groups", base_env(root, Path(world["solo_home"]),
                                             Path(world["solo_hub"])), PEERS, "bench-newest-solo")]
    else:
        env = base_env(root, Path(world["home"]), Path(world["hub"]))
        runs = [("peers_open_big", env, f"{PEERS} open big", big),
                ("peers_open_small", env, f"{PEERS} open small", "bench-newest-small")]
    base = os.environ.get("O16_BASE")  # another tree (the branch's base), its own home copy
    if base:
        label, env, command, needle = runs[0]
        env = base_env(root, Path(world["home"] + "-base"), Path(world["hub"]), Path(base))
        runs.append((label + "_base", env, command, needle))
    runs.append(("floor_paint", base_env(root), f"{PY} {FLOOR} paint", "FLOOR-UP-PAINT"))
    for label, env, command, needle in runs:  # warm-up: byte code, page cache
        start_sample(env, command, needle, False)
    for i in range(n):
        order = runs if i % 2 == 0 else runs[::-1]
        for label, env, command, needle in order:
            try:
                row = start_sample(env, command, needle, label.startswith("peers"))
            except RuntimeError as exc:
                emit(kind="error", what=label, i=i, error=str(exc)[:300])
                continue
            emit(kind="cold" if cold else "open", what=label, i=i,
                 **{k: None if v is None else round(v, 1) for k, v in row.items()})


SQLITE_FLOOR = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                "c.execute('pragma journal_mode=wal'); "
                "c.execute('create table if not exists t (b text)'); "
                "c.execute('insert into t values (?)', (sys.argv[2],)); c.commit()")


def sends(world: dict, n: int) -> None:
    root = Path(world["root"])
    env = base_env(root, Path(world["home"]), Path(world["hub"]))
    db = root / "o16-floor.db"
    for i in range(n + 1):
        pair = [("peers_send", [PEERS, "send", "big", f"o16-send-{time.time():.3f}-{i}x"]),
                ("floor_sqlite_insert", [PY, "-c", SQLITE_FLOOR, str(db), f"row {i}"])]
        for label, argv in (pair if i % 2 == 0 else pair[::-1]):
            t0 = time.perf_counter()
            proc = subprocess.run(argv, env=env, capture_output=True, text=True)
            ms = (time.perf_counter() - t0) * 1000
            if proc.returncode:
                raise RuntimeError(f"{label}: {proc.stderr}")
            if i:
                emit(kind="send", what=label, i=i, ms=round(ms, 1))


def group_keys(world: dict) -> dict[str, str]:
    sys.path.insert(0, str(TREE))
    from peers_tui.core.account import Account
    ids = [e.id for e in Account(Path(world["home"]), Path(world["hub"])).entries()]
    return {name: f"M-{ids.index(world[name + '_id']) + 1}" for name in ("big", "small", "chat")}


def alts(world: dict, n: int) -> None:
    """Each sample a fresh `peers open small`, 3 s to settle, then the FIRST Alt+N to the big
    group (what a user pays), then 3 more switches each way (what a warm switch costs)."""
    root = Path(world["root"])
    env = base_env(root, Path(world["home"]), Path(world["hub"]))
    keys = group_keys(world)
    big, small = newest(world, "big"), "bench-newest-small"
    for i in range(n):
        try:
            alt_sample(env, keys, big, small, i)
        except RuntimeError as exc:
            emit(kind="error", what="alt", i=i, error=str(exc)[:300])


def alt_sample(env: dict[str, str], keys: dict[str, str], big: str, small: str, i: int) -> None:
    if True:
        term = Term("alt", env)
        try:
            term.wait(has(small), 30, term.run(f"{PEERS} open small"))
            time.sleep(3)
            for j in range(4):
                ms = term.wait(has(big, small), 10, term.keys(keys["big"]))
                emit(kind="alt", what="to_big_first" if j == 0 else "to_big_again", i=i, j=j,
                     ms=round(ms, 1))
                time.sleep(0.3)
                ms = term.wait(has(small, big), 10, term.keys(keys["small"]))
                emit(kind="alt", what="to_small", i=i, j=j, ms=round(ms, 1))
                time.sleep(0.3)
        finally:
            term.close()


def in_log(screen: str, text: str) -> bool:
    """Above the composer's top border (the last line starting with a rule)."""
    lines = screen.split("\n")
    top = max((k for k, line in enumerate(lines) if line.startswith("─")), default=len(lines))
    return any(text in line for line in lines[:top])


def enters(world: dict, n: int) -> None:
    root = Path(world["root"])
    me = Term("me", base_env(root, Path(world["home"]), Path(world["hub"])))
    friend = Term("friend", base_env(root, Path(world["friend_home"]), Path(world["hub"])))
    try:
        chat = newest(world, "chat")
        me.wait(has(chat), 30, me.run(f"{PEERS} open chat"))
        friend.wait(has(chat), 30, friend.run(f"{PEERS} open chat"))
        time.sleep(3)
        run = f"{int(time.time()) % 100000:05d}"  # texts unique to this run: an earlier
        for i in range(n + 1):                     # run's are still in the chat's log
            text = f"oxq{run}n{i:04d}w"
            me.wait(has(text), 10, me.keys(text, literal=True))
            time.sleep(0.05)
            t0 = me.keys("Enter")
            ms = own = None
            while ms is None or own is None:  # both panes captured in turn
                if ms is None and text in friend.screen():
                    ms = (time.perf_counter() - t0) * 1000
                if own is None and in_log(me.screen(), text):
                    own = (time.perf_counter() - t0) * 1000
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError(f"{text} not on both screens after 10 s")
                time.sleep(0.0005)
            if i:
                emit(kind="enter", what="enter_to_other_screen", i=i, ms=round(ms, 1),
                     own_log_ms=round(own, 1))
            time.sleep(0.1)
    finally:
        me.close()
        friend.close()


def echoes(world: dict, n: int) -> None:
    """Letters into peers' composer (chat group open) and into two bare apps, in turn."""
    root = Path(world["root"])
    terms = {"peers_composer": Term("echo-peers", base_env(root, Path(world["home"]),
                                                           Path(world["hub"]))),
             "floor_input": Term("echo-input", base_env(root)),
             "floor_textarea": Term("echo-area", base_env(root))}
    try:
        terms["peers_composer"].wait(has(newest(world, "chat")), 30,
                                     terms["peers_composer"].run(f"{PEERS} open chat"))
        terms["floor_input"].wait(has("FLOOR-UP-INPUT"), 30,
                                  terms["floor_input"].run(f"{PY} {FLOOR} input"))
        terms["floor_textarea"].wait(has("FLOOR-UP-AREA"), 30,
                                     terms["floor_textarea"].run(f"{PY} {FLOOR} area"))
        time.sleep(3)
        typed = "ZQ"
        for term in terms.values():
            term.wait(has(typed), 10, term.keys(typed, literal=True))
        names = list(terms)
        for i in range(n + 1):
            letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            typed += letter
            order = names[i % 3:] + names[:i % 3]
            for name in order:
                term = terms[name]
                ms = term.wait(has(typed), 10, term.keys(letter, literal=True))
                if i:
                    emit(kind="echo", what=name, i=i, ms=round(ms, 2))
                time.sleep(0.02)
        for _ in range(len(typed)):
            terms["peers_composer"].keys("BSpace")
        time.sleep(0.5)
    finally:
        for term in terms.values():
            term.close()


def main() -> None:
    world = json.loads((Path(sys.argv[1]) / "world.json").read_text())
    kind, n = sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20
    emit(kind="begin", what=kind, n=n, loadavg=os.getloadavg())
    {"open": lambda: starts(world, n, cold=False), "cold": lambda: starts(world, n, cold=True),
     "send": lambda: sends(world, n), "alt": lambda: alts(world, n),
     "enter": lambda: enters(world, n), "echo": lambda: echoes(world, n)}[kind]()
    emit(kind="end", what=kind, loadavg=os.getloadavg())


if __name__ == "__main__":
    main()
