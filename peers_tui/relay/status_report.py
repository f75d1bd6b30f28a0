"""`peers relay status [--json]`: what this host's relay last reported (relay.commands
read_status), or one line saying it is not running.

Not running, it exits 3, the LSB status code for "program is not running" (init scripts'
`status`, `systemctl status` of an inactive unit), so `peers relay status || ...` in a script
or a health check sees it; `--json` still prints its object (`"running": false`, and
`"last_seen"`, its last word's time, when it ever ran). A relay that holds the run lock but
has not reported for a while (a full disk, SIGSTOP) is not "not running": its line says so
and the exit is 4, LSB's "status unknown" (`--json`: `"silent_pid"`). A running relay's lines
are as before.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from peers_tui.core.process_state import STOPPED, process_state
from peers_tui.core.text import inert
from peers_tui.paths import home_dir, hub_dir
from peers_tui.relay import held
from peers_tui.relay.commands import read_status
from peers_tui.relay.config import ago
from peers_tui.relay.hub_bounds import size_text
from peers_tui.relay.setup_checks import check_private

EXIT_NOT_RUNNING = 3
# A relay that holds the run lock but has not written its status for a while (a full disk,
# SIGSTOP): not known to work, and not to be started again beside it. LSB's "status unknown".
EXIT_UNKNOWN = 4


def cmd_relay_status(args: argparse.Namespace) -> int:
    """What the relay reports; not running: one line on stderr (after the JSON) and exit 3."""
    hub = hub_dir(home_dir(args.home), args.hub)
    status = stopped_said(read_status(hub))
    check_private(hub)
    to_send, to_sign = held.counts(hub)
    if to_send or to_sign:  # a leaf's handle changes kept while the hub was unreachable
        status["held"] = {"to_send": to_send, "to_sign": to_sign}
    if args.json:
        print(json.dumps(status, ensure_ascii=True))
    if not status["running"]:
        print(inert(f"peers: {not_running_line(status)}", allow_newlines=False), file=sys.stderr)
        return EXIT_UNKNOWN if "silent_pid" in status else EXIT_NOT_RUNNING
    if args.json:
        return 0
    link = status.get("link") or {}
    print(inert(f"{status.get('host')} ({status.get('role')}): relay running"))
    if status.get("role") == "leaf":
        if link.get("up"):
            print(inert(f"link to hub {link.get('to')}: up for {ago(link.get('since'))}, "
                        f"{link.get('rtt_ms') or 0:.1f} ms"))
            silent = link.get("hub_relay_silent_since")  # (hub_heard.py)
            if isinstance(silent, (int, float)):
                print(f"the hub's relay: silent for {ago(silent)} (its server answers; what "
                      "this host sends waits there; membership changes are refused until it "
                      "answers)")
        else:
            print(inert(f"link to hub {link.get('to')}: down for {ago(link.get('since'))}"
                        f" ({link.get('problem') or 'unreachable'})"))
            if "refused this host's token" in str(link.get("problem")):
                print("a new token from the hub (peers relay token --name HOST there) is taken "
                      "with: peers relay init --leaf TOKEN")
        offset = status.get("hub_offset_ms")  # (hub_clock.py) a minute or more: said
        if type(offset) is int and abs(offset) >= 60_000:
            print(f"the hub's clock is {abs(offset) / 3_600_000:.1f} h "
                  f"{'behind' if offset < 0 else 'ahead of'} this host's (its writers follow no"
                  " row signed more than a day past the hub's)")
    leaves = status.get("leaves")
    for name, leaf in sorted((leaves if isinstance(leaves, dict) else {}).items()):
        if not isinstance(leaf, dict):
            continue
        silent = leaf.get("silent_since")  # (leaf_heard.py)
        if leaf.get("up") and isinstance(silent, (int, float)):
            print(inert(f"link from {name}: silent for {ago(silent)} (its connection is listed "
                        "up, its relay not heard: stopped, frozen or cut off)"))
        elif leaf.get("up"):
            print(inert(f"link from {name}: up for {ago(leaf.get('since'))}, "
                        f"{leaf.get('rtt_ms') or 0:.1f} ms"))
        else:
            print(inert(f"link from {name}: down for {ago(leaf.get('since'))}"))
    tunnel = status.get("tunnel")
    if isinstance(tunnel, dict):
        state = (f"up for {ago(tunnel.get('since'))}" if tunnel.get("up") else
                 f"down for {ago(tunnel.get('since'))} ({tunnel.get('problem') or 'starting'})")
        print(inert(f"ssh tunnel via {tunnel.get('via')}: {state}, restarted "
                    f"{tunnel.get('restarts', 0)} times", allow_newlines=False))
    print(f"unsent {status.get('unsent')} · waiting {status.get('waiting')} · "
          f"received {status.get('received')}")
    if to_send or to_sign:
        print(f"handle changes kept for the hub: {to_send} to send, {to_sign} waiting for "
              "their author to sign again (their app, or any `peers` command of theirs)")
    founded = status.get("founded")
    if isinstance(founded, dict):
        print(inert(f"groups founded by leaves with no user here (at most "
                    f"{status.get('groups_per_leaf')} a leaf): "
                    + (", ".join(f"{host} {count}" for host, count in founded.items()) or "none")))
    stored = status.get("stored")
    if isinstance(stored, dict):
        print(inert(f"stored for leaves (at most {size_text(status.get('leaf_max_bytes') or 0)} "
                    "a leaf): " + (", ".join(f"{host} {size_text(size)}" for host, size
                                             in stored.items() if isinstance(size, int))
                                   or "none")))
    for reason in status.get("at_bound") or ():
        print(inert(f"at a bound: {reason}", allow_newlines=False))
    damaged = damaged_line(status.get("damaged"))  # (damaged_files.py)
    if damaged is not None:
        print(inert(damaged, allow_newlines=False))
    refetched = refetched_line(status.get("refetched"))  # (refetch.py)
    if refetched is not None:
        print(inert(refetched, allow_newlines=False))
    rejected = status.get("rejected") or {}
    print(inert("rejected: " + (", ".join(f"{host} {count}" for host, count in rejected.items())
                                 or "none")))
    if status.get("refused_at_hub"):  # this host's records the hub refused (hub_refusals.py)
        print(f"refused by the hub: {status['refused_at_hub']} of this host's records "
              "(peers relay rejected lists them)")
    return 0


def damaged_line(damaged: object) -> str | None:
    """The status's one line for the damaged files (--json: "damaged", group id -> reason)."""
    if not isinstance(damaged, dict) or not damaged:
        return None
    return "damaged here, nothing of it sent: " + "; ".join(
        str(reason) for _, reason in sorted(damaged.items()))


