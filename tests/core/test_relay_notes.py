"""core.relay_notes: the relay's notes for users in `<hub>/.relay-notes/`, which only the
relay's owner writes and every user reads as untrusted input (docs/relay.md "Relay notes out
of the group file (h-relaynotes)")."""

from __future__ import annotations

import os
import stat

import pytest

from peers_tui.core import relay_notes
from peers_tui.core.relay_notes import NOTES_DIR, lost_by, note_lost, note_rewind, rewound

GROUP = "a" * 26


@pytest.fixture
def group_file(tmp_path):
    hub = tmp_path / "hub"
    (hub / ".relay").mkdir(parents=True, mode=0o700)
    return hub / f"{GROUP}.db"


def test_notes_written_by_the_relay_read_back_readable_by_all(group_file):
    note_rewind(group_file, 7)
    note_lost(group_file, [(4, "hash4", "author4")])
    notes = group_file.parent / NOTES_DIR
    assert stat.S_IMODE(os.stat(notes).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(notes / f"{GROUP}.json").st_mode) == 0o644
    assert rewound(group_file, 8, 0.0) and not rewound(group_file, 7, 0.0)
    assert not rewound(group_file, 8, 2 ** 40)  # only notes since the reader's last read
    assert lost_by(group_file, 4, "hash4") == "author4"
    assert lost_by(group_file, 4, "other") is None and lost_by(group_file, 5, "hash4") is None


def test_only_the_newest_notes_are_kept(group_file, monkeypatch):
    monkeypatch.setattr(relay_notes, "KEEP_REWINDS", 3)
    for top in range(10, 0, -1):
        relay_notes._note(group_file, "rewinds", [top, 1.0], 3)
    assert [top for top, _ in relay_notes.read_notes(group_file)["rewinds"]] == [3, 2, 1]


def test_no_relay_or_anything_not_the_relays_reads_as_no_note(group_file):
    note_rewind(group_file, 1)
    path = group_file.parent / NOTES_DIR / f"{GROUP}.json"
    for junk in ('{"v": 1, "rewinds": [[1]]}', "not json", '{"v": 2, "rewinds": [[1, 5.0]]}',
                 '{"v": 1, "rewinds": [["1", 5.0]]}', '{"v": 1, "lost": [[1, "", "a", 1.0]]}'):
        path.write_text(junk)
        assert relay_notes.read_notes(group_file) == {"rewinds": [], "lost": []}, junk
    path.unlink()
    path.symlink_to(group_file.parent / "elsewhere.json")
    (group_file.parent / "elsewhere.json").write_text('{"v": 1, "rewinds": [[0, 9e9]]}')
    assert not rewound(group_file, 5, 0.0)
    path.unlink()
    note_rewind(group_file, 0)
    os.rmdir(group_file.parent / ".relay")  # no relay on this host
    assert not rewound(group_file, 5, 0.0)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user's files (root's chown)")
def test_a_notes_file_or_directory_of_another_user_is_not_believed(group_file, capsys):
    note_rewind(group_file, 0)
    notes = group_file.parent / NOTES_DIR
    os.chown(notes / f"{GROUP}.json", 4242, 4242)  # a member's file in the relay's place
    assert not rewound(group_file, 5, 0.0)
    os.chown(notes / f"{GROUP}.json", 0, 0)
    os.chown(notes, 4242, 4242)  # a member made the directory before the relay
    assert not rewound(group_file, 5, 0.0)
    note_rewind(group_file, 0)  # the relay does not write into it; said once, no exception
    note_rewind(group_file, 0)
    assert capsys.readouterr().err.count("notes for users not written") == 1


def test_relay_init_claims_the_notes_directory(tmp_path):
    """`peers relay init` makes `<hub>/.relay-notes/` the relay's before a member can."""
    import subprocess
    import sys

    hub, home = tmp_path / "hub", tmp_path / "home"
    hub.mkdir()
    env = {**os.environ, "PEERS_HUB": str(hub), "PEERS_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "peers_tui", "relay", "init", "--hub",
                           "--listen", "127.0.0.1:47999"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    notes = hub / NOTES_DIR
    assert notes.is_dir() and not notes.is_symlink()
    assert os.stat(notes).st_uid == os.stat(hub / ".relay").st_uid
    assert stat.S_IMODE(os.stat(notes).st_mode) == 0o755
