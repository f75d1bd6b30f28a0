"""The records the hub refused are counted for their author, not for every user of the host
(docs/relay.md, "Seventeenth acceptance pass (h-accept17)").

In that pass hal, removed on the hub while he posted from leaf C cut off from it, had 25
posts voided by the cut; the hub refused them and told C. From then on every user of C saw
"25 refused by the hub": carol's `peers groups` sync column for the group, and the link line
at the top of her app in every group, for good, though none of hers was refused. Now
`.link.json` says whose the refused records are (`refused_by`), `peers groups` and the app
count the user's own (and any whose author the relay could not tell); `peers relay status`
still counts the host's."""

from __future__ import annotations

import shutil

import pytest

from peers_tui.core.link_state import read_link_state
from peers_tui.core.link_words import indicator
from tests.cli.test_relay_refused_back import refused_at_hub, send_ahead, sync_of
from tests.relay_helpers import bodies, join_arrived, three_hosts, wait_for

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime")]


def user_id(user) -> str:
    return str(user.ok("id", "--json").json()[0]["id"])


def test_a_refused_record_is_counted_for_its_author_not_for_the_hosts_other_users(tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        carol, erin = c.users["carol"], c.user("erin")
        erin.ok("id", "--handle", "erin")
        join_arrived(erin, hub.users["alice"].ok("invite", "team").out.strip())
        wait_for(lambda: sync_of(carol) == "✓" and sync_of(erin) == "✓", what="C level")
        send_ahead(carol, "from tomorrow")
        wait_for(lambda: refused_at_hub(c) == 1, what="C told of the hub's refusal")
        wait_for(lambda: sync_of(carol) == "1 refused by the hub", what="carol's sync column")
        assert sync_of(erin) == "✓"
        assert "refused" not in erin.ok("groups").out
        # the app's link line (the same words, from the same file)
        state = read_link_state(c.hub)
        assert "1 refused by the hub" in indicator(state, True, user=user_id(carol))
        assert "refused" not in indicator(state, True, user=user_id(erin))
        # the host's own count is the host's
        assert "refused by the hub: 1 of this host's records" in c.peers().ok("relay", "status").out
        erin.ok("send", "team", "erin after")
        wait_for(lambda: "erin after" in bodies(hub.users["alice"]), what="erin's at the hub")
