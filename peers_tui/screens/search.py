"""SearchScreen: full-text search of the open group; choosing a result jumps the log to it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import GroupStore
from peers_tui.core.names import person_labels, shown_handle, shown_name
from peers_tui.core.text import inert
from peers_tui.core.times import local_minute
from peers_tui.core.views import MessageView
from peers_tui.screens.picker import PickerScreen
from peers_tui.widgets.text_field import TextField
from peers_tui.worker_errors import pass_on_failure

RESULTS = 50   # a page of results; the next page is fetched from the "more" line
MAX_NAME = 80  # cells of an author's label (the result folds onto two lines at most)
MORE = "--more--"  # the id of that line (message ids are ULIDs: never this)


def as_you_type(query: str) -> str:
    """Treat the word being typed as a prefix, so "stag" already finds "staging"."""
    text = query.strip()
    if text and text[-1].isalnum() and text.count('"') % 2 == 0:
        return text + "*"
    return text


def result_labels(views: list[MessageView], people: frozenset[tuple[str, str]]
                  ) -> dict[tuple[str, str], str]:
    """Each result's author as the log names them: with the fingerprint where another
    person's name (a result's author, or one of the group's `people`) looks alike."""
    return person_labels(((v.author_id, v.display_author, v.fingerprint) for v in views),
                         people, room=MAX_NAME)


def result_text(view: MessageView, query: str, label: str | None = None) -> Text:
    """`date author: text` with the query's words highlighted, on at most two lines."""
    when = local_minute(view.created_at)
    body = inert(view.body).replace("\n", " ⏎ ")
    flag = "" if view.verified else "⚠ unverified "
    text = Text.assemble((when, "dim"), " ", (flag, "bold"),
                         (label or shown_handle(view.display_author), "bold"), ": ", body)
    words = [w.strip('"*').lower() for w in query.split() if w.strip('"*')]
    for word in words:
        text.highlight_words([word], style="reverse", case_sensitive=False)
    text.truncate(400)
    return text


class ResultList(OptionList):
    """The results. OptionList counts each option's lines at the width it has when they are
    added, and keeps them when its scrollbar then appears and takes 2 cells: a result folding
    onto one more line lost its last (the end of a message, at 60 columns). Counted again."""

    def watch_show_vertical_scrollbar(self) -> None:
        self._clear_caches()


class SearchScreen(PickerScreen):
    """Returns the id of the chosen message, or None."""

    @dataclass
    class Results(Message):
        query: str
        views: list[MessageView]
        error: str | None = None
        offset: int = 0

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, store: GroupStore, group_name: str, query: str = "",
                 people: frozenset[tuple[str, str]] = frozenset()) -> None:
        super().__init__()
        self.store = store
        self.people = people  # the group's members, former ones too: (id, handle)
        self.group_name = group_name
        self.initial = query
        self._query = ""
        self._shown = 0  # results listed for _query

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = Content(f"Search {shown_name(self.group_name)}")  # not markup
            yield TextField(value=self.initial, placeholder='words, "a phrase", prefix*', id="search-input")
            yield Label("", id="search-status")
            yield ResultList(id="search-results")

    def on_mount(self) -> None:
        if self.initial:
            self._search(self.initial)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if len(event.value.strip()) >= 2:
            self._search(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.pick_highlighted():
            self._search(event.value)

    def choose(self, option_id: str | None) -> None:
        if option_id == MORE:
            self._search(self._query, self._shown)
        else:
            super().choose(option_id)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, offset: int = 0) -> None:
        try:
            views = self.store.search(as_you_type(query), RESULTS, offset)
        except PeersError as exc:
            self.post_message(self.Results(query, [], str(exc), offset))
            return
        self.post_message(self.Results(query, views, None, offset))

    @on(Results)
    def _results(self, event: Results) -> None:
        status = self.query_one("#search-status", Label)
        options = self.query_one(OptionList)
        if event.offset == 0 or event.query != self._query:
            options.clear_options()
            self._query, self._shown = event.query, 0
        elif options.option_count:
            options.remove_option(MORE)  # the next page takes its place
        if event.error:
            status.update(Content(inert(event.error, allow_newlines=False)))  # it may quote the query
            return
        first = self._shown
        self._shown += len(event.views)
        more = len(event.views) == RESULTS
        count = self._shown
        status.update(f"{count}{'+' if more else ''} result{'s' if count != 1 else ''}"
                      ", newest first; Enter jumps to the message")
        labels = result_labels(event.views, self.people)
        options.add_options([Option(result_text(v, event.query, labels[(v.author_id,
                                                                        v.display_author)]),
                                    id=v.id) for v in event.views])
        if more:
            options.add_option(Option(Text(f"… more results (Enter shows the next {RESULTS})",
                                           style="dim"), id=MORE))
        if count:
            options.highlighted = first if first < options.option_count else 0
