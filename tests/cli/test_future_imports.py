"""An imported message's time is the one its source gave (`orig_time`), and its row's time
column holds it (docs/relay.md, "Thirteenth attack pass"). A writer follows the newest id
that stands less than a day ahead of its row's own time (message_rules.followed), so an
imported line dated in the year 9000 (a typo in an export, or an export handed to an admin
to import: `peers import` took any time up to the end of 9999) was followed by every later
id of the group, and its signed time was now: the hub carried it, and every host's next id
was dragged to that year for good. Now `peers import` refuses a time more than a day past
the clock, and a writer follows an imported row only by its signed time (`t`, every host's
verdict alike), so one written by a modified client drags nothing either.
"""

from __future__ import annotations

import json

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.testing.forge import Forger

DAY = 24 * 60 * 60 * 1000
YEAR_9000 = 221_845_392_000_000  # 9000-01-01 in ms since 1970


def _newest_id_times(user, body_of_new: list[str]) -> list[int]:
    log = user.ok("log", "team", "--json", "--no-events").json()
    return [ulid_value(m["id"]) >> 80 for m in log if m["body"] in body_of_new]


def test_peers_import_refuses_a_time_a_day_past_the_clock(alice, team, tmp_path):
    lines = tmp_path / "future.jsonl"
    lines.write_text(json.dumps({"id": "x", "author": "old", "body": "typo",
                                 "created_at": "9000-01-01T00:00:00Z"}) + "\n")
    result = alice.fails("import", "team", str(lines))
    assert "future" in result.err and len(result.err.strip().splitlines()) == 1, result.err
    alice.ok("send", "team", "after")
    [after] = _newest_id_times(alice, ["after"])
    assert abs(after - now_ms()) < DAY


def test_an_imported_row_of_the_year_9000_drags_no_later_id(alice, bob, team):
    alice.ok("role", "team", "bob", "admin")  # an import needs an admin
    db = alice.hub / f"{team}.db"
    Forger(bob.home).message(db, team, "from 9000", type="imported",
                             id=ulid_text((YEAR_9000 << 80) | 5),
                             extra={"orig_id": "x", "orig_author": "old", "orig_time": YEAR_9000})
    alice.ok("send", "team", "lean after")  # the lean path
    alice.ok("topic", "team", "full after")  # the full path
    times = _newest_id_times(alice, ["lean after", "full after"])
    assert len(times) == 2 and all(abs(t - now_ms()) < DAY for t in times), times
