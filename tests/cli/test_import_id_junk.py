"""A junk row holding a writer's own import id (the attack pass on "Junk at your own next
place", docs/relay.md): a row of the message table under the importer's name with an
original id their import carries, that is no record of theirs (here a bad signature, at a
place far above their chain). Such a row holds nothing (README rule 2; the relay sets it
aside for a record arriving with that import id, relay/junk_places.py), but `peers import`
took it for a line imported before: the line was skipped ("1 skipped"), silently, on the
host whose file anyone had written into. Now the import sets it aside and imports the line."""

from __future__ import annotations

import sqlite3

from tests.cli.test_own_place_junk import failed_lines, import_three_old, rows_at
from tests.core.test_bad_signature_place import BadSigner
from peers_tui.testing.forge import Forger


def test_an_import_goes_through_junk_holding_its_import_id(tmp_path, alice, team):
    db = alice.hub / f"{team}.db"
    alice.ok("send", "team", "hello")
    aseq, _ = Forger(alice.home).chain_head(db)
    BadSigner(alice.home).message(db, team, "junk holding old1", aseq=aseq + 50, aprev="x",
                                  columns={"orig_id": "old1", "kind": "imported"})
    done = import_three_old(tmp_path, alice)
    assert done.code == 0, done.err
    kept, aside = rows_at(db, Forger(alice.home).user_id)
    assert [body for _, body in kept][-3:] == ["old 0", "old 1", "old 2"], kept
    assert aside == [aseq + 50]
    logged = alice.ok("log", "team", "--json").json()
    assert sorted(m["body"] for m in logged) == ["hello", "old 0", "old 1", "old 2"], logged
    assert all(m["verified"] for m in logged), logged
    code, failed = failed_lines(alice)
    assert code == 1 and len(failed) == 1 and "set aside" in failed[0], failed
    # Imported once: a second run skips all three.
    again = alice.spawn("import", "team", str(tmp_path / "old.jsonl"))
    assert again.code == 0 and "3" in again.out, again.out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM message WHERE kind = 'imported'"
                            ).fetchone()[0] == 3
