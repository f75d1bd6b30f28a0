"""`peers send GROUP TEXT` on the lean path (cli.quick_send, core.lean_post): it loads neither
Peewee nor argparse nor Textual, writes what the full path writes, and hands every case it
does not do plainly to the full path before writing anything."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from peers_tui.cli.publishing import PEOPLE_DIR, PUBLISH_SETTING
from peers_tui.cli.quick_send import plain_send
from peers_tui.core import profiles
from peers_tui.testing.forge import Forger, set_handle

# What a send must not load: a future import that pulls one of these in undoes the lean path.
HEAVY = ("peewee", "playhouse", "argparse", "textual", "rich", "peers_tui.core.history",
         "peers_tui.core.account", "peers_tui.cli.parser", "nacl.signing", "nacl.public",
         "_hashlib")
# ...nor, once its profile is published (every send but the first after a handle change,
# which loads core.profiles), these: dataclasses (with inspect, ast, dis, tokenize), typing,
# pathlib and urllib cost ~18 ms of the ~40 ms a send spent importing. The core's types on
# its path are plain classes (core.frozen), it imports typing for the type checker only, and
# takes its paths as str.
HEAVY_ONCE_PUBLISHED = HEAVY + ("dataclasses", "inspect", "typing", "pathlib", "urllib")
SEND_AND_LIST_MODULES = (
    "import sys\n"
    "from peers_tui.launch import main\n"
    "sys.argv = ['peers'] + sys.argv[1:]\n"
    "code = main()\n"
    "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('peewee', 'playhouse', "
    "'argparse', 'textual', 'rich', '_hashlib', 'dataclasses', 'inspect', 'typing', 'pathlib', "
    "'urllib')"
    " or m.startswith(('peers_tui.', 'nacl.')))), file=sys.stderr)\n"
    "raise SystemExit(code)\n")


def spawn_send(user, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`peers send ARGS` as a shell runs it, and the modules it had loaded at its end."""
    proc = subprocess.run([sys.executable, "-c", SEND_AND_LIST_MODULES, "send", *args],
                          capture_output=True, text=True, env=user.env(), timeout=60)
    *lines, modules = proc.stderr.splitlines() or [""]
    proc.stderr = "\n".join(lines)
    return proc, set(modules.split())


def group_row(user, group_id: str) -> tuple[str, int, str, str]:
    with sqlite3.connect(user.home / "personal.db") as conn:
        return conn.execute("SELECT read_marker, member_head_seq, member_head_hash, author_heads"
                            " FROM groups WHERE id = ?", (group_id,)).fetchone()


def test_plain_send_loads_no_models_parser_or_textual(alice, bob, team):
    proc, modules = spawn_send(bob, "team", "hello from a script")
    assert proc.returncode == 0, proc.stderr
    assert not modules & set(HEAVY), modules & set(HEAVY)
    message_id = proc.stdout.strip()
    # What the full path does after a send: the message is genuine, read, pinned, published.
    shown = alice.ok("log", "team", "--json", "--ids").json()[-1]
    assert (shown["id"], shown["body"], shown["verified"]) == (message_id, "hello from a script", True)
    assert alice.ok("verify", "team").out.strip().startswith("ok")
    marker, head_seq, head_hash, heads = group_row(bob, team)
    assert marker == message_id and head_seq == 1 and head_hash
    assert Forger(bob.home).user_id in json.loads(heads)
    assert (bob.hub / profiles.PEOPLE_DIR / f"{Forger(bob.home).user_id}.json").exists()
    assert bob.ok("groups", "--json").json()[1]["unread"] == 0
    proc, modules = spawn_send(bob, "team", "and again")
    assert proc.returncode == 0, proc.stderr
    assert not modules & set(HEAVY_ONCE_PUBLISHED), modules & set(HEAVY_ONCE_PUBLISHED)


