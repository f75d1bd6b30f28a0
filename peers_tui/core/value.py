"""`Value`: the base of the small records the core hands to the CLI and the screens.

A frozen dataclass compiles its `__init__`, `__repr__`, `__eq__`, `__hash__` and
`__setattr__` from source when its module is imported (~2 ms a class on Python 3.11), and
start-up is measured against a bare Textual app (issue 16). A `Value` subclass lists its
fields in `__slots__`, in the order of its `__init__`'s parameters of the same names, and
gets equality, hashing, a repr and `replace` from them here: what the dataclasses gave,
except that nothing stops an assignment at run time (mypy still reports one to a name the
class does not declare); no code assigns to one.
"""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V", bound="Value")


class Value:
    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Value)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def replace(self: V, **changes: Any) -> V:
        """A copy with `changes` (the fields named) in place of this one's values."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return type(self)(**values)
