"""`peers relay ...`: the handlers (the CLI's parser for them is peers_tui.cli.relay).

Nothing here imports nats or the CLI package: `peers --help` stays fast and works without the
relay extra; the runner (and nats-py) load only for `peers relay` itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
import json
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from peers_tui.core.link_state import read_link_state
from peers_tui.core.stopped_unsent import host_unsent
from peers_tui.paths import home_dir, hub_dir
from peers_tui.relay.config import (
    INSTALL_EXTRA, RelayConfig, RelayError, check_address, check_host_name, config_path,
    default_host_name, free_port, load_config, make_token, read_token, relay_dir, save_config,
    shown,
)
from peers_tui.relay import census
from peers_tui.relay.founding import founded_counts
from peers_tui.relay.hub_bounds import hub_report
from peers_tui.relay.hub_reach import relay_alive
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.limits import limit
from peers_tui.relay.setup_checks import RunLock, check_private, lock_holder


def _hub(args: argparse.Namespace) -> Path:
    return hub_dir(home_dir(args.home), args.hub)


def cmd_relay_init(args: argparse.Namespace) -> int:
    hub = _hub(args)
    if config_path(hub).exists():
        return _new_token(hub, args)
    options = list(getattr(args, "ssh_option", None) or [])
    if (args.ssh or options) and args.as_hub:
        raise RelayError("--ssh is for a leaf: the hub accepts, leaves dial out through ssh")
    if options and not args.ssh:
        raise RelayError("--ssh-option needs --ssh USER@HOST")
    if args.ssh:
        _check_ssh(args.ssh, options)
    if args.client_port is not None and not 1 <= args.client_port <= 65535:
        raise RelayError(f"--client-port wants a port 1-65535, not {args.client_port}")
    if args.as_hub:
        check_address(args.listen, "--listen")
    port = args.client_port or free_port()
    if args.as_hub:
        name = check_host_name(default_host_name() if args.name is None else args.name)
        config = RelayConfig(role="hub", name=name, client_port=port, leaf_listen=args.listen,
                             admin_password=secrets.token_urlsafe(24))
        save_config(hub, config)
        print(f"relay hub {name} set up for {hub}; leaves connect to {args.listen}; "
              "give each one a token: peers relay token --name HOST")
        return 0
    fields = read_token(args.leaf_token)
    name = check_host_name(fields["name"])
    if args.name is not None and args.name != name:
        raise RelayError(f"this token was made for the host {name!r}, not {args.name!r}")
    config = RelayConfig(role="leaf", name=name, client_port=port, hub_url=fields["url"],
                         password=fields["password"], hub_name=fields["hub"],
                         ssh=args.ssh or "", ssh_options=options,
                         admin_password=_own_credential(hub))  # its relay's, on its server
    if config.ssh:
        from peers_tui.relay.tunnel import hub_address

        hub_address(config)  # a token whose address cannot be forwarded: said now
    save_config(hub, config)
    through = f" (the link through ssh {config.ssh})" if config.ssh else ""
    print(f"relay leaf {name} set up for {hub}{through}; start it with: peers relay")
    return 0


def _own_credential(hub: Path) -> str:
    """The relay's credential on its own server: kept when a leaf takes a new token (its
    running relay reloads the config and restarts its server, then reconnects with it)."""
    try:
        return load_config(hub).admin_password
    except RelayError:
        return secrets.token_urlsafe(24)


def _new_token(hub: Path, args: argparse.Namespace) -> int:
    """`relay init --leaf TOKEN` on a leaf set up before: the hub made this host a new token
    (its old one revoked), so the leaf takes its credentials and keeps everything else (its
    positions, what it sent). Anything else is refused as before."""
    config = load_config(hub)
    again = f"a relay is already set up for {hub} (remove {relay_dir(hub)} to start over)"
    if args.as_hub or not args.leaf_token or config.role != "leaf":
        raise RelayError(again)
    if args.ssh or getattr(args, "ssh_option", None) or args.client_port is not None:
        raise RelayError(f"only the token changes on a leaf set up before: {again}")
    fields = read_token(args.leaf_token)
    if (fields["name"], fields["hub"]) != (config.name, config.hub_name):
        raise RelayError(f"this token is for the host {shown(fields['name'])} of the hub "
                         f"{shown(fields['hub'])}, and this host is {config.name} of the hub "
                         f"{config.hub_name}: {again}")
    check_private(hub)
    save_config(hub, replace(config, hub_url=fields["url"], password=fields["password"]))
    print(f"relay leaf {config.name} takes its new token (a running relay within a second)")
    return 0


def _check_ssh(target: str, options: list[str]) -> None:
    """`--ssh USER@HOST` and `--ssh-option KEY=VALUE`: one clear line for anything else."""
    import shutil

    if not target or target.startswith("-") or any(c.isspace() for c in target):
        raise RelayError(f"--ssh wants USER@HOST (or a host of your ssh config), not {target!r}")
    for option in options:
        if "=" not in option or option.startswith("-") or "\n" in option:
            raise RelayError(f"--ssh-option wants KEY=VALUE (as for ssh -o), not {option!r}")
    if shutil.which("ssh") is None:
        raise RelayError("--ssh needs the ssh client (apt-get install openssh-client)")


def cmd_relay_token(args: argparse.Namespace) -> int:
    hub = _hub(args)
    config = load_config(hub)
    check_private(hub)
    if config.role != "hub":
        raise RelayError("tokens are made on the hub host")
    # --name is optional (the contract: `relay token [--name HOST]`): the next free
    # leafN, said on stderr, as the leaf's `init --leaf TOKEN` takes the token's name.
    name = check_host_name(args.name if args.name is not None else _free_leaf_name(config))
    if name == config.name:  # its subjects, inbox and presence are the hub's own
        raise RelayError(f"{name!r} is this hub's own name: a leaf of that name would send and "
                         "receive as the hub; give the leaf another --name")
    address = check_address(args.address, "--address") if args.address else config.leaf_listen
    host, _, port = address.rpartition(":")
    if host in ("0.0.0.0", "", "::"):
        address = f"{socket.getfqdn()}:{port}"
    token = make_token(config, name, address)
    save_config(hub, config)
    print(token)
    if args.name is None:
        print(f"peers: a token for the host named {name} (give another with --name)",
              file=sys.stderr)
    return 0


def _free_leaf_name(config: RelayConfig) -> str:
    taken = {*config.leaves, config.name}
    return next(f"leaf{n}" for n in range(1, len(taken) + 2) if f"leaf{n}" not in taken)


def cmd_relay_revoke(args: argparse.Namespace) -> int:
    hub = _hub(args)
    config = load_config(hub)
    check_private(hub)
    if config.role != "hub":
        raise RelayError("tokens are revoked on the hub host")
    if config.leaves.pop(args.name, None) is None:
        raise RelayError(f"no token was made for a host named {shown(args.name)}")
    save_config(hub, config)
    print(f"the token of {args.name} is revoked (a running relay applies it within a second); "
          f"to let it back in: peers relay token --name {args.name}, then on it: "
          "peers relay init --leaf TOKEN")
    return 0


def cmd_relay_run(args: argparse.Namespace) -> int:
    hub = _hub(args)
    config = load_config(hub)
    check_private(hub)
    try:
        import asyncio

        from peers_tui.relay.runner import Relay
    except ImportError as exc:
        raise RelayError(f"the relay needs its extra: {INSTALL_EXTRA} ({exc})") from exc
    lock = RunLock(hub)
    lock.acquire()  # before anything of the hub's relay is touched: one relay a hub
    try:
        asyncio.run(Relay(hub, config).run())
    finally:
        lock.release()
    return 0


def fetch_for_join(hub: Path, code_text: str,
                   before_link: Callable[[Path], None] | None = None) -> None:
    """Before a join (`peers join CODE`, the app's /join, an invitation accepted; through
    join_fetch.JoinFetch): a group this hub lacks is fetched through the relay (its genesis
    checked against the group id, membership and invites first); without a relay set up here
    nothing happens and join says the group is not in the hub."""
    from peers_tui.core.errors import BadInvite
    from peers_tui.core.invites import parse_code

    try:
        parsed = parse_code(code_text)
    except BadInvite:
        return  # join itself says what is wrong with the code
    group_id = parsed.group_id
    if (hub / f"{group_id}.db").exists() or not relay_dir(hub).is_dir():
        return
    from peers_tui.relay.desk_client import fetch_through_desk, uses_desk

    if uses_desk(hub):  # the relay's state another Unix user's: the relay fetches it
        fetch_through_desk(hub, code_text)
        return
    try:
        from peers_tui.relay.fetch import fetch_group
    except ImportError:
        return
    fetch_group(hub, group_id, before_link, parsed.key.public_id)


def read_status(hub: Path) -> dict[str, Any]:
    """The running relay's last status, or what is known without it."""
    config = load_config(hub)
    try:
        status: dict[str, Any] = json.loads((relay_dir(hub) / "status.json").read_text())
    except (OSError, ValueError):
        status = {"host": config.name, "role": config.role, "link": {"up": False}}
    alive = relay_alive(status)
    holder = None if alive else lock_holder(hub)
    if holder is not None:  # it runs, but its status is stale: silent (status_report)
        status["silent_pid"] = holder
    if not alive and isinstance(status.get("updated"), (int, float)):
        status["last_seen"] = status["updated"]  # its last word: a stop, or its last heartbeat
        _links_down(status, status["updated"])
    status["running"] = bool(alive)
    if not alive:  # its last count is gone with it: counted from the files (stopped_unsent)
        status["unsent"] = host_unsent(hub, read_link_state(hub))
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:
        status["rejected"] = ledger.rejected_counts()
        from peers_tui.relay.rejected_listing import hub_refused_count

        status["refused_at_hub"] = hub_refused_count(ledger.db)  # this host's records
        refetched = census.refetched(ledger)  # rows gone from a file, back from the hub
        if refetched:
            status["refetched"] = refetched
        if config.role == "hub":  # groups each leaf founded here, no user of this host in them
            status["founded"] = founded_counts(ledger.db)
            status["groups_per_leaf"] = limit(config.limits, "groups_per_leaf")
            status |= hub_report(ledger.db, config.name)  # what it keeps for good, bounded
            status["leaf_max_bytes"] = limit(config.limits, "leaf_max_bytes")
    finally:
        ledger.close()
    return status


