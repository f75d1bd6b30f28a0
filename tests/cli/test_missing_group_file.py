"""A group whose file is gone from the hub (deleted or moved away) is listed as "missing", not
"damaged" (a damaged file is there and cannot be read), with the line that says what brings it
back; on a hub without a relay that is a backup. Put back, it is a group again."""

from __future__ import annotations

import shutil

from tests.conftest import User


def test_a_group_whose_file_is_gone_is_listed_missing_with_what_to_do(alice: User, team: str,
                                                                      tmp_path) -> None:
    alice.ok("send", "team", "kept")
    files = [alice.hub / f"{team}.db{suffix}" for suffix in ("", "-wal", "-shm")]
    away = tmp_path / "away"
    away.mkdir()
    for path in files:
        if path.exists():
            shutil.move(path, away / path.name)
    listed = next(g for g in alice.ok("groups", "--json").json() if g["name"] == "team")
    assert listed["state"] == "missing", listed
    line = next(line for line in alice.ok("groups").out.splitlines() if " team " in line)
    assert " missing " in line and "is missing (deleted or moved away)" in line, line
    assert "put the file back from a backup" in line, line
    said = alice.fails("send", "team", "lost?").err
    assert said.count("\n") == 1 and "group team: its file" in said, said
    for path in away.iterdir():
        shutil.move(path, alice.hub / path.name)
    listed = next(g for g in alice.ok("groups", "--json").json() if g["name"] == "team")
    assert listed["state"] == "active", listed
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["kept"]
