"""`peers relay token --name` naming the hub itself (docs/relay.md, "Thirteenth attack pass").
A leaf's permissions are written from its name (relay/permissions.py): `peers.in.<name>.>`,
`peers.presence.<name>`, and the replies under `_INBOX_<name>`, which are the hub host's own
clients' (its `peers join`, `relay refetch`). A token named as the hub made a leaf that
could publish presence and records in the hub's name and read those replies. Refused now.
"""

from __future__ import annotations

from tests.relay_helpers import federation


def test_a_token_cannot_name_the_hub_itself(tmp_path):
    hub, leaf = federation(tmp_path)
    refused = hub.peers().fails("relay", "token", "--name", hub.name)
    assert "hub's own name" in refused.err, refused.err
    assert hub.peers().ok("relay", "token", "--name", "B2").out.startswith("peersrelay1:")
