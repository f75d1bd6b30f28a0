"""The group stores one process has open, shared by its threads (the UI, workers, the outbox).

Opening a store reads and checks its genesis; two threads asking for the same group at once
must get the same store, not two (each would keep its own caches), so opening and closing
happen under one lock. `close()` closes every store at exit.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import GROUP_MODELS
from peers_tui.core.membership import Roster
from peers_tui.core.personal_store import ALL_MODELS, GroupEntry

OwnPin = Callable[[str, str, Roster], "tuple[int, str] | None"]
OwnKept = Callable[[str, str], "tuple[str, bytes] | None"]


class StoreRegistry:
    """Open GroupStores by group id; thread-safe."""

    def __init__(self, own_pin: OwnPin | None = None, own_kept: OwnKept | None = None) -> None:
        self._lock = threading.Lock()
        self._stores: dict[str, GroupStore] = {}
        # (group id, author, roster) -> the author's pinned own head (core.pins.Pins.own_pin),
        # given to every store opened here: its writes never sign at a place it names.
        self._own_pin = own_pin
        self._own_kept = own_kept  # (group id, author) -> the copy of that pinned record

    def _pinned(self, store: GroupStore) -> GroupStore:
        if self._own_pin is not None:
            store.file.own_pin = functools.partial(self._own_pin, store.group_id)
        if self._own_kept is not None:
            store.file.own_kept = functools.partial(self._own_kept, store.group_id)
        return store

    def store(self, entry: GroupEntry) -> GroupStore:
        """The open store of a listed group (checked against the id the Groups table pins)."""
        with self._lock:
            store = self._stores.get(entry.id)
            if store is None:
                # The personal group lives in personal.db, beside the Groups table.
                store = GroupStore(entry.db_path, entry.id,
                                   models=ALL_MODELS if entry.personal else GROUP_MODELS)
                store.file.known_as = entry.name
                store.genesis()
                self._stores[entry.id] = self._pinned(store)
            return store

    def add(self, store: GroupStore) -> None:
        """A store this process just created or joined: kept open for what follows."""
        with self._lock:
            self._stores.setdefault(store.group_id, self._pinned(store))

    def close(self) -> None:
        """Close every store (their connections held by this thread) and forget them."""
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()
