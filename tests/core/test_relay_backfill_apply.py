"""A backfill's pages applied newest first (relay/backfill_state.py and apply.py under a
frontier), without NATS: changes that arrive before the message they change, and the end."""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.relay import backfill_state
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from tests.conftest import User
from tests.core.test_relay_apply import local_envelopes


def joining_host(tmp_path: Path, alice: User, team: str) -> tuple[Path, GroupStore, list[Envelope]]:
    """Host C as a join leaves it: alice's group with every record but its messages, a
    backfill begun. Returns C's hub, its store and the messages (oldest first) to apply."""
    envelopes = local_envelopes(alice, team)
    messages = [e for e in envelopes if e.table == "msg"]
    firsts = [e for e in envelopes if e.table != "msg"]
    here = tmp_path / "C"
    here.mkdir()
    apply_records(here, team, [e for e in firsts if e.table == "genesis"], create=True)
    store = GroupStore(here / f"{team}.db", team)
    backfill_state.begin(store, len(messages), 100)
    apply_records(here, team, [e for e in firsts if e.table != "genesis"], create=False,
                  hub_order=True, store=store)
    return here, store, messages


def test_a_deletion_and_an_edit_that_come_first_take_effect_when_their_target_arrives(
        tmp_path: Path, alice: User, bob: User, team: str):
    bob.ok("send", "team", "soon deleted")
    bob.ok("send", "team", "soon edited")
    for i in range(5):
        alice.ok("send", "team", f"filler {i}")
    ids = {m["body"]: m["id"] for m in alice.ok("log", "team", "--json").json()}
    bob.ok("delete", "team", ids["soon deleted"])
    bob.ok("edit", "team", ids["soon edited"], "edited at last")
    here, store, messages = joining_host(tmp_path, alice, team)
    newest, oldest = messages[-4:], messages[:-4]  # the filler's end, the deletion, the edit
    outcome = apply_records(here, team, newest, create=False, hub_order=True, store=store)
    assert outcome is not None and len(outcome.applied) == 4 and not outcome.waiting
    assert not outcome.refused
    views = store.recent(50)
    assert [v.body for v in views] == ["filler 3", "filler 4"]  # no tombstone, no orphan
    assert all(v.verified for v in views)
    outcome = apply_records(here, team, oldest, create=False, hub_order=True, store=store)
    assert outcome is not None and not outcome.refused and not outcome.waiting
    assert backfill_state.finish(store) == []
    shown = {v.id: v for v in store.recent(50)}
    assert shown[ids["soon deleted"]].deleted and shown[ids["soon edited"]].body == "edited at last"
    assert [v.body for v in store.search("deleted", 10)] == []  # its search entry went with it
    assert [v.body for v in store.search("last", 10)] == ["edited at last"]
    store.close()
    assert [(m["body"], m.get("deleted")) for m in alice.ok("log", "team", "--json").json()] == \
        [(v.body, v.deleted) for v in GroupStore(here / f"{team}.db", team).recent(50)]


def test_a_reader_not_showing_the_top_is_not_sent_a_backfills_older_pages(
        tmp_path: Path, alice: User, bob: User, team: str):
    from peers_tui.core.live_feed import LiveFeed

    for i in range(6):
        bob.ok("send", "team", f"old {i}")
    for i in range(2):
        alice.ok("send", "team", f"new {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    apply_records(here, team, messages[-2:], create=False, hub_order=True, store=store)
    skipping, reading = LiveFeed(store, store.last_rowid()), LiveFeed(store, store.last_rowid())
    skipping.history_wanted = False
    apply_records(here, team, messages[-5:-2], create=False, hub_order=True, store=store)
    assert [v.body for v in reading.read().views] == ["old 3", "old 4", "old 5"]
    assert skipping.read().views == []  # older than anything it had: the frontier's business
    alice.ok("send", "team", "live")  # a new message still comes, and so does the next page
    apply_records(here, team, [e for e in local_envelopes(alice, team) if e.table == "msg"][-1:]
                  + messages[:-5], create=False, hub_order=True, store=store)
    assert [v.body for v in skipping.read().views] == ["live"]
    assert sorted(v.body for v in reading.read().views) == ["live", "old 0", "old 1", "old 2"]
    assert backfill_state.finish(store) == []
    alice.ok("send", "team", "after")
    apply_records(here, team, [e for e in local_envelopes(alice, team) if e.table == "msg"][-1:],
                  create=False, hub_order=True, store=store)
    assert [v.body for v in skipping.read().views] == ["after"]
    store.close()
