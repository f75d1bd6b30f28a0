"""A backfill's pages applied newest first (relay/backfill_state.py and apply.py under a
frontier), without NATS: changes that arrive before the message they change, and the end."""

from __future__ import annotations

from dataclasses import replace
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


def newest_two_received(tmp_path: Path, alice: User, bob: User,
                        team: str) -> tuple[Path, GroupStore, list[Envelope]]:
    """Six old messages of bob's and two new of alice's; a joining host that has received
    the newest two so far (joining_host's returns)."""
    for i in range(6):
        bob.ok("send", "team", f"old {i}")
    for i in range(2):
        alice.ok("send", "team", f"new {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    apply_records(here, team, messages[-2:], create=False, hub_order=True, store=store)
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

    here, store, messages = newest_two_received(tmp_path, alice, bob, team)
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


def test_a_record_refused_in_a_page_lowers_no_floor_under_its_authors_genuine_ones(
        tmp_path: Path, alice: User, bob: User, team: str):
    """Only a record that opens (its signature good) tells where its author's chain reached:
    a forged copy of bob's first message in the newest page must not pull bob's floor down,
    which would make his newest genuine message wait for places "missing" below it."""
    for i in range(4):
        bob.ok("send", "team", f"bob {i}")
    here, store, messages = joining_host(tmp_path, alice, team)
    bobs = [e for e in messages if '"body":"bob ' in e.text]
    sig = bytearray(bobs[0].sig)
    sig[0] ^= 1
    forged = replace(bobs[0], sig=bytes(sig))
    outcome = apply_records(here, team, [forged, bobs[-1]], create=False, hub_order=True, store=store)
    assert outcome is not None
    assert [(e.text, reason) for e, reason in outcome.refused] == [(forged.text, "bad signature")]
    assert outcome.applied == [bobs[-1]] and not outcome.waiting
    assert [v.body for v in store.recent(50) if v.body.startswith("bob")] == ["bob 3"]
    store.close()


def test_a_joined_group_appears_in_the_hub_whole_with_its_frontier_open(
        tmp_path: Path, alice: User, bob: User, team: str, monkeypatch):
    """`peers join` makes a group new here beside the hub and links it in whole: a relay
    listing the hub never finds its file holding a genesis without the frontier (it took such
    a file for a group with no backfill under way and applied all of it at once)."""
    from peers_tui.core import frontier
    from peers_tui.relay.fetch import apply_join
    from peers_tui.relay.pages import Bounds

    for i in range(6):
        (alice if i % 2 else bob).ok("send", "team", f"message {i}")
    envelopes = local_envelopes(alice, team)
    messages = [e for e in envelopes if e.table == "msg"]
    here = tmp_path / "C"
    here.mkdir()
    final = here / f"{team}.db"
    seen: list[bool] = []
    begin = backfill_state.begin
    monkeypatch.setattr(backfill_state, "begin",
                        lambda *args, **kwargs: (seen.append(final.exists()), begin(*args, **kwargs)))
    outcome = apply_join(here, team, [e for e in envelopes if e.table != "msg"], messages[-3:],
                         low=90, found=Bounds(10, 100, len(messages)))
    assert seen == [False] and not outcome.refused and not outcome.waiting
    assert [p.name for p in here.iterdir()] == [final.name]  # nothing left beside it
    store = GroupStore(final, team)
    state = frontier.of(store)
    assert state is not None and state.received == 3 and state.total == len(messages)
    assert [v.body for v in store.recent(50)] == ["message 3", "message 4", "message 5"]
    assert all(v.verified for v in store.recent(50))
    store.close()


def test_a_signed_change_with_a_field_no_column_can_hold_is_refused_alone(
        tmp_path: Path, alice: User, bob: User, team: str):
    """A member may sign a deletion whose (unchecked) body is a list: SQLite cannot store it,
    and the page's insert failed as a whole, every time (a walk, or a group's live records,
    held up for good). It is refused on its own; the rest of the page goes in."""
    from peers_tui.core.encoding import now_ms
    from peers_tui.core.ids import new_ulid, ulid_text
    from peers_tui.testing.forge import Forger

    bob.ok("send", "team", "to delete")
    target = [m for m in alice.ok("log", "team", "--json").json() if m["body"] == "to delete"][0]["id"]
    db = alice.hub / f"{team}.db"
    forger = Forger(bob.home)
    aseq, previous = forger.chain_head(db)
    now = now_ms()
    record = forger.sign("msg", team, {
        "id": ulid_text(new_ulid(now)), "type": "delete", "target": target, "body": [1],
        "aseq": aseq + 1, "aprev": previous, "mseq": Forger.membership_head(db)[0]}, t=now)
    here, store, messages = joining_host(tmp_path, alice, team)
    odd = Envelope(team, "msg", record.text, record.sig, None, "A")
    outcome = apply_records(here, team, messages + [odd], create=False, hub_order=True, store=store)
    assert outcome is not None
    assert [(e, reason) for e, reason in outcome.refused] == [
        (odd, "malformed delete record (a field no column can hold)")]
    assert outcome.applied == messages and not outcome.waiting
    assert [v.body for v in store.recent(50)][-1] == "to delete"
    store.close()
