"""What the parts of an account (core.member_actions, core.message_actions) may ask of it:
the user's identity and handle, their personal DB, pins and open stores, and a group by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import Keypair
from peers_tui.core.personal_store import GroupEntry, PersonalStore
from peers_tui.core.pins import Pins
from peers_tui.core.store_registry import StoreRegistry


@dataclass(frozen=True)
class Paths:
    home: Path
    hub: Path


class UserContext(Protocol):
    """One user's account as its parts see it (core.account.Account is one)."""

    keypair: Keypair
    personal: PersonalStore
    pins: Pins
    stores: StoreRegistry
    paths: Paths

    @property
    def user_id(self) -> str: ...

    @property
    def handle(self) -> str: ...

    def resolve(self, query: str) -> GroupEntry: ...

    def group_store(self, query: str, *, shared: bool = False
                    ) -> tuple[GroupEntry, GroupStore]: ...
