"""Figures 12-14: keys typed into real TUIs in tmux, timed from outside as a user sees them.

Every key is written to a pane's terminal by the tmux server (`send-keys` over the
control-mode client, stamped just before the request) and timed until its effect is in a
`capture-pane` of the pane that should show it, polled about every millisecond. Two
terminals (120x40 each, two tmux servers: see benchmarks.tmux): the main user's `peers` in
one; in the other first the floor app, then the second user's `peers`.

14. Alt+N to the 1,000,000-message group: the main user's app, started on the 100-message
    group and left to settle, presses the big group's Alt+digit, timed until its newest row is
    on screen and the small group's is gone; then back. Baseline: the switch back, to the
    100-message group. `alt_switches` each way after one warm-up; the figure is the median.
12. Keystroke echo in the composer: letters typed one at a time into the main user's composer
    (the chat group open), each timed until the composer's text with it is on screen. Floor
    (and baseline): the same keys typed, alternately, into a bare Textual app showing one
    focused text area configured as the composer is (`benchmarks/floor_apps.py echo`).
    Median over `echo_keys` keys each. Target: <= 1.2x the floor.
13. Key to screen: the main user types a message into the composer (untimed, until it shows),
    then presses Enter, timed until the text is on the second user's screen in the other
    pane (that user has the chat group open). `key_messages` messages; p50 and p99. Baseline:
    the bare echo floor's p50 and p99 (one key through tmux into one Textual app and back).
    The details also give, per message, when it showed in the sender's own log (the two
    panes are captured in turn), which splits the path into the sender's part and the rest.
13c/13d. The sender's own message: the same Enters, timed until the text is in the sender's
    own log (above the composer), p50 and p99 (h-ownecho). A user sees their message appear
    there; it came ~2x later than on the other screen (the composer cleared a frame before
    the message was drawn). Targets as 13a/13b; floor: the same bare echo, same run.
"""

from __future__ import annotations

import time

from benchmarks.common import (
    PYTHON, REPO, Figure, Sizes, isolated_env, log, median, peers_command, percentile, ratio,
    unmeasured,
)
from benchmarks.data import World, marker
from benchmarks.tmux import Tmux, late_note

ECHO_RATIO = 1.2
KEY_P50_MS, KEY_P99_MS = 25.0, 60.0
SWITCH_TARGET_MS = 60.0
POLL_S = 0.001
TIMEOUT_S = 10.0
ECHO_FLOOR_LABEL = "bare Textual TextArea echoing a key"
ECHO_FLOOR_READY = "bench-floor-echo"
PREFIX = "QX"  # typed first (untimed): upper case appears nowhere in the benchmark's messages
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _settle(sizes: Sizes) -> float:
    return 3.0 if sizes.name == "full" else 0.5


def _started(tmux: Tmux, argv: list[str], env: dict[str, str], needle: str) -> None:
    tmux.wait_for_text([needle], tmux.start(argv, env), timeout=30)


def _key_ms(tmux: Tmux, key: str, needle: str, absent: tuple[str, ...] = (),
            literal: bool = True) -> float:
    sent = tmux.send_keys(key, literal=literal)
    return 1000 * tmux.wait_for_text([needle], sent, TIMEOUT_S, POLL_S, absent)


def _alt_switches(tmux: Tmux, world: World, sizes: Sizes) -> tuple[list[float], list[float]]:
    from peers_tui.core.account import Account

    ids = [entry.id for entry in Account(world.home, world.hub).entries()]
    keys = {gid: f"M-{ids.index(gid) + 1}" for gid in (world.big_id, world.small_id)}
    if max(ids.index(world.big_id), ids.index(world.small_id)) >= 9:
        raise RuntimeError("the big and small groups must be among the first nine (Alt+1-9)")
    big, small = marker(World.BIG), marker(World.SMALL)
    to_big: list[float] = []
    to_small: list[float] = []
    for i in range(sizes.alt_switches + 1):
        ms_big = _key_ms(tmux, keys[world.big_id], big, (small,), literal=False)
        time.sleep(0.3)
        ms_small = _key_ms(tmux, keys[world.small_id], small, (big,), literal=False)
        time.sleep(0.3)
        if i:  # the first of each is a warm-up
            to_big.append(ms_big)
            to_small.append(ms_small)
    return to_big, to_small


