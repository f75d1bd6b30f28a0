"""A group's messages from the shell: `send`, `edit`, `delete` and `topic` write them; `log`,
`search` and `export` print them; `import` brings in history from elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from peers_tui.cli.arguments import Commands, count, positive_int
from peers_tui.cli.inputs import open_account, read_input
from peers_tui.cli.output import EXIT_OK, out, out_json, plural, say, warn
from peers_tui.core.errors import PeersError
from peers_tui.core.text import inert

if TYPE_CHECKING:
    from peers_tui.cli.format import AuthorLabels
    from peers_tui.core.account import Account
    from peers_tui.core.events import EventView
    from peers_tui.core.frontier import Frontier
    from peers_tui.core.views import MessageView


def add_parsers(commands: Commands) -> None:
    send = commands.add("send", send_message, help="post a message")
    send.add_argument("group")
    send.add_argument("text", nargs="?", default="-", help="the text, or - to read standard input")
    send.add_argument("--action", action="store_true", help="post a /me-style action")
    send.add_argument("--reply-to", metavar="MSG",
                      help="the id (or id prefix) of the message you answer")

    log = commands.add("log", print_log, help="print the last messages, oldest first")
    log.add_argument("group")
    log.add_argument("--limit", "-n", type=positive_int, default=50,
                     help="the newest N messages (default 50)")
    log.add_argument("--json", action="store_true")
    log.add_argument("--ids", action="store_true", help="show each message's id")
    log.add_argument("--follow", "-f", action="store_true",
                     help="keep running and print each new message as it is committed")
    log.add_argument("--no-events", action="store_true",
                     help="messages only: leave out joins, leaves and other membership events")

    edit = commands.add("edit", edit_message,
                        help="replace the text of one of your messages")
    edit.add_argument("group")
    edit.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N: your Nth newest")
    edit.add_argument("text", nargs="?", default="-", help="the new text, or - for standard input")

    delete = commands.add("delete", delete_message,
                          help="delete a message (yours, or any if you are an admin)")
    delete.add_argument("group")
    delete.add_argument("message", metavar="MSG", help="its id (or id prefix), or -N: your Nth newest")

    topic = commands.add("topic", show_or_set_topic, help="print or (admins) set the group's topic")
    topic.add_argument("group")
    topic.add_argument("text", nargs="?")

    search = commands.add("search", print_matches,
                          help="full-text search of a group's whole history")
    search.add_argument("group")
    search.add_argument("query", help='words, "a phrase", prefix*')
    search.add_argument("--limit", type=positive_int, default=50)
    search.add_argument("--offset", type=count, default=0,
                        help="skip this many of the newest matches (the next page)")
    search.add_argument("--json", action="store_true")

    import_ = commands.add("import", import_history,
                           help="import history from a JSON-lines file (admins)")
    import_.add_argument("group")
    import_.add_argument("file", help="JSON lines with id, author, body, created_at; - for stdin")

    export = commands.add("export", export_history, help="export a group's whole history")
    export.add_argument("group")
    export.add_argument("--format", choices=("jsonl", "text"), default="jsonl")


def send_message(args: argparse.Namespace) -> int:
    text = read_input(args.text, "message")
    view = open_account(args).send(args.group, text, "action" if args.action else "text",
                                   args.reply_to)
    out(view.id)
    return EXIT_OK


def edit_message(args: argparse.Namespace) -> int:
    me = open_account(args)
    view = me.edit(args.group, own_target(me, args.group, args.message),
                   read_input(args.text, "message"))
    out(view.id)
    return EXIT_OK


def delete_message(args: argparse.Namespace) -> int:
    me = open_account(args)
    view = me.delete(args.group, own_target(me, args.group, args.message))
    out(f"deleted {view.id}")
    return EXIT_OK


def own_target(me: Account, group: str, target: str) -> str:
    """The message `target` names: an id prefix, or -N, the user's own Nth newest (as /edit
    and /delete count back in the app; `peers edit team -1` was "give at least 6 characters")."""
    from peers_tui.core.message_targets import find_target

    return find_target(me.store(me.resolve(group)), target, author=me.user_id)


def show_or_set_topic(args: argparse.Namespace) -> int:
    me = open_account(args)
    if args.text is None:
        topic = me.topic(args.group)
        out(inert(topic, allow_newlines=False) if topic is not None else "(no topic)")
    else:
        me.set_topic(args.group, args.text)
        out(f"topic set: {args.text}")
    return EXIT_OK


def author_labels(me: Account, group: str) -> AuthorLabels:
    """Names for the authors of `group`, told apart where they look alike."""
    from peers_tui.cli.format import AuthorLabels

    return AuthorLabels(me.members(group, include_former=True))


def print_messages(messages: Sequence[MessageView | EventView], labels: AuthorLabels, *,
                   as_json: bool, with_ids: bool = False) -> None:
    """Messages one a line (or one JSON object a line), each followed by its reactions and the
    unverified changes someone tried to make to it; membership events as compact lines."""
    from peers_tui.cli.format import format_message
    from peers_tui.cli.log_lines import event_line, forged_lines, reactions_line
    from peers_tui.core.events import EventView

    for message in messages:
        if isinstance(message, EventView):  # a membership event in its place
            out_json(message.to_json()) if as_json else out(event_line(message))
            continue
        if as_json:
            out_json(message.to_json())
            for change in message.forged_changes:
                out_json(change.to_json(message.id))
        else:
            line = format_message(message, labels)
            out(f"{message.id} {line}" if with_ids else line)
            if message.reactions and not message.deleted:
                out(reactions_line(message) or "")
            for line in forged_lines(message):
                out(line)
    sys.stdout.flush()


def print_log(args: argparse.Namespace) -> int:
    me = open_account(args)
    frontier = _frontier(me, args.group)  # before the rows: a page may land between the reads
    messages, problems = me.log(args.group, args.limit)
    shown: Sequence[MessageView | EventView] = messages
    if not args.no_events:
        from peers_tui.core.message_targets import log_with_events

        shown = log_with_events(me, args.group, messages, args.limit)
    _print_frontier(frontier, messages, as_json=args.json)
    print_messages(shown, author_labels(me, args.group), as_json=args.json, with_ids=args.ids)
    for problem in problems:
        warn(problem)
    if args.follow:
        for batch in me.follow(args.group, shown=[m.id for m in messages],
                               replaced=lambda name: warn(
                                   f"{name}'s file was replaced: history reloaded")):
            print_messages(batch, author_labels(me, args.group), as_json=args.json,
                           with_ids=args.ids)
    return EXIT_OK


def _frontier(me: Account, group: str) -> Frontier | None:
    from peers_tui.core.frontier import of as frontier_of

    return frontier_of(me.group_store(group)[1])


def _print_frontier(state: Frontier | None, messages: Sequence[MessageView], as_json: bool) -> None:
    """While a backfill brings a joined group's history (newest first), the log that reaches
    the oldest message received says that more is still coming, above it; any other log says
    so on stderr. `state` is read before the rows: a page the walk committed between the two
    reads (older messages) is then still above the note, where reading the frontier after
    the rows put the note on stderr for a log that showed them all."""
    if state is None:
        return
    if not as_json and (not messages or (state.oldest is not None and messages[0].id <= state.oldest)):
        out(state.note)
    else:
        say(state.note.strip("— "))


def print_matches(args: argparse.Namespace) -> int:
    me = open_account(args)
    found = me.search(args.group, args.query, args.limit, args.offset)
    print_messages(found, author_labels(me, args.group), as_json=args.json)
    if len(found) == args.limit:  # on stderr: stdout stays the matches alone
        say(f"(there may be more: --offset {args.offset + args.limit})")
    return EXIT_OK


def import_history(args: argparse.Namespace) -> int:
    me = open_account(args)
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
    return EXIT_OK


def export_history(args: argparse.Namespace) -> int:
    me = open_account(args)
    if args.format == "jsonl":
        me.export_history(args.group, sys.stdout)
    else:
        from peers_tui.cli.format import format_message

        labels = author_labels(me, args.group)
        for message in me.export_views(args.group):
            out(format_message(message, labels))
    return EXIT_OK
