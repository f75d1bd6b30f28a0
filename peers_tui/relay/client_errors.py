"""What the relay's NATS client says when it cannot reach its own server.

nats-py's default error callback logs every failed reconnect with its traceback: four a second
while this host's nats-server is away (killed, or restarting for a token), a few hundred bytes
each, for as long as it stays away. The relay's own checks say what that means (the link down,
the server started again); this keeps one line a minute for each kind of error.
"""

from __future__ import annotations

import sys
import time

REPEAT_AFTER = 60.0


class ClientErrors:
    """`say` is an `error_cb` for nats.connect (which wants a coroutine function): one line
    on stderr per kind of error a minute."""

    def __init__(self, repeat_after: float = REPEAT_AFTER) -> None:
        self.repeat_after = repeat_after
        self.said: dict[str, float] = {}

    async def say(self, error: Exception) -> None:
        kind = type(error).__name__
        now = time.monotonic()
        if kind in self.said and now - self.said[kind] < self.repeat_after:
            return
        self.said[kind] = now
        print(f"peers relay: its NATS client: {kind}: {error}"[:300], file=sys.stderr, flush=True)


async def said_by_the_caller(error: Exception) -> None:
    """The `error_cb` of a one-shot client (`peers join`'s fetch, a membership change's request
    to the hub): nats-py's default printed a traceback ("nats: encountered error") when this
    host's nats-server did not answer; the caller says it in one line instead."""


# The connect options of a one-shot client. nats-py bounds its tries of a server that refuses
# the connection only by a positive `max_reconnect_attempts` (`allow_reconnect=False` ends a
# failed handshake, not a refused connect): with 0 it tried every 2 s for ever, and a `peers
# join` whose relay was killed after the join looked at its status waited until the relay was
# started again (eighth acceptance pass). 1 gives two tries, 0.1 s apart, then NoServersError.
ONE_SHOT = {"max_reconnect_attempts": 1, "reconnect_time_wait": 0.1, "allow_reconnect": False}


def why_unanswered(error: Exception) -> str:
    """Plain words for why a question to the hub's stream failed (a user read "(ServiceUnavailable
    Error)" when the hub died during a join: the tenth acceptance pass)."""
    kind = type(error).__name__
    if "ServiceUnavailable" in kind or "NoResponders" in kind:
        return "the hub's stream does not answer: its relay or nats-server is down, or the link to it"
    if "Timeout" in kind:
        return "no answer in time: the hub or the link to it is slow or down"
    if "NoServers" in kind or "ConnectionClosed" in kind:
        return "this host's relay (its nats-server) does not answer"
    return f"the hub's stream answered with an error ({kind})"


def in_words(error: Exception) -> str:
    """An error of the relay's background work in one line: a question to the hub's stream
    that went unanswered in words (a backfill while the hub was killed logged "backfill of ...:
    ServiceUnavailableError: nats: ServiceUnavailableError: code=None err_code=None
    description='None'": the twenty-fifth session's acceptance pass); anything else by its kind
    and text, for whoever reads the log."""
    import nats.errors

    from peers_tui.core.errors import PeersError

    if isinstance(error, (nats.errors.Error, TimeoutError)):
        return why_unanswered(error)
    if isinstance(error, PeersError):  # said in words already
        return str(error)[:300]
    return f"{type(error).__name__}: {str(error)[:300]}"
