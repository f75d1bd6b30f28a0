"""The message log's window model (LogWindow), without Textual: which messages are loaded as
the reader moves, how live and late messages merge in, following and unseen counts, and
where the reader has read up to. Windows are read from a real group file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.views import MessageView
from peers_tui.widgets.message_log import MAX_BUFFER, WINDOW, FetchMode, LogWindow
from peers_tui.widgets.message_log.window import HistorySource, fetch, first_window
from tests.conftest import User


@pytest.fixture
def history(alice: User, tmp_path: Path) -> HistorySource:
    """A group of 1000 imported messages "message 0".."message 999", oldest first."""
    alice.ok("create", "big")
    rows = [json.dumps({"id": f"m{i:07d}", "author": "old", "body": f"message {i}",
                        "created_at": 1_700_000_000 + i}) for i in range(1000)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n")
    alice.ok("import", "big", str(tmp_path / "many.jsonl"))
    account = Account(alice.home, alice.hub)
    return account.store(account.resolve("big"))


def numbers(window: LogWindow) -> list[int]:
    return [int(view.body.split()[1]) for view in window.views]


def opened(source: HistorySource, height: int = 30, on_unseen=None) -> LogWindow:
    """A window as the log opens a group: reset, then the newest screenful read."""
    window = LogWindow(on_unseen)
    window.reset(None, "me")
    limit = first_window(height)
    window.loading = True
    window.apply_window(FetchMode.RECENT, fetch(source, FetchMode.RECENT, None, limit), None, limit)
    return window


def load(window: LogWindow, source: HistorySource, mode: FetchMode, anchor: str | None) -> None:
    window.loading = True
    window.apply_window(mode, fetch(source, mode, anchor, WINDOW), anchor, WINDOW)


def test_opening_reads_one_screenful_of_the_newest_and_follows_them(history):
    window = opened(history, height=30)
    assert numbers(window) == list(range(969, 1000))  # 30 lines + FIRST_SCREEN
    assert window.loaded and not window.loading
    assert window.at_newest and not window.at_oldest and window.tailing
    assert window.read_up_to() == window.views[-1]
    assert window.next_fetch(near_top=False, near_bottom=True) is None  # nothing newer
    assert first_window(0) == WINDOW  # no height yet: a whole window


def test_a_small_group_is_whole_at_once(alice: User, team):
    for i in range(3):
        alice.ok("send", "team", f"hi {i}")
    account = Account(alice.home, alice.hub)
    window = opened(account.store(account.resolve("team")))
    assert [v.body for v in window.views] == ["hi 0", "hi 1", "hi 2"]
    assert window.at_oldest and window.at_newest
    assert window.next_fetch(near_top=True, near_bottom=True) is None


def test_scrolling_back_extends_the_window_and_drops_the_far_side(history):
    window = opened(history)
    while True:
        wanted = window.next_fetch(near_top=True, near_bottom=False)
        if wanted is None:
            break
        mode, anchor = wanted
        assert mode is FetchMode.OLDER and anchor == window.views[0].id
        load(window, history, mode, anchor)
        first = numbers(window)[0]
        assert numbers(window) == list(range(first, first + len(window.views)))  # no gap
        assert len(window.views) <= MAX_BUFFER
    assert window.at_oldest and numbers(window)[:2] == [0, 1]
    assert not window.at_newest and len(window.views) == MAX_BUFFER  # the newest were dropped
    assert window.read_up_to() is None  # not tailing: the reader is not at the newest
    mode, anchor = window.next_fetch(near_top=False, near_bottom=True)
    assert (mode, anchor) == (FetchMode.NEWER, window.views[-1].id)
    load(window, history, mode, anchor)
    assert numbers(window) == list(range(WINDOW, WINDOW + MAX_BUFFER))
    assert not window.at_oldest


def test_no_second_fetch_while_one_is_under_way(history):
    window = opened(history)
    window.loading = True
    assert window.next_fetch(near_top=True, near_bottom=True) is None


def test_a_jump_reads_a_window_around_the_message_and_the_ends(history):
    window = opened(history)
    oldest = fetch(history, FetchMode.OLDEST, None, WINDOW)
    target = next(v.id for v in oldest if v.body == "message 30")
    window.following = False
    load(window, history, FetchMode.AROUND, target)
    assert target in {v.id for v in window.views}
    assert window.at_oldest and not window.at_newest  # 30 before it: fewer than half a window
    load(window, history, FetchMode.OLDEST, None)
    assert numbers(window) == list(range(WINDOW)) and window.at_oldest
    window.restart()
    stale = window.generation - 1
    assert not window.is_current(stale) and window.is_current(window.generation)
    load(window, history, FetchMode.RECENT, None)
    assert window.tailing and window.unseen == 0  # the newest again: following them


def test_reset_drops_the_window_and_makes_fetches_in_flight_stale(history):
    window = opened(history)
    before = window.generation
    window.highlight_id = window.views[0].id
    window.following = False
    window.reset("m0000005", "bob")
    assert not window.is_current(before)
    assert (window.views, window.loaded, window.highlight_id) == ([], False, None)
    assert window.following and (window.read_marker, window.me) == ("m0000005", "bob")


def later(view: MessageView, id: str, rowid: int, body: str = "new") -> MessageView:
    """A message stored after `view` (a higher rowid) with the given id."""
    return view.replace(id=id, rowid=rowid, body=body)


def test_live_messages_append_while_following(history):
    window = opened(history)
    last = window.views[-1]
    merge = window.merge_live([later(last, last.id + "1", last.rowid + 1)], last.id)
    assert (merge.appended_from, merge.changed, merge.below) == (31, False, 0)
    assert window.views[-1].id == last.id + "1" and window.unseen == 0
    assert window.read_up_to() == window.views[-1]


def test_a_changed_message_is_replaced_in_place(history):
    window = opened(history)
    edited = window.views[5].replace(body="message 974 (edited)", edited=True)
    merge = window.merge_live([edited], window.views[-1].id)
    assert merge.changed and window.views[5].edited and len(window.views) == 31


def test_the_same_message_again_changes_nothing(history):
    """The sender's own message comes twice (its echo, its live feed): no layout the second
    time."""
    window = opened(history)
    again = window.views[-1].replace()
    merge = window.merge_live([again], window.views[-1].id)
    assert (merge.appended_from, merge.changed, merge.below) == (31, False, 0)
    assert len(window.views) == 31


def test_a_late_arrival_goes_in_its_place_by_id_and_is_read_by_arrival(history):
    window = opened(history)
    newest = window.views[-1]
    late = later(window.views[10], window.views[10].id + "0", newest.rowid + 1, "late")
    merge = window.merge_live([late], newest.id)
    assert merge.changed  # went in before the newest: the lines after it move down
    assert window.views[11].body == "late" and window.views[-1] == newest
    assert window.read_up_to() == late  # stored last: read up to it, though its id is older


def test_looking_back_counts_what_arrives_below_and_catching_up_clears_it(history):
    counts: list[int] = []
    window = opened(history, on_unseen=counts.append)  # the widget posts UnseenChanged
    window.following = False
    last = window.views[-1]
    seen = window.views[20].id  # the last message on screen
    above = later(window.views[15], window.views[15].id + "0", last.rowid + 1, "above")
    below = later(last, last.id + "1", last.rowid + 2)
    merge = window.merge_live([above, below], seen)
    assert merge.below == 1 and window.unseen == 1 and counts == [1]
    assert window.read_up_to() is None  # not following: nothing read
    assert window.reached_bottom() is True  # back at the bottom: caught up, read moves
    assert (window.following, window.unseen, counts) == (True, 0, [1, 0])
    assert window.reached_bottom() is False  # already there: nothing new to report
    window.unseen = 0
    assert counts == [1, 0]  # told of changes only


def test_messages_outside_the_window_wait_until_the_reader_gets_there(history):
    window = opened(history)
    load(window, history, FetchMode.OLDEST, None)
    window.following = False
    assert not window.at_newest
    newest = fetch(history, FetchMode.RECENT, None, 1)[0]
    beyond = later(newest, newest.id + "1", newest.rowid + 1)
    older = later(window.views[0], "0", 1)  # older than the window, which holds the oldest
    merge = window.merge_live([beyond], window.views[-1].id)
    assert merge.below == 1 and window.unseen == 1  # counted, not loaded
    assert beyond not in window.views and len(window.views) == WINDOW
    assert window.covers(older.id)  # at the oldest: an older id does belong here
    window.at_oldest = False
    assert not window.covers(older.id)
    window.merge_live([older], window.views[-1].id)
    assert older not in window.views  # fetched with its neighbours when scrolled to


def test_trimming_keeps_the_side_the_reader_is_on(history):
    window = opened(history)
    window.views = fetch(history, FetchMode.OLDEST, None, WINDOW) * 5  # 500 held
    window.at_oldest = window.at_newest = True
    window.trim(keep="newest", slack=WINDOW)
    assert len(window.views) == MAX_BUFFER - WINDOW and not window.at_oldest and window.at_newest
    window.views = window.views * 2
    window.trim(keep="oldest")
    assert len(window.views) == MAX_BUFFER and not window.at_newest


def view(id: str, rowid: int, author: str = "bob") -> MessageView:
    return MessageView(id=id, author_id=author, author=author, fingerprint=author[:8], body=id,
                       created_at=1_700_000_000_000, kind="text", verified=True, rowid=rowid)


def test_the_new_messages_line_goes_above_the_first_unread_by_arrival_not_by_own():
    window = LogWindow()
    window.reset("b", "me")
    window.apply_window(FetchMode.RECENT, [view("a", 1), view("b", 2), view("c", 3, "me"),
                                           view("d", 4)], None, 10)
    assert window.marker_index() == 3  # "c" is the reader's own: not new to them
    window.views.insert(1, view("a1", 5))  # stored after "b" was read, with an older id
    assert window.marker_index() == 1
    window.read_marker = "0"  # read before anything in the window: no line between
    assert window.marker_index() is None
    window.read_marker = "zzz"  # read past the window, the marker's row not loaded: by id
    assert window.marker_index() is None
    window.read_marker = None
    assert window.marker_index() is None


def test_reaching_the_bottom_does_not_follow_while_an_older_message_is_selected(history):
    """Selection mode moves the view with the selection: the view still at its bottom line
    (the selection only moved up within it) must not snap back to the newest messages."""
    window = opened(history)
    window.following = False
    window.selected_id = window.views[-5].id
    assert not window.reached_bottom() and not window.following
    window.selected_id = window.views[-1].id  # the newest selected: following resumes
    window.reached_bottom()
    assert window.following


def test_a_live_message_merged_while_the_window_is_read_again_stays(alice: User, team):
    """The read in flight was made before the message was stored; its result replaces the
    window with the message merged in again, and a read started before it is stale."""
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    alice.ok("send", "team", "first")
    window = opened(store)
    window.begin_read(FetchMode.RECENT)
    superseded = window.generation
    window.begin_read(FetchMode.RECENT)
    assert not window.is_current(superseded) and window.loading
    read = fetch(store, FetchMode.RECENT, None, WINDOW)
    alice.ok("send", "team", "live")
    window.merge_live([v for v in fetch(store, FetchMode.RECENT, None, WINDOW)
                       if v.body == "live"], None)
    window.apply_window(FetchMode.RECENT, read, None, WINDOW)
    assert [v.body for v in window.views] == ["first", "live"]
    assert window.tailing and window.unseen == 0 and not window.loading
    window.merge_live([], None)  # no read under way now: nothing is kept aside
    load(window, store, FetchMode.RECENT, None)
    assert [v.body for v in window.views] == ["first", "live"]
