"""A writer whose clock runs more than a day past the hub's signs nothing (docs/relay.md, "A
writer's clock bounded by its host's relay (h-clockcap)"): the hub would refuse the record
for its clock, and its author's later records, chained after it, with it for hours.

The writer tells the hub's clock from `.link.json` as the relay writes it (core.link_state):
the relay's wall clock W and the host's boot clock B read together (`host_clock`), the
boot clock now b (/proc/uptime) and the hub's offset: W + (b - B) + offset. Here the file is
written by hand as the relay writes it and no relay runs (tests/cli/test_relay_ahead_clock.py
has it with real relays and libfaketime); the writer's clock is faked in this process
(encoding.fixed_clock, the clock every record is signed by); the boot clock is the host's.
"""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.encoding import fixed_clock, now_ms
from peers_tui.core.hub_refused import boot_clock_ms, boot_id, host_stamp
from peers_tui.core.link_state import LinkState, link_path, write_link_state

HOUR = 3600 * 1000
DAY = 24 * HOUR
REFUSAL = ("peers: this process's clock is 26.0 h ahead of this host's (as its relay last saw "
           "it): the hub refuses records signed more than a day ahead; set the clock right")


def stamp_link(hub, *, ago: int = 0, host_ahead: int = 0, offset: int | None = 0,
               boot: int | None = None, boot_of: str | None = None) -> None:
    """`.link.json` as a relay writes it, its stamp taken `ago` ms ago (the relay stopped
    since) on a host whose clock was then `host_ahead` ms fast, the hub's clock `offset` ms
    from the host's."""
    booted = boot_clock_ms()
    assert booted is not None and boot_id() is not None, "needs /proc/uptime and a boot id"
    (hub / ".relay").mkdir(mode=0o700, exist_ok=True)
    stamp = (now_ms() - ago + host_ahead, booted - ago if boot is None else boot,
             boot_of or boot_id())
    write_link_state(hub, LinkState(host="C", role="leaf", pid=1, running=False, updated=1.0,
                                    up=False, since=1.0, to="A", hub_offset_ms=offset,
                                    host_clock=stamp))


def bodies(user) -> list[str]:
    return [m["body"] for m in user.ok("log", "team", "--json").json()]


def written(user, team) -> int:
    with sqlite3.connect(user.hub / f"{team}.db") as db:
        return db.execute("SELECT count(*) FROM message").fetchone()[0]


def ahead(hours: float) -> fixed_clock:
    return fixed_clock(now_ms() + int(hours * HOUR), 1000)


# Each command that signs a record with the writer's clock: (arguments, standard input).
SIGNERS = {
    "send": (("send", "team", "from tomorrow"), None),  # the lean path
    "reply": (("send", "team", "-", "--reply-to", "MINE"), "from tomorrow, the full path"),
    "topic": (("topic", "team", "tomorrow's topic"), None),
    "edit": (("edit", "team", "MINE", "edited tomorrow"), None),
    "react": (("react", "team", "MINE", "👍"), None),
    "delete": (("delete", "team", "MINE"), None),
    "invite": (("invite", "team"), None),
    "role": (("role", "team", "bob", "admin"), None),
    "import": (("import", "team", "-"),
               '{"id": "x1", "author": "old", "body": "imported", "created_at": 1600000000}\n'),
}


@pytest.mark.parametrize("signer", SIGNERS)
def test_a_process_a_day_ahead_of_its_hosts_relay_signs_nothing(signer, alice, bob, team):
    """26 h ahead of the stamp (offset 0: the hub's clock the host's): one line, exit 1, no
    row written, for every record the hub judges by its clock (or whose time is its author's
    next floor: an invite); with the clock right the same command is signed."""
    mine = alice.ok("send", "team", "mine").out.strip()
    words, stdin = SIGNERS[signer]
    args = tuple(mine if word == "MINE" else word for word in words)
    stamp_link(alice.hub)

    def state() -> tuple[int, str, str]:
        return (written(alice, team), alice.ok("members", "team", "--json").out,
                alice.ok("invite", "team", "--list", "--json").out)

    before = state()
    with ahead(26):
        failed = alice.fails(*args, stdin=stdin)
    assert failed.err.strip() == REFUSAL
    assert state() == before
    alice.ok(*args, stdin=stdin)  # her clock right: as ever
    assert state() != before


