"""The role ladder from the Peers design and the rule for who may grant what."""

from __future__ import annotations

from enum import IntEnum

from peers_tui.core.errors import PeersError


class Role(IntEnum):
    """Roles in a group; a higher number outranks a lower one."""

    READER = 20
    WRITER = 40
    ADMIN = 60
    OWNER = 80

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def with_article(self) -> str:
        return ("an " if self.label[0] in "aeiou" else "a ") + self.label

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its name (`writer`) or number (`40`); PeersError otherwise."""
        cleaned = str(text).strip().lower()
        for role in cls:
            if cleaned in (role.label, str(role.value)):
                return role
        names = ", ".join(role.label for role in cls)
        raise PeersError(f"unknown role {text!r}: use one of {names}")

    @classmethod
    def from_value(cls, value: object) -> Role | None:
        """The role with this stored value, or None for anything a record should not hold."""
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                return None
        return None


def may_grant(granter: Role, role: Role) -> bool:
    """You grant only roles strictly below your own; only owners grant owner."""
    if role is Role.OWNER:
        return granter is Role.OWNER
    return role < granter


def may_manage(actor: Role, target: Role) -> bool:
    """You change or remove only members strictly below you; admins and above manage."""
    return actor >= Role.ADMIN and target < actor
