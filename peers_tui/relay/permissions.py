"""What a leaf host may do on the hub's nats-server, in one place.

Each leaf's token is a user of the hub's server with its own permissions. Without them any
leaf could publish anything across its link: another host's records into `peers.in.<C>.*`
(the hub would quarantine them in C's name), records straight into `peers.fed.>` (past the
hub's checks), or JetStream API calls that delete or purge the federation's streams.

Directions, measured with nats-server 2.15.1: on a leaf connection `publish` is what the leaf
may send to the hub (publishes and requests), `subscribe` what the hub may send to the leaf
(replies, consumer deliveries). A subject the leaf may not send gets "no responders" at once
from the leaf's own server, which learns the hub's permissions at connect time.

A leaf may send only:
- its own host's subjects: records into `PEERS_IN_<host>` on `peers.in.<host>.>`, membership
  proposals on `peers.order.<host>.>`, its presence on `peers.presence.<host>`, its question
  for the hub's refusals of its records on `peers.refusals.<host>`, its ping of the hub's
  relay on `peers.ping.<host>`, its joins' question whether an invite is on its way on
  `peers.transit.<host>`;
- read-only JetStream API calls through the `hub` domain: the account info the link probe
  asks for, stream info, consumers (create, next batch, delete by name) and message gets on
  the streams it reads, and the flow-control replies of its ordered consumers (`$JS.FC.<stream>.>`: without
  them a consumer stalls after a few megabytes).
It may receive only replies and deliveries under its own inbox prefix (`_INBOX_<host>.>`,
which every client on that host that talks across the link connects with): it cannot answer
another host's request (a membership proposal, say) in the hub's place, nor read the replies
and deliveries meant for another host (its JetStream fetches, the sequencer's answers).

Subject permissions cannot bound the consumers a leaf creates (their number, durability,
lifetime and deliver subject are in the request's body): the hub's relay does
(consumer_guard.py).

Subjects a new feature needs go into `LEAF_SENDS` / `LEAF_READS` / `LEAF_RECEIVES` below.
"""

from __future__ import annotations

import json

from peers_tui.relay.config import HUB_DOMAIN, inbox_prefix
from peers_tui.relay.envelope import FED_STREAM

API = f"$JS.{HUB_DOMAIN}.API"
PRESENCE_STREAM = "PEERS_PRESENCE"

# Subjects of the leaf's own host ("{host}" is its name): no leaf speaks for another.
LEAF_SENDS = (
    "peers.in.{host}.>",        # its records, into its stream PEERS_IN_<host> (inbound.py)
    "peers.order.{host}.>",     # its membership proposals to the hub's sequencer
    "peers.presence.{host}",    # who is present on its host
    "peers.refusals.{host}",    # the hub's refusals of its records it missed (hub_refusals.py)
    "peers.ping.{host}",        # whether the hub's relay answers, not only its server (hub_heard.py)
    "peers.transit.{host}",     # whether a join's invite is on its way here (invite_transit.py)
)
# Streams a leaf reads: info, consumers, message gets, flow control. Never delete or purge,
# never another stream's consumers, never a stream of its own making.
LEAF_READS = (FED_STREAM, PRESENCE_STREAM)
LEAF_API = (
    f"{API}.INFO",              # the link probe (link.py)
)
# What the hub may send the leaf: replies, publish acks and consumer deliveries, all under the
# leaf's own inbox prefix (config.inbox_prefix), never another host's.
LEAF_RECEIVES = (
    "{inbox}.>",
)


def _stream_reads(stream: str, api: str = API) -> list[str]:
    return [f"{api}.STREAM.INFO.{stream}",
            f"{api}.CONSUMER.CREATE.{stream}",        # nats-py's ephemeral consumers
            f"{api}.CONSUMER.CREATE.{stream}.>",      # named / filtered ones
            f"{api}.CONSUMER.INFO.{stream}.*",
            # Its own consumers, once read through (pages.py): a consumer is deleted by its
            # name, which only its maker knows (no leaf lists consumers, nor receives another
            # host's deliveries or the advisories that name them).
            f"{api}.CONSUMER.DELETE.{stream}.*",
            f"{api}.CONSUMER.MSG.NEXT.{stream}.*",    # pull consumers' next batch
            f"{api}.STREAM.MSG.GET.{stream}",
            f"{api}.DIRECT.GET.{stream}",
            f"{api}.DIRECT.GET.{stream}.>",
            f"$JS.FC.{stream}.>"]


def leaf_may_send(host: str) -> list[str]:
    """Every subject leaf `host` may publish or request on across its link."""
    own = [subject.format(host=host) for subject in LEAF_SENDS]
    return own + list(LEAF_API) + [s for stream in LEAF_READS for s in _stream_reads(stream)]


def leaf_permissions(host: str) -> dict[str, dict[str, list[str]]]:
    """The `permissions` of leaf `host`'s user on the hub's server."""
    return {"publish": {"allow": leaf_may_send(host)},
            "subscribe": {"allow": [subject.format(inbox=inbox_prefix(host))
                                    for subject in LEAF_RECEIVES]}}


def leaf_user(host: str, password: str) -> str:
    """Leaf `host`'s entry in the hub's `authorization { users }` (nats config syntax; JSON
    strings are valid quoted strings there): leaf connections only, with its permissions."""
    return (f"{{user: {json.dumps(host)}, password: {json.dumps(password)}, "
            f"allowed_connection_types: [\"LEAFNODE\"], "
            f"permissions: {json.dumps(leaf_permissions(host))}}}")


def local_permissions(hub_name: str, role: str = "hub") -> dict[str, dict[str, list[str]]]:
    """The `permissions` of a host's other local processes (every Unix user of the host, who
    connect without credentials): nothing, on a leaf (its server carries what its relay
    sends across the link and what the hub sends back: any other process publishing or
    listening there spoke for the relay; sixteenth attack pass) and on the hub alike (a
    local user read every group of the federation's streams, those it is no member of too;
    what it needed them for, a join's fetch, the relay does for it now: desk.py,
    h-leafusers). Only the relay, with its credential, publishes, reads and answers."""
    return {"publish": {"deny": [">"]}, "subscribe": {"deny": [">"]}}