def _echo(tmux: Tmux, other: Tmux, sizes: Sizes) -> tuple[list[float], list[float]]:
    """Letters typed alternately into peers' composer (`tmux`) and the floor app (`other`)."""
    for terminal in (tmux, other):
        _key_ms(terminal, PREFIX, PREFIX)
    typed = ""
    app: list[float] = []
    floor: list[float] = []
    for i in range(sizes.echo_keys + 1):
        letter = LETTERS[i % len(LETTERS)]
        typed += letter
        # Which terminal gets the key first alternates: neither gains from the other's turn.
        if i % 2:
            ms_floor = _key_ms(other, letter, PREFIX + typed)
            ms_app = _key_ms(tmux, letter, PREFIX + typed)
        else:
            ms_app = _key_ms(tmux, letter, PREFIX + typed)
            ms_floor = _key_ms(other, letter, PREFIX + typed)
        if i:
            app.append(ms_app)
            floor.append(ms_floor)
        time.sleep(0.02)
    # Leave the composer empty, as found (peers keeps a draft per group).
    for _ in range(len(PREFIX + typed)):
        tmux.send_keys("BSpace")
    tmux.wait_for_text([], time.perf_counter(), TIMEOUT_S, absent=(PREFIX,))
    return app, floor


def _in_log(screen: str, text: str) -> bool:
    """Whether `text` is on a line above the composer (whose top border is the last line
    that starts with a horizontal rule), i.e. in the log, not still in the composer."""
    lines = screen.split("\n")
    border = max((i for i, line in enumerate(lines) if line.startswith("─")), default=len(lines))
    return any(text in line for line in lines[:border])


def _key_to_screen(tmux: Tmux, other: Tmux, sizes: Sizes) -> tuple[list[float], list[float]]:
    """Per message: ms to the text on the other user's screen (the figure), and ms to it in
    the sender's own log (a detail: the sender's part of the path, its send and repaint)."""
    samples: list[float] = []
    own: list[float] = []
    for i in range(sizes.key_messages + 1):
        text = f"k2s{i:04d}zq"
        _key_ms(tmux, text, text)  # typed and shown in the sender's composer
        time.sleep(0.05)
        sent = tmux.send_keys("Enter")
        there: float | None = None
        here: float | None = None
        while there is None or here is None:
            if there is None and text in other.capture():
                there = time.perf_counter() - sent
            if here is None and _in_log(tmux.capture(), text):
                here = time.perf_counter() - sent
            if time.perf_counter() - sent > TIMEOUT_S:
                raise RuntimeError(f"{text!r} was not on both screens {TIMEOUT_S:g} s after Enter")
            time.sleep(POLL_S)
        if i:
            samples.append(there * 1000)
            own.append(here * 1000)
        time.sleep(0.1)
    return samples, own