def _links_down(status: dict[str, Any], last_word: float) -> None:
    """No link is up where no relay runs: the status file keeps the links as the relay last
    wrote them (SIGTERM's last word is written with the link still up), and `--json` said
    `"up": true` beside `"running": false`. Each link up then is down since that last word
    (relay_stopped counts the hub's absence from it, as it did from `updated`)."""
    leaves = status.get("leaves")
    for link in [status.get("link"), *(leaves.values() if isinstance(leaves, dict) else ())]:
        if isinstance(link, dict) and link.get("up"):
            link.update(up=False, since=last_word, rtt_ms=None)


def nothing_refused(config: RelayConfig, restored: bool) -> str:
    """`relay rejected`'s line when it lists nothing. A leaf lists what its own relay refused
    and what the hub refused of its own records: a record the hub refused from another leaf
    never reached this one (h-rejectedsame), so the hub's listing is named."""
    said = "no records are refused now" if restored else "no records were refused"
    if config.role != "leaf":
        return said
    return (f"{said} here (records the hub {config.hub_name} refused from another host never"
            f" reach this one: 'peers relay rejected' on {config.hub_name} lists them)")


def cmd_relay_rejected(args: argparse.Namespace) -> int:
    from peers_tui.relay.rejected_listing import hub_refused_rows, listing_order, rejected_lines

    hub = _hub(args)
    config = load_config(hub)  # no relay set up here: one line saying so, not a database error
    check_private(hub)
    ledger = Ledger(relay_dir(hub) / "relay.db")
    try:  # and this host's records the hub refused (hub_refusals.py), those this host did
        rows = ledger.rejected() + hub_refused_rows(ledger.db, config.name, config.hub_name)
        restored = ledger.restored()  # not set aside itself (a cut's voids: listed once)
    finally:
        ledger.close()
    rows.sort(key=listing_order)  # one order on every host (h-rejectedsame)
    restored.sort(key=listing_order)
    if args.json:  # a restored one carries "restored": {"at", "how"}
        for row in rows + restored:
            print(json.dumps(row, ensure_ascii=True))
    else:
        for line in rejected_lines(hub, rows) + rejected_lines(hub, restored):
            print(line)
    if not rows and not args.json:
        print(nothing_refused(config, bool(restored)), file=sys.stderr)
    return 0