def refetched_line(refetched: object) -> str | None:
    """Records fetched back from the hub into this host's files (--json: "refetched", group
    id -> {"records": in all, "last": the last time's, "at": when, ms})."""
    if not isinstance(refetched, dict) or not refetched:
        return None
    parts = []
    for group_id, seen in sorted(refetched.items()):
        if isinstance(seen, dict) and isinstance(seen.get("at"), int):
            parts.append(f"{group_id} {seen.get('last')} {ago(seen['at'] / 1000)} ago"
                         f" ({seen.get('records')} in all)")
    return "fetched back from the hub (rows gone from this host's file): " + "; ".join(parts)


def stopped_said(status: dict[str, Any]) -> dict[str, Any]:
    """A silent relay stopped with SIGSTOP is said to be (`--json`: `"stopped": true` beside
    `"silent_pid"`), not "stopped or stuck, or cannot write" (the 27th acceptance pass)."""
    pid = status.get("silent_pid")
    if isinstance(pid, int) and pid > 0 and process_state(pid) in STOPPED:
        status["stopped"] = True
    return status


def not_running_line(status: dict[str, Any]) -> str:
    """"relay not running on this host B (leaf; last seen 3m07s ago)"."""
    seen = status.get("last_seen")
    when = f"last seen {ago(seen)} ago" if isinstance(seen, (int, float)) else "never started"
    if "silent_pid" in status and status.get("stopped"):
        pid = status["silent_pid"]
        return (f"the relay of this host {status.get('host')} ({status.get('role')}) runs "
                f"(pid {pid}) but has reported nothing for {ago(seen)}: it is stopped (SIGSTOP; "
                f"'kill -CONT {pid}' resumes it), nothing is sent or received until then")
    if "silent_pid" in status:
        return (f"the relay of this host {status.get('host')} ({status.get('role')}) runs "
                f"(pid {status['silent_pid'] or '?'}) but has reported nothing "
                f"{f'for {ago(seen)}' if isinstance(seen, (int, float)) else 'since it started'}: "
                "it is stopped or stuck, or cannot write .relay/status.json (a full disk?); "
                "its standard error says which")
    unsent = status.get("unsent")
    waits = f"; {unsent} unsent" if isinstance(unsent, int) and unsent else ""
    return (f"relay not running on this host {status.get('host')} ({status.get('role')}; "
            f"{when}{waits}): start it with 'peers relay'")
