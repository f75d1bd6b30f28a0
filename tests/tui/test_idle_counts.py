"""What an app with many groups does after its first frame: each group counted once, and then
nothing at all while nothing changes (figure 5: idle CPU with 200 groups)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from peers_tui.core import notifier as notifier_module
from peers_tui.core.account import Account
from peers_tui.core.notifier import SWEEP_INTERVAL
from peers_tui.core.sweep_plan import SETTLE_SWEEPS
from tests.conftest import User
from tests.tui_helpers import make_app, wait_for

GROUPS = 8


@pytest.fixture
def many(alice: User) -> list[str]:
    """alice's groups besides her personal one, the first with a message from her."""
    ids = [alice.ok("create", f"g{n}").out.strip() for n in range(GROUPS)]
    alice.ok("send", "g0", "hello")
    return ids


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each group's summary was computed (each is slowed down a little, as a
    loaded machine does, so that a count is still running when the next is asked for)."""
    counts: Counter[str] = Counter()
    summary = Account.summary

    def slow_summary(self: Account, entry, *args):
        counts[entry.name] += 1
        time.sleep(0.03)
        return summary(self, entry, *args)

    monkeypatch.setattr(Account, "summary", slow_summary)
    return counts


async def test_a_recount_asked_during_the_first_count_counts_only_its_group(
        alice: User, many: list[str], counted: Counter[str]):
    app = make_app(alice, "g0")
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: sum(counted.values()) > 0)  # the first count runs
        app.unread.recount(frozenset({many[3]}))  # as a read marker or a switch asks
        await wait_for(pilot, lambda: app.is_idle and len(app.summaries) == GROUPS + 1)
        await pilot.pause(0.5)
        # g3 as asked, g0 once more when the read marker of what is on screen is stored, and
        # the personal group once more when the app's own start-up write to personal.db (the
        # group opened last) is reported after the first count began: every count reads
        # personal.db as it was when the count began, so a change reported after that is
        # counted again (a fresh-clone CI at load 8 hit it; 1 in 30 runs three at once here).
        assert counted["g3"] <= 2 and counted["g0"] <= 2 and counted["personal"] <= 2
        twice = sorted(name for name, n in counted.items()
                       if n > 1 and name not in ("g0", "g3", "personal"))
        assert twice == [], f"counted again while the first count ran: {twice}"


async def test_an_idle_app_with_many_groups_looks_at_no_file(
        alice: User, many: list[str], counted: Counter[str], monkeypatch: pytest.MonkeyPatch):
    looks: list[str] = []
    stat = notifier_module.stat_token

    def counted_stat(path):
        looks.append(path.name)
        return stat(path)

    monkeypatch.setattr(notifier_module, "stat_token", counted_stat)
    app = make_app(alice, "g0")
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and len(app.summaries) == GROUPS + 1
                       and app.first_paint_work.done)
        # What start-up wrote to personal.db (read marker, last group) may be an event of the
        # notifier's, which then sweeps the file SETTLE_SWEEPS times, a second apart: wait
        # for a sweep interval without a look (bounded: an app that never settles fails).
        for _ in range(SETTLE_SWEEPS + 3):
            looks.clear()
            await pilot.pause(SWEEP_INTERVAL + 0.2)
            if not looks:
                break
        looks.clear()
        counted.clear()
        await pilot.pause(2.5)  # two sweeps' time
        assert looks == [] and not counted


async def test_start_up_counts_each_group_once(alice: User, many: list[str],
                                               counted: Counter[str]):
    """The app's own writes to personal.db after its first frame (the last group, the read
    marker, the pins) change no group's list entry: they must not recount every group."""
    app = make_app(alice, "g0")
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and len(app.summaries) == GROUPS + 1)
        await pilot.pause(1.5)
        await wait_for(pilot, lambda: app.is_idle)
        # g0 is on screen (its read marker recounts it); personal.db holds the personal group.
        again = sorted(name for name, n in counted.items()
                       if n > 1 and name not in ("g0", "personal"))
        assert again == [], f"counted more than once: {again}"


async def test_a_start_on_the_group_opened_last_writes_nothing_to_personal_db(
        alice: User, many: list[str]):
    """The app remembers the group on screen for the next start; the same group again is no
    write (each was a commit to personal.db, reported by the app's own watcher, and the
    personal group counted again for it)."""
    import sqlite3

    app = make_app(alice, "g0")
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and len(app.summaries) == GROUPS + 1)
        await pilot.pause(0.5)
    watch = sqlite3.connect(alice.home / "personal.db")
    version = watch.execute("PRAGMA data_version").fetchone()[0]
    app = make_app(alice)  # the group opened last: g0
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.is_idle and len(app.summaries) == GROUPS + 1
                       and app.first_paint_work.done)
        await pilot.pause(0.5)
        assert app.chat.entry.name == "g0"
        assert watch.execute("PRAGMA data_version").fetchone()[0] == version
    watch.close()
