"""`Value`: the base of the small records the core hands to the CLI and the screens.

A frozen dataclass compiles its `__init__`, `__repr__`, `__eq__`, `__hash__` and
`__setattr__` from source when its module is imported (~2 ms a class on Python 3.11), and
start-up is measured against a bare Textual app (issue 16). A `Value` subclass lists its
fields in `__slots__`, in the order of its `__init__`'s parameters of the same names, and
sets them plainly in `__init__`; equality, hashing, the repr and `replace` come from
`core.frozen.Compared` (what the send path's immutable classes have too), over those slots. Unlike `Frozen`,
nothing stops an assignment at run time (mypy still reports one to a name the class does not
declare); no code assigns to one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from peers_tui.core.frozen import Compared, replace

V = TypeVar("V", bound="Value")


class Value(Compared):
    __slots__: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[str] = []
        for klass in reversed(cls.__mro__):  # a base's fields first, as a dataclass orders them
            fields += [name for name in klass.__dict__.get("__slots__", ()) if name not in fields]
        cls._fields = tuple(fields)

    def replace(self: V, **changes: Any) -> V:
        """A copy with `changes` (the fields named) in place of this one's values."""
        return replace(self, **changes)
