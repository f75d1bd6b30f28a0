"""Another leaf's messages while a leaf floods the hub over made-up groups (docs/relay.md,
"Bounds on what a leaf can make the hub store").

Three hosts on loopback (benchmarks.relay_hosts: A hub, B and C leaves, real relays). A
client holding B's link publishes `--records` forged records, each to a group of its own,
into B's inbound stream while the hub runs; meanwhile carol on C sends a message every
`--every` seconds and the time from her `peers send` starting to the message in alice's
`peers log` on A is taken, beside the same before the flood. Also the hub relay's CPU from
the flood's start until B's stream is drained.

    python -m benchmarks.relay_flood --records 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.relay_hosts import Federation, build, proc_cpu_s


def _flood(fed: Federation, records: int) -> None:
    import nats

    from peers_tui.core.kinds import RecordKind
    from peers_tui.relay.config import client_url, inbox_prefix, load_config
    from peers_tui.relay.envelope import Envelope, in_subject
    from peers_tui.testing.forge import Forger

    b = fed.hosts["B"]
    mallory = Forger(b.user("mallory"))
    flood = []
    for n in range(records):
        made_up = f"{n:06d}" + fed.group_id[6:]
        record = mallory.sign(RecordKind.MSG, made_up, {"body": f"flood {n}"})
        flood.append(Envelope(made_up, "msg", record.text, record.sig, None, "B"))

    async def publish() -> None:
        nc = await nats.connect(client_url(load_config(b.hub)), inbox_prefix=inbox_prefix("B"))
        js = nc.jetstream(domain="hub")
        for start in range(0, records, 200):
            await asyncio.gather(*[js.publish(in_subject("B", e.group_id), e.payload(),
                                              headers=e.headers(), timeout=10.0)
                                   for e in flood[start:start + 200]], return_exceptions=True)
        await nc.close()

    asyncio.run(publish())


def _backlog(fed: Federation) -> int:
    """Records in B's inbound stream at the hub, read with the hub relay's credential."""
    import nats

    from peers_tui.relay.config import client_url, load_config
    from peers_tui.relay.inbound import leaf_stream

    async def read() -> int:
        nc = await nats.connect(client_url(load_config(fed.hosts["A"].hub)))
        try:
            return int((await nc.jetstream().stream_info(leaf_stream("B"))).state.messages)
        finally:
            await nc.close()

    return asyncio.run(read())


def _delivery(fed: Federation, body: str) -> float:
    a, c = fed.hosts["A"], fed.hosts["C"]
    start = time.monotonic()
    c.peers("send", "bench-relay", body, home=fed.homes["C"])
    while time.monotonic() - start < 120:
        log = a.peers("log", "bench-relay", "--json", "--limit", "50", home=fed.homes["A"]).stdout
        if any(json.loads(line).get("body") == body for line in log.splitlines() if line):
            return time.monotonic() - start
    raise RuntimeError(f"{body!r} did not reach A")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peers-flood-") as tmp:
        fed = build(Path(tmp))
        try:
            quiet = [_delivery(fed, f"quiet {n}") for n in range(3)]
            hub_pid = fed.hosts["A"].relay_pid()
            cpu, start = proc_cpu_s(hub_pid), time.monotonic()
            flooding = threading.Thread(target=_flood, args=(fed, args.records))
            flooding.start()
            time.sleep(0.5)
            during = [_delivery(fed, f"during {n}") for n in range(args.samples)]
            flooding.join()
            while _backlog(fed):
                time.sleep(0.1)
            drained, cpu = time.monotonic() - start, proc_cpu_s(hub_pid) - cpu
        finally:
            fed.close()
    load: Any = Path("/proc/loadavg").read_text().split()[:3]
    print(f"records {args.records}: C -> A before the flood {_seconds(quiet)}, during it "
          f"{_seconds(during)}; B's stream drained after {drained:.1f} s, hub relay CPU "
          f"{cpu:.1f} s; load {' '.join(load)}")


def _seconds(values: list[float]) -> str:
    return "[" + ", ".join(f"{value:.2f}" for value in values) + "] s"


if __name__ == "__main__":
    main()
