"""A leaf's link over the hub's restart (docs/relay.md, "A link that drops after the hub's
restart (h-linkdrop)"). The hub's relay SIGKILLed (its nats-server dies with it) and started
again, as quickly as a relay starts here (~0.4 s): the leaf counted a cut only after three
failed probes (0.5-2.5 s), so its status read "up" (the up of before the kill) while the hub
was gone and while it was back but not linked yet, then "down" ("the hub A has been
unreachable for 0s") once the third probe failed, then up again: a join made when the link
read up was refused. The leaf's server logs its leafnode connection closed at once: a cut
from that moment, and the first "up" after the restart is the link of the new server.
Real relays and nats-servers on loopback; B's status file read every 10 ms on a thread."""

from __future__ import annotations

import json
import signal
import threading
import time

from tests.relay_helpers import Host, team_on_two_hosts, wait_for


class LinkWatch(threading.Thread):
    """B's link as its status file says it, every change with when it was read."""

    def __init__(self, leaf: Host) -> None:
        super().__init__(daemon=True)
        self.path = leaf.hub / ".relay" / "status.json"
        self.seen: list[tuple[float, bool, float]] = []  # (read at, up, since)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                link = json.loads(self.path.read_text())["link"]
            except (OSError, ValueError, KeyError):
                link = None
            if link is not None and (not self.seen or self.seen[-1][1:] != (
                    link["up"], link["since"])):
                self.seen.append((time.time(), link["up"], link["since"]))
            self.done.wait(0.01)

    def stop(self) -> list[tuple[float, bool, float]]:
        self.done.set()
        self.join()
        return self.seen


def test_the_leafs_link_after_the_hubs_restart_is_down_at_once_then_up_for_good(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        watch = LinkWatch(leaf)
        watch.start()
        try:
            killed = time.time()
            hub.stop(signal.SIGKILL)
            hub.start()
            wait_for(lambda: leaf.status()["link"]["up"], what="B's link again")
            joined = bob.run("join", code)  # at once: the link reads up
            time.sleep(1.5)  # three probes and more: a late cut would show
        finally:
            seen = watch.stop()
        changes = [(round(at - killed, 3), up, round(since - killed, 3)) for at, up, since in seen]
        # B's relay said the cut itself, at once (its own clock: 0.01-0.12 s, 0.65 s once at
        # load 21), before the hub was back: on main, three failed probes later (0.5-2.5 s),
        # which a hub back within ~0.5 s (a quiet machine) beat: B never said it (12 of 12)
        down = [since for _, up, since in changes if not up]
        assert down and down[0] < 1.0, changes
        # once up after the kill, up for good: the join that read it up went through
        ups = [i for i, (_, up, since) in enumerate(changes) if up and since > 0]
        assert ups and all(up for _, up, _ in changes[ups[0]:]), changes
        assert joined.code == 0, (joined.err, changes)
        assert joined.out.startswith("joined team"), joined.out
        assert [g["name"] for g in bob.ok("groups", "--json").json()] == ["personal", "team"]
