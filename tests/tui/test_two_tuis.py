"""Two users' real TUIs side by side in tmux: what one types reaches the other's screen."""

from __future__ import annotations

from tests.conftest import User
from tests.tmux_helpers import Tmux, needs_tmux


@needs_tmux
def test_a_message_sent_as_the_other_tui_opens_reaches_it(alice: User, bob: User, team):
    """Alice sends the moment bob's TUI has painted the group: the commit falls between bob
    reading where the live feed starts and the hub watcher taking its first look."""
    alice.ok("send", "team", "hello bob, anyone there?")
    tmux = Tmux()
    try:
        tmux.open("alice", alice, "open", "team", size=(100, 30))
        tmux.wait_for("alice", lambda s: "anyone there?" in s and "Message team" in s,
                      what="alice's TUI")
        tmux.type("alice", "sent as bob opens")
        tmux.wait_for("alice", lambda s: "sent as bob opens" in s, what="alice's draft")
        tmux.open("bob", bob, "open", "team", size=(100, 30))
        tmux.wait_for("bob", lambda s: "anyone there?" in s, timeout=30, what="bob's TUI")
        tmux.keys("alice", "Enter")
        tmux.wait_for("alice", lambda s: "alice │ sent as bob opens" in s, timeout=10,
                      what="alice's own message")
        tmux.wait_for("bob", lambda s: "alice │ sent as bob opens" in s, timeout=5,
                      what="the message on bob's screen")
    finally:
        tmux.close()


async def test_a_commit_before_the_hub_watcher_starts_is_shown(alice: User, bob: User, team,
                                                               monkeypatch):
    """Deterministic form of the race above: another process commits after the chat screen
    read where its live feed starts and before the hub watcher's first look."""
    from peers_tui.services.hub_watch import HubWatcher
    from tests.tui_helpers import log_bodies, make_app, wait_for

    watch_all = HubWatcher.watch_all

    def commit_first(watcher: HubWatcher) -> None:
        bob.ok("send", "team", "committed in between")
        monkeypatch.setattr(HubWatcher, "watch_all", watch_all)  # once
        watch_all(watcher)

    monkeypatch.setattr(HubWatcher, "watch_all", commit_first)
    app = make_app(alice, "team")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: log_bodies(app) == ["committed in between"], timeout=5)
