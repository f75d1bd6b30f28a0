"""The relay's desk: what every Unix user of this host asks of the federation's hub through
the relay, on a Unix socket in the hub directory (docs/relay.md, "Every user of a leaf").

The relay's state (`<hub>/.relay/`, 0700: its credential) is its Unix user's alone, and its
nats-server admits only that credential: the others are served at `<hub>/.relay-desk.sock`
(0666 in a hub only its group may enter; a client trusts only a socket of the owner of
`.relay/`: desk_client.py). One request a connection, one JSON line each way:

  {"op": "ask", "group", "change": {"text", "sig", "cosig"} | null, "headers": {...}}
      a signed membership change proposed to the hub's sequencer, or (no change) the
      question where the hub cuts a member's chain: forwarded over the relay's own link;
      the answer is the hub's ({"answer": {...}}), or why there is none ("down": the link
      is down, with how long; "unreachable"; "no_answer": asked, unanswered in time)
  {"op": "hold", "group", "change"}   a handle change kept for the hub (held.py)
  {"op": "fetch" | "drop" | "done" | "transit", ...}   for a join: desk_joins.py

Each request is checked as a record from another host is before anything goes on: a change
must be a well-formed membership record of that group with a valid signature of its author
(the hub checks the rest: roles, chain, invites), headers only those a leaf's own requests
carry, a request at most MAX_REQUEST bytes read within READ_TIMEOUT, at most MAX_CLIENTS at
once and MAX_PER_UID of one uid; garbage gets {"refused": reason} (the asking uid, from
SO_PEERCRED, named on the relay's stderr) and a closed connection, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from peers_tui.relay.config import RelayError
from peers_tui.relay.desk_client import DESK_FILE, MAX_REQUEST
from peers_tui.relay.desk_checks import (
    Refused, change as _change, envelope_action, group as _group, headers as _headers,
    new_handle_change, only_a_question, peer_uid as _peer_uid, signed_by as _author,
)
from peers_tui.relay.desk_joins import DeskJoins

if TYPE_CHECKING:
    from peers_tui.relay.config import RelayConfig
    from peers_tui.relay.link import LinkState


class Relay(Protocol):
    """What the desk needs of the relay (runner.Relay), named here: no import of the runner."""

    hub: Path
    config: RelayConfig
    is_hub: bool
    link: LinkState
    relinked: asyncio.Event

READ_TIMEOUT = 5.0
ASK_TIMEOUT = 3.0       # as ordering.REQUEST_TIMEOUT: the client waits a little longer
MAX_CLIENTS = 16
MAX_PER_UID = 4         # one user's slow or many connections leave the others served


def desk_path(hub: Path) -> Path:
    return hub / DESK_FILE


class Desk:
    """The relay's Unix socket for the other users of its host (see the module's text).

    Served on a thread of its own, with an event loop and a NATS connection of its own (the
    relay's credential), as the relay's own user's commands ask the hub from their own
    process: the user asking holds its group file's write lock until the answer, and the
    relay's loop may wait on that lock meanwhile (its intake applying the group's records:
    a desk on that loop answered only once SQLite's busy wait ran out, 5 s)."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.nc: Any = None
        self.relay_loop: asyncio.AbstractEventLoop | None = None
        self.joins = DeskJoins(relay, MAX_CLIENTS)  # fetch, drop, done, transit
        self.per_uid: dict[int | None, int] = {}  # requests under way, by the asking uid

    async def start(self) -> None:
        """Listen at `<hub>/.relay-desk.sock` (a stale one of ours replaced). One that is not
        ours (planted by another user of a sticky hub) stays: said, and no desk then."""
        path = desk_path(self.relay.hub)
        try:
            info = os.lstat(path)
            if info.st_uid != os.geteuid() or not stat.S_ISSOCK(info.st_mode):
                raise RelayError(f"{path} is not this relay's (uid {info.st_uid}); remove it "
                                 "and restart the relay: other users of this host cannot reach "
                                 "the hub meanwhile")
            path.unlink()
        except FileNotFoundError:
            pass
        except (OSError, RelayError) as exc:
            print(f"peers relay: no desk for this host's users: {exc}", file=sys.stderr, flush=True)
            return
        self.relay_loop = asyncio.get_running_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main(path, ready)),
                                       name="peers-relay-desk", daemon=True)
        self.thread.start()
        await asyncio.to_thread(ready.wait, 10)

    async def _main(self, path: Path, ready: threading.Event) -> None:
        import nats

        from peers_tui.relay.client_errors import ClientErrors
        from peers_tui.relay.config import client_url, inbox_prefix

        self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        self.slots = asyncio.Semaphore(MAX_CLIENTS)
        server = None
        try:
            config = self.relay.config
            self.nc = await nats.connect(client_url(config), name=f"peers-desk-{config.name}",
                                         inbox_prefix=inbox_prefix(config.name),
                                         max_reconnect_attempts=-1, reconnect_time_wait=0.25,
                                         error_cb=ClientErrors().say)
            server = await asyncio.start_unix_server(self._serve, path=str(path),
                                                     limit=MAX_REQUEST + 2)
            os.chmod(path, 0o666)  # any user who may enter the hub (its group's: the README)
        except (OSError, nats.errors.Error, asyncio.TimeoutError) as exc:
            print(f"peers relay: no desk for this host's users: {exc}", file=sys.stderr, flush=True)
            return
        finally:
            ready.set()
        try:
            await self.stopping.wait()
        finally:
            server.close()  # (no new requests: those under way end with the loop)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 2)

    def close(self) -> None:  # (the relay's loop: its thread's stops)
        if self.loop is not None and self.stopping is not None:
            with contextlib.suppress(RuntimeError):  # its loop ended already
                self.loop.call_soon_threadsafe(self.stopping.set)
        if self.thread is not None:
            self.thread.join(5)
            with contextlib.suppress(OSError):
                os.unlink(desk_path(self.relay.hub))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        uid = _peer_uid(writer)
        taken = self.per_uid.get(uid, 0)
        try:
            if self.slots.locked() or taken >= MAX_PER_UID:
                answer: dict[str, Any] = {"busy": "the relay serves too many requests now"}
            else:
                self.per_uid[uid] = taken + 1
                try:
                    async with self.slots:
                        answer = await self._answer(reader, uid)
                finally:
                    self.per_uid[uid] -= 1
                    if not self.per_uid[uid]:
                        del self.per_uid[uid]
            writer.write(json.dumps(answer, separators=(",", ":")).encode() + b"\n")
            await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            pass  # gone, or reading nothing of its answer: dropped
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _answer(self, reader: asyncio.StreamReader, uid: int | None) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), READ_TIMEOUT)
            request = json.loads(line)
            if not isinstance(request, dict):
                raise Refused("not a request")
            op = request.get("op")
            if op == "ask":
                return await self._ask(request)
            if op == "hold":
                return self._hold(request)
            if op == "fetch":
                return await self.joins.fetch(self.nc, request, uid)
            if op in ("drop", "done"):
                return self.joins.drop(request, uid, op == "done")
            if op == "transit":
                return await self.joins.transit(self.nc, request)
            raise Refused("unknown request")
        except asyncio.TimeoutError:
            reason = f"no whole request within {READ_TIMEOUT:.0f} s"
        except asyncio.IncompleteReadError:
            reason = "the request ended before its line did"
        except asyncio.LimitOverrunError:
            reason = f"a request larger than {MAX_REQUEST} bytes"
        except (ValueError, RecursionError) as exc:  # Refused, junk JSON
            reason = str(exc)[:200] if isinstance(exc, Refused) else "not JSON"
        print(f"peers relay: a request of uid {uid} at the desk refused: {reason}",
              file=sys.stderr, flush=True)
        return {"refused": reason}

    # ----------------------------------------------------------------- the requests
    async def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        relay = self.relay
        group_id = _group(relay.hub, request.get("group"))
        headers = _headers(request.get("headers"))
        change = request.get("change")
        if change is None:
            only_a_question(headers)
            payload, sent = b"", headers
        else:
            envelope = _change(group_id, change, relay.config.name)
            payload, sent = envelope.payload(), {**envelope.headers(), **headers}
        if relay.is_hub:
            raise Refused("this host is the hub: its files are the order")
        if (down := relay.link.why_no_change()) is not None:  # (not 3 s for no answer)
            return {"down": down}
        import nats

        from peers_tui.relay.order_service import order_subject

        try:
            msg = await self.nc.request(order_subject(relay.config.name, group_id), payload,
                                         headers=sent, timeout=ASK_TIMEOUT)
            answer = json.loads(msg.data)
        except nats.errors.NoRespondersError:
            return {"unreachable": "no sequencer answers (is the hub's relay running?)"}
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            return {"no_answer": f"no answer from the hub within {ASK_TIMEOUT:.0f} s"}
        except (nats.errors.Error, ValueError) as exc:
            return {"unreachable": f"{exc.__class__.__name__}: {exc}"[:200]}
        if not isinstance(answer, dict):
            return {"unreachable": "the hub's answer was no answer"}
        if answer.get("ok") and change is not None and envelope_action(payload) == "handle":
            from peers_tui.relay import held

            held.forget(relay.hub, group_id, _author(payload))  # a newer one went through
        return {"answer": answer}

    def _hold(self, request: dict[str, Any]) -> dict[str, Any]:
        from peers_tui.relay import held

        relay = self.relay
        group_id = _group(relay.hub, request.get("group"))
        envelope = _change(group_id, request.get("change"), relay.config.name)
        if envelope_action(envelope.payload()) != "handle":
            raise Refused("only a handle change is kept for the hub")
        new_handle_change(relay.hub, envelope, author := _author(envelope.payload()))
        held.keep(relay.hub, envelope, author)
        if self.relay_loop is not None:  # looked at now: proposed if the link is up
            self.relay_loop.call_soon_threadsafe(relay.relinked.set)
        return {"ok": True}


__all__ = ["Desk", "desk_path"]
