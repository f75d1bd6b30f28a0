"""The look-alike keys of the group names, kept in the home (core.name_keys, issue 16): the
title's twin mark is the same with or without the file, a file written under other rules or
damaged is not believed, and with the file the confusables data is not loaded at all."""

from __future__ import annotations

import json
import subprocess
import sys

from peers_tui.core.account import Account
from peers_tui.core.name_keys import KEYS_FILE
from tests.conftest import User

LOOK_ALIKE = "t\u0435am"  # Cyrillic е: a different name that reads as "team"


def labels(user: User) -> tuple[str, str, str]:
    account = Account(user.home, user.hub)
    try:
        team, alike, other = (account.resolve(name) for name in ("team", LOOK_ALIKE, "other"))
        return account.label(team), account.label(alike), account.label(other)
    finally:
        account.close()


def test_the_title_tells_look_alike_groups_apart_whatever_the_file_holds(alice: User):
    account = Account(alice.home, alice.hub)
    ids = [account.create_group(name).id for name in ("team", LOOK_ALIKE, "other")]
    account.close()
    expected = (f"team · {ids[0][:6]}", f"{LOOK_ALIKE} · {ids[1][:6]}", "other")
    path = alice.home / KEYS_FILE
    assert not path.exists()
    assert labels(alice) == expected  # keyed afresh, then kept
    stored = json.loads(path.read_text())
    assert set(stored["keys"]) >= {"team", LOOK_ALIKE, "other"}
    assert labels(alice) == expected  # from the file
    # Keys written under other rules or data are discarded, as is a damaged file.
    path.write_text(json.dumps({"stamp": ["other rules"],
                                "keys": {"team": "a", LOOK_ALIKE: "b", "other": "a"}}))
    assert labels(alice) == expected
    path.write_text("{not json")
    assert labels(alice) == expected
    assert json.loads(path.read_text())["stamp"] == stored["stamp"]


def test_with_the_keys_kept_the_title_does_not_load_the_confusables_data(alice: User):
    account = Account(alice.home, alice.hub)
    account.create_group("team")
    account.create_group(LOOK_ALIKE)
    account.label(account.resolve("team"))  # writes the file
    account.close()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from peers_tui.core.account import Account\n"
        "from peers_tui.core import names\n"
        "account = Account(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "label = account.label(account.resolve('team'))\n"
        "print(label.startswith('team · '), names._confusables_index.cache_info().currsize)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(alice.home), str(alice.hub)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0"]