def test_a_host_with_no_relay_signs_as_ever(alice, bob, team):
    """No `.link.json` (no relay ever ran here: one host, no hub to refuse anything): a
    message 26 h ahead is signed as before this change."""
    assert not link_path(alice.hub).exists()
    with ahead(26):
        alice.ok("send", "team", "from tomorrow")
    assert "from tomorrow" in bodies(alice)


def test_a_writer_behind_the_hub_signs_as_ever(alice, bob, team):
    """Behind is harmless: the hub refuses nothing for being late (the writer's chain floor
    and the row it follows keep its records in order)."""
    stamp_link(alice.hub)
    with ahead(-26):
        alice.ok("send", "team", "from yesterday")
    assert "from yesterday" in bodies(alice)


def test_a_stamp_the_relay_took_before_it_stopped_still_bounds(alice, bob, team):
    """The relay stopped 10 h ago (or since the host booted, if less): the boot clock tells
    the time since, so a writer at the right clock signs, one 26 h ahead does not."""
    since = min(10 * HOUR, (boot_clock_ms() or 0) - 60_000)
    stamp_link(alice.hub, ago=since)
    alice.ok("send", "team", "right clock")
    with ahead(26):
        assert alice.fails("send", "team", "from tomorrow").err.strip() == REFUSAL
    with ahead(23):  # under the bound: the hub takes it
        alice.ok("send", "team", "23 h ahead")


def test_a_host_clock_stepped_while_its_relay_was_stopped(alice, bob, team):
    """The stamp taken while the host ran 3 h fast (the hub's clock 3 h behind it: offset
    -3 h), the host's clock put right since: the step does not enter (the boot clock ran on),
    so a writer at the right clock signs, and one 26 h ahead of the hub is refused, told
    against the hub's clock."""
    since = min(HOUR, (boot_clock_ms() or 0) - 60_000)
    stamp_link(alice.hub, ago=since, host_ahead=3 * HOUR, offset=-3 * HOUR)
    alice.ok("send", "team", "right clock")
    with ahead(26):
        failed = alice.fails("send", "team", "from tomorrow")
    assert failed.err.strip().startswith("peers: this process's clock is 26.0 h ahead of the "
                                         "hub's (as this host's relay last measured it)")
    with ahead(3):
        alice.ok("send", "team", "3 h ahead")


def test_a_stamp_from_before_the_last_boot_is_none(alice, bob, team):
    """A stamp with B greater than the boot clock now was taken before this boot: none. One of
    another boot whose boot clock ran past B since (a relay stamped 30 h ago, its host booted
    again 30 min past B) would put the hub's clock 29.5 h back and refuse a writer whose clock
    is right: its boot id tells it apart (B > b alone does not), and it is none too."""
    booted = boot_clock_ms() or 0
    stamp_link(alice.hub, boot=booted + HOUR)
    with ahead(26):
        alice.ok("send", "team", "after a reboot")
    earlier = booted - min(30 * 60_000, booted)
    stamp_link(alice.hub, ago=30 * HOUR, boot=earlier)  # this boot's id: believed, refused
    assert alice.fails("send", "team", "right clock").err.startswith(
        "peers: this process's clock is 29.5 h ahead")
    stamp_link(alice.hub, ago=30 * HOUR, boot=earlier,
               boot_of="00000000-0000-4000-8000-000000000000")
    alice.ok("send", "team", "right clock")
    assert {"after a reboot", "right clock"} <= set(bodies(alice))


def test_a_stamp_not_the_relays_reads_as_none(alice, bob, team):
    """Anything but the relay's exact shape at the file's head: no stamp (never a refusal, never
    a traceback)."""
    stamp_link(alice.hub)
    good = link_path(alice.hub).read_bytes()
    head = good[:good.index(b"]") + 1]
    assert host_stamp(good) is not None
    for bad in (b'"host_clock":null', b'"host_clock":[1,2,"x"]', b'"host_clock":["1",2,"%s"]',
                b'"host_clock":[1796451399688,-5,"%s"]', b'"host_clock":[1796451399688,5]',
                b'"host_clock":[1796451399688,5,"%s",7]', b'"host_clock":[1e12,5,"%s"]',
                b'"host_clock":[1796451399688,5,"%s"'):
        bad = bad.replace(b"%s", (boot_id() or "").encode())
        raw = good.replace(head[head.index(b'"host_clock"'):], bad, 1)
        assert host_stamp(raw) is None, raw[:120]
    link_path(alice.hub).write_bytes(good.replace(b'"host_clock":[', b'"host_clock":["x",', 1))
    with ahead(26):
        alice.ok("send", "team", "garbage stamp")
    assert "garbage stamp" in bodies(alice)
