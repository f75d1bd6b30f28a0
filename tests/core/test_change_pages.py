"""The hub's pages of membership changes (relay/change_pages.py): what a leaf lacks, in answers
NATS can carry (docs/relay.md, "The stale answer bounded (h-stale)"). A real group file with
1,500 joins of 64-character handles (~1.16 MB of changes as an answer carries them): before
h-stale the stale answer carried all of them, past NATS's 1 MB max_payload."""

from __future__ import annotations

import json

from peers_tui.core.account import Account
from peers_tui.relay.change_pages import MAX_CHANGES, PAGE_BYTES, page_from
from peers_tui.relay.order_changes import changes_from, encode_change
from tests.membership_builder import joins_signed

NATS_MAX_PAYLOAD = 1 << 20


def test_pages_from_any_place_hold_every_change_once_each_under_natss_payload(alice):
    alice.ok("create", "team")
    account = Account(alice.home, alice.hub)
    try:
        with account.personal.session():
            _, store = account.group_store("team")
            with store.session(), store.file.db.atomic():
                joins_signed(store, account.keypair, 1500)
            head = store.current_roster().head_seq
            whole = [encode_change(change) for change in changes_from(store, 1)]
            assert len(json.dumps({"changes": whole})) > NATS_MAX_PAYLOAD  # one answer: too big
            place, got = 1, []
            while True:
                page = page_from(store, alice.hub, place)
                assert len(json.dumps(page).encode()) < NATS_MAX_PAYLOAD
                items = page["changes"]
                assert 0 < len(items) <= MAX_CHANGES
                assert sum(len(i["text"]) + len(i["sig"]) + len(i["cosig"] or "")
                           for i in items) <= PAGE_BYTES
                assert len(page["invites"]) == 1  # the one invite every join names
                got += items if not got else items[1:]  # a page begins at the leaf's head
                place = json.loads(items[-1]["text"])["seq"]
                if place == head:
                    break
            assert got == whole
            assert page_from(store, alice.hub, head)["changes"] == whole[-1:]
    finally:
        account.close()
