"""The look-alike keys of the names a user has seen, kept in the home (core.name_keys, issue
16): the app's second start labels its first frame without loading the confusables data, with
the same labels; keys written under other rules, or a damaged file, are not believed.

Each check runs in a process of its own: the keys taken from a file stay in core.names for
the rest of the process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from peers_tui.core.account import Account
from peers_tui.core.name_keys import KEYS_FILE
from tests.conftest import User

LOOK_ALIKE = "t\u0435am"  # Cyrillic е: a different name that reads as "team"

START = """
import asyncio, sys
from pathlib import Path
from peers_tui.core import names
from peers_tui.core.account import Account
from peers_tui.factory import build_app

async def main():
    account = Account(Path(sys.argv[1]), Path(sys.argv[2]))
    app = build_app(account, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(app.chat.label, names._confusables_index.cache_info().currsize)

asyncio.run(main())
"""


def start(user: User) -> list[str]:
    result = subprocess.run([sys.executable, "-c", START, str(user.home), str(user.hub)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_second_start_labels_look_alikes_without_the_confusables_data(alice: User):
    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    account.create_group(LOOK_ALIKE)
    account.close()
    label = ["team", "·", team.id[:6]]  # the title tells the look-alike groups apart
    path = alice.home / KEYS_FILE
    assert start(alice) == label + ["1"]  # keyed afresh, with the data
    stored = json.loads(path.read_text())
    assert {"team", LOOK_ALIKE, "alice"} <= set(stored["keys"])
    assert start(alice) == label + ["0"]  # from the file: the data is not loaded
    # Keys written under other rules or data are discarded, as is a damaged file.
    wrong = {**stored["keys"], "team": "a", LOOK_ALIKE: "b"}  # no twin, if these were believed
    path.write_text(json.dumps({"stamp": ["other rules"], "keys": wrong}))
    assert start(alice) == label + ["1"]
    assert json.loads(path.read_text())["stamp"] == stored["stamp"]  # written anew
    path.write_text("{not json")
    assert start(alice) == label + ["1"]
    assert start(alice) == label + ["0"]


def test_a_home_that_cannot_be_written_still_starts_with_the_right_labels(alice: User,
                                                                       tmp_path: Path):
    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    account.create_group(LOOK_ALIKE)
    account.close()
    (alice.home / KEYS_FILE).mkdir()  # a directory where the file would go: never written
    assert start(alice) == ["team", "·", team.id[:6], "1"]
    assert start(alice) == ["team", "·", team.id[:6], "1"]
