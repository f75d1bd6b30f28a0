"""`peers relay rejected` in plain text names each refused record (its short hash, what it
claims to be, and its claimed author by this host's handle for the key), one line each, so
lines about two records of one host and group can be told apart and found in `--json`."""

from __future__ import annotations

from peers_tui.core.identity import fingerprint
from peers_tui.core.kinds import RecordKind
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.testing.forge import Forger
from tests.relay_helpers import federation


def test_each_plain_line_names_the_record_its_kind_and_its_author(tmp_path):
    hub, _ = federation(tmp_path)
    alice, mallory = hub.user("alice"), hub.user("mallory")
    group_id = alice.ok("create", "team").out.strip()
    forger, stranger = Forger(alice.home), Forger(mallory.home)
    # Two refused messages of one host and group (same table, same reason), a membership
    # change, and a record that is not JSON at all.
    first = forger.sign(RecordKind.MSG, group_id, {"id": "01A", "type": "text", "body": "x",
                                                   "aseq": 9, "aprev": "", "mseq": 0})
    second = stranger.sign(RecordKind.MSG, group_id, {"id": "01B", "type": "edit", "body": "y",
                                                      "aseq": 1, "aprev": "", "mseq": 0})
    change = stranger.sign(RecordKind.MEMBER, group_id, {"seq": 5, "prev": "", "action": "role",
                                                         "member": forger.user_id})
    ledger = Ledger(hub.hub / ".relay" / "relay.db")
    try:
        for record, table in ((first, "msg"), (second, "msg"), (change, "member")):
            ledger.quarantine(Envelope(group_id, table, record.text, record.sig, None, "B"),
                              "bad signature")
        ledger.quarantine(Envelope(group_id, "msg", "not json\n\x1b[31m", b"", None, "B"),
                          "record is not valid JSON")
    finally:
        ledger.close()
    rows = {row["hash"]: row for row in hub.peers().ok("relay", "rejected", "--json").json()}
    lines = hub.peers().ok("relay", "rejected").out.splitlines()
    assert len(lines) == 4 and len(rows) == 4
    assert f"B  {group_id}  msg: {first.hash[:12]} text by alice ({fingerprint(forger.user_id)})" \
        ": bad signature" in lines
    assert f"B  {group_id}  msg: {second.hash[:12]} edit by {fingerprint(stranger.user_id)}" \
        ": bad signature" in lines  # not a member here: the key's short form alone
    assert f"B  {group_id}  member: {change.hash[:12]} role by " \
        f"{fingerprint(stranger.user_id)}: bad signature" in lines
    [junk] = [line for line in lines if "not valid JSON" in line]
    assert " by ?: " in junk and "\x1b" not in junk
    for digest in rows:
        assert sum(digest[:12] in line for line in lines) == 1
    assert rows[first.hash]["type"] == "text" and rows[first.hash]["author"] == forger.user_id