def measure(world: World, sizes: Sizes, tmux: Tmux | None) -> list[Figure]:
    titles = {
        "echo": "keystroke echo in the composer, key to screen, median",
        "key_to_screen_p50": "Enter in one user's TUI to the text on another's screen, p50",
        "key_to_screen_p99": "Enter in one user's TUI to the text on another's screen, p99",
        "own_echo_p50": "Enter in one user's TUI to the text in their own log, p50",
        "own_echo_p99": "Enter in one user's TUI to the text in their own log, p99",
        "alt_switch": f"Alt+N to the {sizes.big_messages:,}-message group, key to newest row "
                      "on screen, median",
    }
    targets = {"echo": f"<= {ECHO_RATIO}x floor", "key_to_screen_p50": f"<= {KEY_P50_MS:g} ms",
               "key_to_screen_p99": f"<= {KEY_P99_MS:g} ms",
               "own_echo_p50": f"<= {KEY_P50_MS:g} ms", "own_echo_p99": f"<= {KEY_P99_MS:g} ms",
               "alt_switch": f"<= {SWITCH_TARGET_MS:g} ms"}
    labels = {"echo": ECHO_FLOOR_LABEL, "key_to_screen_p50": ECHO_FLOOR_LABEL + ", p50",
              "key_to_screen_p99": ECHO_FLOOR_LABEL + ", p99",
              "own_echo_p50": ECHO_FLOOR_LABEL + ", p50",
              "own_echo_p99": ECHO_FLOOR_LABEL + ", p99",
              "alt_switch": f"Alt+N to the {sizes.small_messages}-message group"}
    if tmux is None:
        return [unmeasured(key, titles[key], "ms", labels[key], targets[key],
                           "tmux is not installed") for key in titles]
    peers = peers_command()
    main_env = {"PEERS_HOME": str(world.home), "PEERS_HUB": str(world.hub)}
    friend_env = {"PEERS_HOME": str(world.friend_home), "PEERS_HUB": str(world.hub)}
    other = Tmux(world.root, isolated_env(world.root), name="tmux-second")
    survivors, late = tmux.survived_hangup, len(tmux.ended_late)
    try:
        log("figure 14: Alt+N between the big and the small group (tmux)")
        _started(tmux, peers + ["open", World.SMALL], main_env, marker(World.SMALL))
        _started(other, [PYTHON, str(REPO / "benchmarks" / "floor_apps.py"), "echo"], {},
                 ECHO_FLOOR_READY)
        time.sleep(_settle(sizes))
        to_big, to_small = _alt_switches(tmux, world, sizes)

        log(f"figure 12: {sizes.echo_keys} keystrokes, composer against the bare echo floor")
        from peers_tui.core.account import Account

        ids = [entry.id for entry in Account(world.home, world.hub).entries()]
        chat_key = f"M-{ids.index(world.chat_id) + 1}"
        _key_ms(tmux, chat_key, marker(World.CHAT), literal=False)
        time.sleep(0.5)
        echo, echo_floor = _echo(tmux, other, sizes)

        log(f"figure 13: {sizes.key_messages} messages, Enter in one TUI to the other's screen")
        other.stop()
        _started(other, peers + ["open", World.CHAT], friend_env, marker(World.CHAT))
        time.sleep(_settle(sizes))
        delivered, own_log = _key_to_screen(tmux, other, sizes)
    finally:
        tmux.stop()
        other.close()
    notes = []
    ended_late = tmux.ended_late[late:] + other.ended_late
    if ended_late:
        notes.append(late_note(ended_late))
    survived = tmux.survived_hangup - survivors + other.survived_hangup
    if survived:
        notes.append(f"{survived} apps kept running after their terminal hung up (SIGHUP); "
                     "the benchmark killed them")

    floor_p50, floor_p99 = percentile(echo_floor, 50), percentile(echo_floor, 99)
    echo_value, echo_floor_value = median(echo), median(echo_floor)
    figures = [Figure(
        "echo", titles["echo"], "ms", echo_value, echo_floor_value, labels["echo"],
        targets["echo"], echo_value <= ECHO_RATIO * echo_floor_value,
        ratio(echo_value, echo_floor_value),
        {"samples_ms": echo, "floor_samples_ms": echo_floor}, notes=list(notes),
        floor=echo_floor_value, floor_label=ECHO_FLOOR_LABEL,
        floor_ratio=ratio(echo_value, echo_floor_value))]
    # 13a/b: to the other user's screen (the sender's log a detail); 13c/d: to the sender's log.
    rows = (("key_to_screen", delivered, {"sender_log_samples_ms": own_log,
                                          "sender_log_median_ms": median(own_log)}),
            ("own_echo", own_log, {"other_screen_samples_ms": delivered}))
    for name, samples, extra in rows:
        for pct, limit, floor in ((50, KEY_P50_MS, floor_p50), (99, KEY_P99_MS, floor_p99)):
            key = f"{name}_p{pct}"
            value = percentile(samples, pct)
            figures.append(Figure(
                key, titles[key], "ms", value, floor, labels[key], targets[key], value <= limit,
                ratio(value, floor),
                {"samples_ms": samples, "median_ms": median(samples), "max_ms": max(samples),
                 **extra},
                floor=floor, floor_label=labels[key], floor_ratio=ratio(value, floor)))
    value, baseline = median(to_big), median(to_small)
    figures.append(Figure(
        "alt_switch", titles["alt_switch"], "ms", value, baseline, labels["alt_switch"],
        targets["alt_switch"], value <= SWITCH_TARGET_MS, ratio(value, baseline),
        {"samples_ms": to_big, "small_samples_ms": to_small, "max_ms": max(to_big)},
        floor=echo_floor_value, floor_label=ECHO_FLOOR_LABEL,
        floor_ratio=ratio(value, echo_floor_value)))
    return figures
