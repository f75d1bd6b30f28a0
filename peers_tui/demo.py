"""Sample data: a small hub with a realistic conversation, for screenshots and snapshot tests.

Everything is fixed (keys, times, text), so the screens it produces are the same every time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from peers_tui.app import PeersApp
from peers_tui.core.account import Account
from peers_tui.core.encoding import b32, fixed_clock
from peers_tui.core.identity import KEY_FILE
from peers_tui.core.roles import Role
from peers_tui.factory import build_app

PEOPLE = {"alice": b"A" * 32, "bob": b"B" * 32, "carol": b"C" * 32, "dmitri": b"D" * 32}
START = int(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc).timestamp() * 1000)
MINUTE = 60_000


@dataclass(frozen=True)
class Demo:
    root: Path
    hub: Path

    def home(self, name: str) -> Path:
        return self.root / name

    def account(self, name: str) -> Account:
        return Account(self.home(name), self.hub)

    def app(self, group: str = "release-crew", name: str = "alice") -> PeersApp:
        """`name`'s app on the sample hub, opening `group`, with a config file of its own."""
        return build_app(self.account(name), group, config_file=self.root / "config.toml")


def plant_identity(home: Path, seed: bytes) -> None:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / KEY_FILE
    path.write_text(json.dumps({"version": 1, "secret": b32(seed)}))
    os.chmod(path, 0o600)


def build_demo(root: Path) -> Demo:
    """Create homes for alice, bob, carol and dmitri sharing `root/hub`, and their history."""
    demo = Demo(root, root / "hub")
    with fixed_clock(START - 60 * MINUTE):  # keys, groups and joins: an hour before the talk
        accounts = _founding(demo)
    _conversation(demo, accounts)
    return demo


def _founding(demo: Demo) -> dict[str, Account]:
    accounts = {}
    for name, seed in PEOPLE.items():
        plant_identity(demo.home(name), seed)
        account = demo.account(name)
        account.set_handle(name)
        accounts[name] = account
    alice, bob, carol, dmitri = (accounts[n] for n in PEOPLE)
    alice.create_group("release-crew")
    alice.create_group("book club")
    bob.join(str(alice.invite("release-crew")))
    carol.join(str(alice.invite("release-crew")))
    dmitri.join(str(alice.invite("release-crew", role=Role.READER)))
    return accounts


def _conversation(demo: Demo, accounts: dict[str, Account]) -> None:
    alice, bob, carol = accounts["alice"], accounts["bob"], accounts["carol"]
    team = alice.resolve("release-crew")
    clock = iter(range(START, START + 10_000 * MINUTE, 7 * MINUTE))

    def say(account: Account, text: str, kind: str = "text", reply_to: str | None = None):
        store = account.store(account.resolve("release-crew"))
        return store.post(account.keypair, text, kind, reply_to, created_at=next(clock))

    store_of = {name: acc.store(acc.resolve("release-crew")) for name, acc in accounts.items()}
    store_of["alice"].set_topic(alice.keypair, "v2.4 ships Friday: freeze Thursday noon",
                                created_at=next(clock))
    plan = say(alice, "Morning! Release checklist is in the wiki. Who takes the changelog?")
    say(bob, "I can do the changelog after standup")
    say(carol, "I'll run the migration rehearsal on staging", reply_to=None)
    typo = say(bob, "staging db is restord from last night")
    store_of["bob"].edit(bob.keypair, typo.id, "staging db is restored from last night",
                         created_at=next(clock))
    say(alice, "thanks both", reply_to=plan.id)
    oops = say(carol, "wrong channel, sorry")
    store_of["carol"].delete(carol.keypair, oops.id, created_at=next(clock))
    say(bob, "goes to fetch coffee", kind="action")
    # The next day: alice has read up to here.
    day_two = START + 24 * 60 * MINUTE
    clock = iter(range(day_two, day_two + 10_000 * MINUTE, 5 * MINUTE))
    last_read = say(carol, "Rehearsal passed: 14 min downtime, within budget")
    alice.mark_read(team.id, last_read.id)
    say(bob, "@alice changelog draft is up for review")
    say(carol, "Markup stays literal: [bold red]not red[/] and *not bold*")
    say(bob, "multi-line works too:\n  - step one\n  - step two")
    _forge(demo, "dmitri", team.id, "I approve the release (as admin)", next(clock))


def _forge(demo: Demo, name: str, group_id: str, body: str, created_at: int) -> None:
    """A reader writes a message straight into the file: peers must flag it, not show it."""
    from peers_tui.testing.forge import Forger

    Forger(demo.home(name)).message(demo.hub / f"{group_id}.db", group_id, body, mseq=3,
                                    aseq=1, aprev="", t=created_at, id="01ZZZZZZZZZZZZZZZZZZZZZZZZ")
