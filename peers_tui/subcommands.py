"""What each `peers` subcommand does: parse-free functions over an Account, printing results."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from peers_tui.cli import out, out_json
from peers_tui.core.account import Account
from peers_tui.core.doctor import (
    Finding, check_database, check_hub, check_mode, check_space, check_writable,
)
from peers_tui.core.errors import AlreadyMember, PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import KEY_FILE, fingerprint
from peers_tui.core.invites import describe_terms
from peers_tui.core.names import look_alikes, shown_name
from peers_tui.core.personal_store import PERSONAL_FILE
from peers_tui.core.roles import Role
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.format import INDENT, AuthorLabels, format_message
from peers_tui.paths import home_dir, hub_dir
from peers_tui.progress import ProgressBar


def account(args: argparse.Namespace) -> Account:
    home = home_dir(args.home)
    return Account(home, hub_dir(home, args.hub))


def start_tui(args: argparse.Namespace) -> int:
    """`peers` and `peers open GROUP`: the full-screen app (the only place Textual loads)."""
    me = account(args)
    entry = me.resolve(args.group) if getattr(args, "group", None) else None
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise PeersError("the peers TUI needs a terminal; use the subcommands in scripts "
                         "(peers --help)")
    from peers_tui.app import PeersApp
    from peers_tui.config import config_path

    PeersApp(me, entry, config_file=config_path(args.home)).run()
    return 0


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def read_input(value: str, what: str) -> str:
    """`value`, or standard input when it is '-' (one trailing newline dropped)."""
    if value != "-":
        return value
    if sys.stdin is None or sys.stdin.closed:
        raise PeersError(f"no {what} given and no standard input to read it from")
    if sys.stdin.isatty():
        # Otherwise the command seems to hang: say what it waits for, and how to end it.
        print(f"peers: reading the {what} from the terminal; end it with Ctrl+D on a line of "
              f"its own (or give the {what} as an argument)", file=sys.stderr)
    try:
        data = sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise PeersError(f"standard input is not valid UTF-8 ({exc.reason})") from exc
    return data[:-1] if data.endswith("\n") else data


def cmd_id(args: argparse.Namespace) -> int:
    me = account(args)
    if args.handle is not None:
        me.set_handle(args.handle)
        _, failed = me.spread_handle()
        for line in failed:
            print(f"peers: warning: handle not yet changed in {inert(line, allow_newlines=False)}",
                  file=sys.stderr)
    if args.json:
        out_json({"id": me.user_id, "handle": me.handle, "fingerprint": fingerprint(me.user_id)})
    else:
        out(f"{me.user_id} {shown_name(me.handle)}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    entry = account(args).create_group(args.name)
    out(entry.id)
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    entry = account(args).archive(args.group, archived=not args.undo)
    name = shown_name(entry.name)
    out(f"{'unarchived' if args.undo else 'archived'} {name} ({entry.id})")
    return 0


def cmd_groups(args: argparse.Namespace) -> int:
    me = account(args)
    for group in me.summaries(include_archived=args.all):
        if args.json:
            out_json(group.to_json())
            continue
        unread = f"{group.unread} unread" + (
            f", {plural(group.mentions, 'mention')}" if group.mentions else "")
        standing = group.role if group.state == "active" else group.state
        extra = (f"  ({group.problem})" if group.problem
                 else f"  (WARNING: {group.warning})" if group.warning
                 else f"  (read-only: {group.read_only})" if group.read_only else "")
        if group.archived:
            extra += "  (archived)"
        hub = Path(group.path).parent
        if not group.personal and hub != me.paths.hub:  # a group keeps the hub it was found in
            extra += f"  (in {inert(str(hub), allow_newlines=False)})"
        out(f"{group.id[:10]}  {shown_name(group.name):<20}  {standing:<12}  {unread}{extra}")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    me = account(args)
    if args.revoke:
        key = me.revoke(args.group, args.revoke)
        out(f"revoked invite {key[:10]}")
        return 0
    if args.list:
        for invite in me.invites(args.group):
            if args.json:
                out_json(invite.to_json())
            else:
                out(f"{invite.short_id}  {invite.terms()}")
        return 0
    role = Role.parse(args.role)
    code = me.invite(args.group, role, args.uses, args.expires)
    out(str(code))
    # Only the code goes to stdout (scripts capture it); its terms are said on stderr.
    print(f"peers: invite to {shown_name(me.resolve(args.group).name)}: "
          f"joins as {role.label}, {describe_terms(args.uses, args.expires)}", file=sys.stderr)
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    code = read_input(args.code, "invite code").strip()
    from peers_tui.relay.commands import locate_for_join  # a group on another host

    locate_for_join(args, code)
    try:
        entry = account(args).join(code)
    except AlreadyMember as exc:
        out(f"{exc} ({exc.entry.id})")  # type: ignore[attr-defined]
        return 0
    out(f"joined {shown_name(entry.name)} ({entry.id})")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    text = read_input(args.text, "message")
    view = account(args).send(args.group, text, "action" if args.action else "text",
                              args.reply_to)
    out(view.id)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    view = account(args).edit(args.group, args.message, read_input(args.text, "message"))
    out(view.id)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    view = account(args).delete(args.group, args.message)
    out(f"deleted {view.id}")
    return 0


def cmd_topic(args: argparse.Namespace) -> int:
    me = account(args)
    if args.text is None:
        topic = me.topic(args.group)
        out(inert(topic, allow_newlines=False) if topic is not None else "(no topic)")
    else:
        me.set_topic(args.group, args.text)
        out(f"topic set: {args.text}")
    return 0


def author_labels(me: Account, group: str) -> AuthorLabels:
    """Names for the authors of `group`, told apart where they look alike."""
    return AuthorLabels(me.members(group, include_former=True))


def print_messages(messages: list[MessageView], args: argparse.Namespace,
                   labels: AuthorLabels | None = None) -> None:
    for message in messages:
        if getattr(args, "json", False):
            out_json(message.to_json())
            for change in message.forged_changes:
                out_json(change.to_json(message.id))
        else:
            line = format_message(message, labels)
            out(f"{message.id} {line}" if getattr(args, "ids", False) else line)
            for change in message.forged_changes:
                out(f"{INDENT}[UNVERIFIED {change.kind} of the message above by "
                    f"{shown_name(change.author)} ({change.fingerprint}): "
                    f"{inert(change.reason, allow_newlines=False)}]")
    sys.stdout.flush()


def cmd_log(args: argparse.Namespace) -> int:
    me = account(args)
    messages, problems = me.log(args.group, args.limit)
    print_messages(messages, args, author_labels(me, args.group))
    for problem in problems:
        print(f"peers: warning: {inert(str(problem), allow_newlines=False)}", file=sys.stderr)
    if args.follow:
        for batch in me.follow(args.group):
            print_messages(batch, args, author_labels(me, args.group))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    me = account(args)
    found = me.search(args.group, args.query, args.limit, args.offset)
    print_messages(found, args, author_labels(me, args.group))
    if len(found) == args.limit:  # on stderr: stdout stays the matches alone
        print(f"(there may be more: --offset {args.offset + args.limit})", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    me = account(args)
    if args.file == "-":
        result = me.import_history(args.group, sys.stdin)
    else:
        try:
            with open(args.file, encoding="utf-8") as handle:
                result = me.import_history(args.group, handle)
        except UnicodeDecodeError as exc:
            raise PeersError(f"{args.file} is not UTF-8 text ({exc.reason})") from exc
        except IsADirectoryError as exc:
            raise PeersError(f"{args.file} is a directory") from exc
    out(f"imported {plural(result.added, 'message')} ({result.skipped} already there)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    me = account(args)
    if args.format == "jsonl":
        me.export_history(args.group, sys.stdout)
    else:
        labels = author_labels(me, args.group)
        for message in me.export_views(args.group):
            out(format_message(message, labels))
    return 0


def cmd_members(args: argparse.Namespace) -> int:
    everyone, problems = account(args).members_checked(args.group, include_former=True)
    for problem in problems:
        print(f"peers: warning: {inert(str(problem), allow_newlines=False)}", file=sys.stderr)
    ambiguous = look_alikes((m.user_id, m.handle) for m in everyone)
    for member in everyone:
        if member.state != "active" and not args.all:
            continue
        if args.json:
            out_json(member.to_json())
        else:
            suffix = "" if member.state == "active" else f" ({member.state})"
            if (member.user_id, member.handle) in ambiguous:
                suffix += "  (looks like another member's handle: tell them apart by fingerprint)"
            out(f"{shown_name(member.handle):<20} {member.fingerprint}  {member.role}{suffix}")
    return 0


def cmd_role(args: argparse.Namespace) -> int:
    member = account(args).set_role(args.group, args.member, Role.parse(args.role))
    out(f"{shown_name(member.handle)} is now {member.role.label}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    member = account(args).remove(args.group, args.member)
    out(f"removed {shown_name(member.handle)}")
    return 0


def cmd_leave(args: argparse.Namespace) -> int:
    entry = account(args).leave(args.group)
    out(f"left {shown_name(entry.name)}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    me = account(args)
    bar = ProgressBar.for_stderr()

    def progress(name: str) -> Callable[[int, int], None]:
        assert bar is not None
        bar.start(f"verifying {name}")
        return bar.update

    try:
        report = me.verify(args.group, progress if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    names = {entry.id: entry.name for entry in me.entries()}
    failed = False
    for group_id, problems in report.items():
        label = f"{shown_name(names.get(group_id, '?'))} ({group_id[:10]})"
        if not problems:
            out(f"ok      {label}")
        for problem in problems:
            failed = True
            out(f"FAILED  {label}: {inert(str(problem), allow_newlines=False)}")
    return 1 if failed else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    home = home_dir(args.home)
    hub = hub_dir(home, args.hub)
    me = Account(home, hub)
    findings: list[Finding | None] = [
        check_mode(home / KEY_FILE, 0o600, "secret key"),
        check_mode(home / PERSONAL_FILE, 0o600, "personal database"),
        check_database("personal database", lambda: me.personal.personal_group().genesis()),
        *check_hub(hub),
        check_space(home, "your data directory"),
        check_space(hub, "the hub"),
    ]
    for entry in me.entries():
        if entry.personal:
            continue
        findings.append(check_mode(entry.db_path, 0o660, f"group {shown_name(entry.name)}"))
        findings.append(check_writable(Path(entry.db_path), f"group {shown_name(entry.name)}"))
        findings.append(check_database(
            f"group {shown_name(entry.name)}", lambda e=entry: GroupStore(Path(e.db_path), e.id).genesis()))
    findings = [finding for finding in findings if finding is not None]
    for finding in findings:
        out(str(finding))
    errors = [f for f in findings if f.level == "error"]
    return 1 if errors else 0
