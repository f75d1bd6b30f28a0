"""The rows of a prepared query (core.models.prepared), read without building model objects.

Peewee turns every result into model instances through a cursor wrapper that it sets up anew
for each query: ~0.1 ms of a query that SQLite answers in ~20 µs, paid five times for each
message a live log shows (its new rows, the rows of their ids, their changes, two chain
lookups) and as often in a relay's apply. Here each column gets the conversion the model's
cursor wrapper gives it (the field's `python_value`, as Peewee resolves a raw query's
columns; none for a column that is not a field, such as `rowid`), and a row is a named tuple
with the same attributes, built by a type made once per model and column list. Readers only
read rows' attributes (core.history, core.chains, relay.rows, relay.apply_batch).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from peewee import Field, Model

Converters = list[Callable[[Any], Any] | None]
# The columns are known only when the query has run: a named tuple type made then, which no
# static type describes.
_row_type: Callable[..., Any] = namedtuple
_SHAPES: dict[tuple[type[Model], tuple[str, ...]], tuple[Any, Converters]] = {}


class PreparedRows:
    """The rows of one run of a prepared query: iterated once as row objects, or as plain
    tuples through `tuples().iterator()` (what core.models.tuples asks of a query)."""

    def __init__(self, model: type[Model], text: str, params: list[Any]) -> None:
        self.model = model
        self.cursor = model._meta.database.execute_sql(text, params)
        self._plain = False

    def _shape(self) -> tuple[Any, Converters]:
        names = tuple(item[0] for item in self.cursor.description)
        key = (self.model, names)
        shape = _SHAPES.get(key)
        if shape is None:
            fields = self.model._meta.combined
            columns = [name[name.rfind(".") + 1:].strip('()"`') for name in names]
            converters: Converters = [
                fields[c].python_value if isinstance(fields.get(c), Field) else None
                for c in columns]
            attributes = [fields[c].name if isinstance(fields.get(c), Field) else c
                          for c in columns]
            row_type = _row_type("PreparedRow", attributes, rename=True)
            shape = _SHAPES[key] = (row_type, converters)
        return shape

    def tuples(self) -> PreparedRows:
        self._plain = True
        return self

    def iterator(self) -> Iterator[Any]:
        return iter(self)

    def __iter__(self) -> Iterator[Any]:
        row_type, converters = self._shape()
        make = tuple if self._plain else row_type._make
        for raw in self.cursor:
            yield make([value if convert is None else convert(value)
                        for convert, value in zip(converters, raw)])
