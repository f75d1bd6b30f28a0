"""A leaf host turned hostile keeps consumers on the hub's streams: unbounded, durable, idle
for hours, or delivering where the hub acts on what arrives (relay/consumer_guard.py).

Same three hosts as test_relay_attacks.py; the attacker holds leaf B and works through a
client on B's own server, across B's leaf link, as B's relay does.
"""

from __future__ import annotations

from typing import Any

from peers_tui.relay.envelope import FED_STREAM, fed_subject
from tests.cli.test_relay_attacks import crosses, three, through  # noqa: F401 (a fixture)
from tests.relay_helpers import federation, stop_all, wait_for


def test_a_leaf_cannot_keep_unbounded_or_stray_consumers_on_the_hub(three):
    """Leaf B creates, on the federation stream it may read: a durable consumer, one kept an
    hour without a reader, one delivering into the hub's sequencer in A's name, and QUOTA + 20
    ordinary ones. The hub's relay removes the first three and every one over B's quota."""
    from nats.js.api import ConsumerConfig

    from peers_tui.relay.consumer_guard import MAX_INACTIVE, QUOTA

    hosts, group_id = three
    hub, b, _ = hosts
    subject = fed_subject(group_id, "msg")
    extra = 20

    async def attack(nc: Any, js: Any) -> None:
        strays = [ConsumerConfig(name="keeps", durable_name="keeps", filter_subject=subject),
                  ConsumerConfig(name="lingers", inactive_threshold=3600, filter_subject=subject),
                  ConsumerConfig(deliver_subject=f"peers.order.A.{group_id}",
                                 filter_subject=subject)]
        for config in strays:
            await js.add_consumer(FED_STREAM, config)
        for _ in range(QUOTA + extra):
            await js.add_consumer(FED_STREAM, ConsumerConfig(inactive_threshold=MAX_INACTIVE - 5,
                                                             filter_subject=subject))

    def on_the_hub() -> list[Any]:
        async def listed(nc: Any, js: Any) -> None:
            offset = 0
            while page := await js.consumers_info(FED_STREAM, offset=offset):
                found.extend(info.config for info in page)
                offset += len(page)

        found: list[Any] = []
        assert through(hub, listed) == "done"
        return found

    assert through(b, attack) == "done"  # the hub's server takes every one of them at first

    def bounded() -> bool:
        configs = on_the_hub()
        ordinary = [c for c in configs if c.inactive_threshold == MAX_INACTIVE - 5]
        strays = [c for c in configs if c.durable_name or (c.inactive_threshold or 0) > MAX_INACTIVE
                  or (c.deliver_subject or "_INBOX_").startswith("peers.")]
        return len(ordinary) <= QUOTA and not strays

    wait_for(bounded, what="the hub's relay to remove B's stray consumers and those over quota")
    crosses(hosts, "still federated")
    wait_for(lambda: "consumer(s) of leaf B on the hub: over its quota" in hub.stderr(),
             what="the hub's report")


def test_the_hub_caps_the_consumers_of_its_streams_also_those_made_before(tmp_path):
    """Every stream a leaf reads carries max_consumers (the bound while the hub's relay has
    not yet seen a consumer's creation), also a stream made by a relay without it."""
    from peers_tui.relay.consumer_guard import STREAM_CAP
    from peers_tui.relay.permissions import LEAF_READS

    [hub] = federation(tmp_path, ("A",))
    caps: dict[str, int] = {}

    async def read_caps(nc: Any, js: Any) -> None:
        for stream in LEAF_READS:
            caps[stream] = (await js.stream_info(stream)).config.max_consumers

    async def uncap(nc: Any, js: Any) -> None:  # as a relay of yesterday made it
        for stream in LEAF_READS:
            config = (await js.stream_info(stream)).config
            config.max_consumers = -1
            await js.update_stream(config)

    try:
        hub.start()
        wait_for(lambda: through(hub, read_caps) == "done", what="both streams")
        assert caps == {stream: STREAM_CAP for stream in LEAF_READS}
        assert through(hub, uncap) == "done"
        hub.stop()
        hub.start()
        wait_for(lambda: through(hub, read_caps) == "done"
                 and caps == {stream: STREAM_CAP for stream in LEAF_READS}, what="the caps back")
        assert hub.process is not None and hub.process.poll() is None
    finally:
        stop_all([hub])


def test_a_leaf_drops_the_pull_consumers_it_has_read_through(three):
    """A backfill's page is a pull consumer the leaf deletes when the page is read (pages.py).
    It may delete a consumer by its name, which only its maker knows (a leaf can neither list
    consumers nor receive another host's deliveries or advisories): without that, every page
    kept a consumer on the hub for 20 s, and a few groups walked at once filled the quota."""
    from peers_tui.relay.pages import read_range

    hosts, group_id = three
    hub, b, _ = hosts
    subject = fed_subject(group_id, "msg")

    async def read_pages(nc: Any, js: Any) -> None:
        for _ in range(3):
            assert [position for position, _ in await read_range(js, subject, 1, 10_000)]

    def pulls_on_the_hub() -> int:
        async def listed(nc: Any, js: Any) -> None:
            found.extend(info for info in await js.consumers_info(FED_STREAM)
                         if info.config.deliver_subject is None)

        found: list[Any] = []
        assert through(hub, listed) == "done"
        return len(found)

    assert through(b, read_pages) == "done"
    assert pulls_on_the_hub() == 0
