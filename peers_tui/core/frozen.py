"""Immutable value classes without `dataclasses`, for the types every `peers send` builds.

`dataclasses` imports `inspect` (with `ast`, `dis`, `tokenize`), and each `@dataclass`
generates and compiles its methods when the class is defined: ~11 ms of a lean send whose
whole process should stay within 3x of a bare Python committing one INSERT (~26 ms of CPU).
So the core's record, roster and Groups-row types write their `__init__` by hand (setting
their fields with `set_field`) and take from `Frozen` what a frozen dataclass gave them:
assignment refused, equality and hash over the compared fields, a dataclass-style repr,
pickling (the roster goes to the verify workers) and `replace` (dataclasses.replace).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~2.5 ms)
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    F = TypeVar("F", bound="Compared")

set_field = object.__setattr__  # how an __init__ sets a field of a frozen instance


class Compared:
    """Equality, hashing, a dataclass-style repr and pickling over named fields: a subclass
    names its fields in `_fields` (its constructor's parameters, in order), those equality and
    hashing compare in `_compared` and those its repr shows in `_shown` (both default to all
    of them). `Frozen` adds refused assignment; `core.value.Value` is the mutable kind."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...] | None] = None
    _shown: ClassVar[tuple[str, ...] | None] = None

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._compared or self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Compared)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}"
                          for name in (self._fields if self._shown is None else self._shown))
        return f"{type(self).__qualname__}({shown})"

    def __reduce__(self) -> tuple[type[Compared], tuple[Any, ...]]:
        return self.__class__, tuple(getattr(self, name) for name in self._fields)


class Frozen(Compared):
    """Base of an immutable value class with `__slots__` (see Compared)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a {type(self).__name__}")


def replace(obj: F, **changes: Any) -> F:
    """A copy of `obj` with some fields changed (as dataclasses.replace)."""
    unknown = changes.keys() - set(obj._fields)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    copy = object.__new__(type(obj))
    for name in obj._fields:
        set_field(copy, name, changes[name] if name in changes else getattr(obj, name))
    return copy


__all__ = ["Compared", "Frozen", "replace", "set_field"]