def test_action_and_global_options(alice, team):
    proc = subprocess.run([sys.executable, "-m", "peers_tui", "--home", str(alice.home),
                           f"--hub={alice.hub}", "send", "team", "waves", "--action"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert alice.ok("log", "team", "--json").json()[-1]["kind"] == "action"


def test_removed_member_is_refused_with_nothing_written(alice, bob, team):
    alice.ok("remove", "team", "bob")
    before = alice.ok("log", "team", "--json").json()
    proc, modules = spawn_send(bob, "team", "still here?")
    assert proc.returncode == 1 and "removed" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "peewee" in modules  # the full path said why
    assert alice.ok("log", "team", "--json").json() == before


def test_forged_membership_change_goes_the_full_way(alice, bob, carol, team):
    # Carol, no member, files a change making bob an owner: it does not count, and a file
    # holding a change that does not count is left to the full path (same rules, and the
    # readers report it).
    db = alice.hub / f"{team}.db"
    Forger(carol.home).change(db, team, "role", Forger(bob.home).user_id, extra={"role": 80})
    proc, modules = spawn_send(bob, "team", "after a forgery")
    assert proc.returncode == 0, proc.stderr
    assert "peewee" in modules
    assert alice.ok("log", "team", "--json").json()[-1]["verified"] is True
    report = alice.run("verify", "team")
    assert report.code == 1 and "signer is not a member" in report.out


def test_junk_in_my_next_chain_place_hands_over_and_is_set_aside(alice, bob, team):
    bob.ok("send", "team", "first")
    db = alice.hub / f"{team}.db"
    # A row at bob's next place that is not his record there (a copy of his first, filed at
    # place 2): the lean path hands over, the full path sets it aside and writes (before,
    # it refused: docs/relay.md, "Junk at your own next place").
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT * FROM message WHERE author = ? AND author_seq = 1",
                           (Forger(bob.home).user_id,)).fetchone()
        columns = [c[1] for c in conn.execute("PRAGMA table_info(message)")]
        values = dict(zip(columns, row))
        values.update(id="7" * 26, author_seq=2)
        conn.execute(f"INSERT INTO message ({', '.join(values)}) VALUES "
                     f"({', '.join('?' * len(values))})", list(values.values()))
    proc, modules = spawn_send(bob, "team", "second")
    assert proc.returncode == 0, proc.stderr
    assert "peewee" in modules
    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["first", "second"]
    verified = alice.run("verify", "team")
    [line] = [line for line in verified.out.splitlines() if "FAILED" in line]
    assert line.endswith("another place of its author's chain than the one it is filed at"
                         " (set aside: holds no place)"), line


def test_new_handle_is_signed_first_by_the_full_path(alice, bob, team):
    set_handle(bob.home, "robert")  # changed here, not yet signed into the group
    proc, modules = spawn_send(bob, "team", "new name")
    assert proc.returncode == 0, proc.stderr
    assert "peewee" in modules
    assert "robert" in [m["handle"] for m in alice.ok("members", "team", "--json").json()]
    # ...and the next send is lean again.
    proc, modules = spawn_send(bob, "team", "again")
    assert proc.returncode == 0 and "peewee" not in modules


def test_profile_publishing_turned_off_is_kept(alice, team):
    alice.ok("people", "--publish", "off")
    profile = alice.hub / profiles.PEOPLE_DIR / f"{Forger(alice.home).user_id}.json"
    assert not profile.exists()
    proc, _ = spawn_send(alice, "team", "quietly")
    assert proc.returncode == 0 and not profile.exists()


def test_publish_setting_names_agree():
    assert PUBLISH_SETTING == profiles.PUBLISH_SETTING and PEOPLE_DIR == profiles.PEOPLE_DIR


def test_profile_is_checked_again_once_its_file_changed(alice, team):
    profile = alice.hub / profiles.PEOPLE_DIR / f"{Forger(alice.home).user_id}.json"
    assert spawn_send(alice, "team", "one")[0].returncode == 0
    genuine = profile.read_bytes()
    _, modules = spawn_send(alice, "team", "two")
    assert "peers_tui.core.profiles" not in modules  # unchanged since checked: not read again
    profile.write_text("{}")  # damaged (or forged) in the hub
    assert spawn_send(alice, "team", "three")[0].returncode == 0
    assert profiles.read_profile(profile).handle == "alice"  # written again, genuine
    assert profile.read_bytes() != b"{}" and len(profile.read_bytes()) == len(genuine)


def test_only_plain_command_lines_are_taken():
    assert plain_send(["send", "team", "hi"]) == ({}, "team", "hi", False)
    assert plain_send(["--home", "h", "--hub=x", "send", "t", "hi", "--action"]) == (
        {"--home": "h", "--hub": "x"}, "t", "hi", True)
    for argv in (["send", "team"], ["send", "team", "-"], ["send", "team", "x", "--reply-to", "y"],
                 ["send", "-h"], ["send", "team", "a", "b"], ["--home", "send", "t", "x"],
                 ["log", "send"], ["--verbose", "send", "t", "x"], ["send", "team", "-5 degrees"],
                 ["send", "team", "x", "--action", "--action"]):
        assert plain_send(argv) is None, argv


def test_record_hashes_are_hashlibs():
    import hashlib

    from peers_tui.core.encoding import blake2b, record_digest_b32, record_hash, sha256

    for text in ("", "abc", "\u00e9t\u00e9 \U0001f600" * 50):
        data = text.encode("utf-8")
        assert record_hash(text) == hashlib.sha256(data).hexdigest()
        assert sha256(data).digest() == hashlib.sha256(data).digest()
        assert (blake2b(data, digest_size=16).digest()
                == hashlib.blake2b(data, digest_size=16).digest())
        assert record_digest_b32(text)


def keep_handle_change(user, group_id: str, handle: str, **fields) -> None:
    """What a leaf cut off from its hub keeps when `user` changes handle (relay.held): a
    change signed against this host's head, not written to the log."""
    from peers_tui.core.kinds import RecordKind
    from peers_tui.relay import held
    from peers_tui.relay.envelope import Envelope

    forger = Forger(user.home)
    seq, prev = forger.membership_head(user.hub / f"{group_id}.db")
    record = forger.sign(RecordKind.MEMBER, group_id, {
        "seq": seq + 1, "prev": prev, "action": "handle", "member": forger.user_id,
        "handle": handle, **fields})
    (user.hub / ".relay").mkdir(mode=0o700, exist_ok=True)  # as `relay init` makes it
    held.keep(user.hub, Envelope(group_id, "member", record.text, record.sig, None, "B"),
              forger.user_id)
    set_handle(user.home, handle)


def membership(user, group_id: str) -> list[tuple]:
    with sqlite3.connect(user.hub / f"{group_id}.db") as conn:
        return conn.execute("SELECT seq, record FROM group_members ORDER BY seq").fetchall()


def test_a_send_while_a_handle_change_waits_for_the_hub_stays_lean(alice, bob, team):
    """The group's handle differs from bob's only because his change is kept for the hub:
    the send posts at once on the lean path, writes no membership change, keeps the kept
    change as it was (the relay proposes it), and the message is genuine."""
    from peers_tui.relay.held_peek import held_file

    bob.ok("send", "team", "first")  # the profile is published: later sends load little
    keep_handle_change(bob, team, "robert")
    kept = open(held_file(str(bob.hub), team, Forger(bob.home).user_id)).read()
    before = membership(bob, team)
    proc, modules = spawn_send(bob, "team", "while the change waits")
    assert proc.returncode == 0, proc.stderr
    assert not modules & set(HEAVY), modules & set(HEAVY)
    assert membership(bob, team) == before
    assert open(held_file(str(bob.hub), team, Forger(bob.home).user_id)).read() == kept
    shown = alice.ok("log", "team", "--json").json()[-1]
    assert (shown["body"], shown["verified"]) == ("while the change waits", True)
    assert alice.ok("verify", "team").out.strip().startswith("ok")


def test_a_kept_handle_change_that_no_longer_fits_goes_the_full_way(alice, bob, team):
    """A kept change signed against another head (or for another handle) is not the one the
    relay can propose: the full path signs the handle change (no relay here: written)."""
    bob.ok("send", "team", "first")
    keep_handle_change(bob, team, "robert", seq=7)
    proc, modules = spawn_send(bob, "team", "hello")
    assert proc.returncode == 0, proc.stderr
    assert "peewee" in modules
    assert {m["handle"] for m in alice.ok("members", "team", "--json").json()} == {"alice", "robert"}


def test_the_lean_send_reads_the_relay_s_kept_change_where_the_relay_keeps_it(tmp_path):
    from peers_tui.relay import config, held, held_peek

    assert held_peek.RELAY_DIR == config.RELAY_DIR
    assert held_peek.held_file(str(tmp_path), "g", "a") == str(held.held_dir(tmp_path) / "g.a.json")
