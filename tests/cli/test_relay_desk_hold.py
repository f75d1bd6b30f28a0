"""The relay's desk keeps for the hub only a handle change that is new: not one the group's
log holds already, not one older than the change it keeps for that author (docs/relay.md,
"Eighteenth attack pass (h-attack18)").

A kept change is one file per author and group: a `hold` replaces it. Any Unix user of the
leaf may ask the desk (it knows a uid, not a user id), and every signed handle change of a
member is public to them: in the group's log (the file is the hub's group's) and, while
kept, in `<hub>/.relay-held/` (0644). erin, another user of B, replays dana's.
"""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from tests.cli.test_relay_leaf_users import leaf_with_users, members, team_with_bob, unix_user
from tests.cli.test_relay_desk_fetch import DESK_REQUEST
from tests.cli.test_relay_leaf_users2 import kept_text
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow

def logged_handle_change(path, author: str, handle: str) -> dict:
    """The signed handle change of `author` to `handle` in the group's log, as a request
    carries it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        for text, sig, cosig in db.execute("SELECT record, sig, cosig FROM group_members"):
            data = json.loads(text)
            if data.get("a") == author and data.get("action") == "handle" \
                    and data.get("handle") == handle:
                return {"text": text, "sig": base64.b64encode(sig).decode(),
                        "cosig": base64.b64encode(cosig).decode() if cosig else None}
    raise AssertionError(f"no handle change of {author} to {handle!r} in the log")


def test_another_user_cannot_replace_a_kept_handle_change_with_an_old_one(unix_site):
    """dana (a Unix user of B, not the relay's) was 'dee', then with the hub away renamed
    herself 'd1', then 'd2' (kept for the hub). erin, another Unix user of B, holds dana's
    logged change to 'dee' and then her kept 'd1' (copied from `.relay-held/` while it was
    kept): both refused in one line, 'd2' stays kept, and it is what A shows once the hub is
    back. On main both were kept ({"ok": true}), each replacing dana's newest wish."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, _bob, code, group_id = team_with_bob(hub, leaf)
        dana = unix_user(base, "alice", leaf, unix_site)
        erin = unix_user(base, "bob", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        dana.ok("id", "--handle", "dee")
        wait_for(lambda: "dee" in members(alice), what="dee on A")
        me = json.loads(dana.ok("id", "--json").out)["id"]
        old = logged_handle_change(leaf.hub / f"{group_id}.db", me, "dee")
        hub.stop()
        wait_for(lambda: not leaf.link_up(), what="B's link down")
        dana.ok("id", "--handle", "d1")
        shown = leaf.hub / ".relay-held" / f"{group_id}.{me}.json"
        wait_for(shown.exists, what="the copy of the kept change")
        saved = json.loads(shown.read_text())  # (0644: erin reads it as well)
        first = {key: saved[key] for key in ("text", "sig", "cosig") if key in saved}
        dana.ok("id", "--handle", "d2")
        wait_for(lambda: '"d2"' in (kept_text(leaf, group_id, me) or ""), what="d2 kept")
        newest = kept_text(leaf, group_id, me)
        for name, change in (("logged", old), ("replaced", first)):
            hold = {"op": "hold", "group": group_id, "change": change}
            asked = erin.python(DESK_REQUEST, str(leaf.hub), json.dumps(hold))
            assert asked.code == 0, asked.err
            answer = json.loads(asked.out)
            assert "refused" in answer and not answer.get("ok"), (name, answer)
            assert kept_text(leaf, group_id, me) == newest, f"{name}: the kept change replaced"
        hub.start()
        wait_for(lambda: "d2" in members(alice), timeout=30, what="d2 on A")
        assert "dee" not in members(alice) and "d1" not in members(alice)
