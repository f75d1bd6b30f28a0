"""Raw column values from files anyone in the hub may have written: read without surprises.

SQLite is dynamically typed, so a column declared INTEGER can hold text, a BLOB or a float
out of every range, a TEXT column can hold bytes that are not UTF-8, and a writer may recreate
a table without its NOT NULL constraints. None of that may raise while reading: the row is
then simply not what its signed record says, and the readers report it as damaged with the
reason. This module is the one place that turns such values into plain Python ones:

- `decode_text` is every connection's text factory: invalid UTF-8 becomes U+FFFD instead of
  an error that would make the whole file unreadable;
- the `Raw*Field`s are the models' fields: their conversions never raise, and a value that is
  not of the declared type is passed on as it is, for the readers' type checks to refuse;
- `open_stored` opens a stored record whatever its columns hold, and a record nested too
  deeply for the JSON parser is a damaged record, not a RecursionError.
"""

from __future__ import annotations

from typing import Any

from peewee import SQL, BlobField, BooleanField, IntegerField, TextField

from peers_tui.core.raw_values import (
    UNEXPECTED_CONTENT, as_int, as_text, decode_text, open_stored, text_of, unexpected_content,
)

# Rows whose author_seq is an integer: only those can continue or measure an author's chain
# (SQLite sorts text and BLOBs above every number, so MAX() would otherwise pick junk).
INTEGER_SEQ = SQL("typeof(author_seq) = 'integer'")


class RawTextField(TextField):
    """TEXT whose conversion never raises: a BLOB is decoded leniently, a number shown as text."""

    def python_value(self, value: Any) -> Any:
        return value if value is None else text_of(value)


class RawIntegerField(IntegerField):
    """INTEGER passed on as stored: text, a BLOB or an infinite float stays what it is, for
    the readers to refuse (peewee's int() would raise on infinity or silently cut 1.5 to 1)."""

    def python_value(self, value: Any) -> Any:
        return value

    def db_value(self, value: Any) -> Any:
        # A row read with junk in it and saved again (say, with a new read marker) writes the
        # junk back as it was, rather than failing on int(inf).
        try:
            return super().db_value(value)
        except (OverflowError, ValueError, TypeError):
            return value


class RawBlobField(BlobField):
    """BLOB passed on as stored (a signature stored as text is simply not a signature)."""

    def python_value(self, value: Any) -> Any:
        return value


class RawBooleanField(BooleanField):
    """A flag: 1 is true; anything else, junk included, is false."""

    def python_value(self, value: Any) -> Any:
        return value == 1


__all__ = ["INTEGER_SEQ", "UNEXPECTED_CONTENT", "RawBlobField", "RawBooleanField",
           "RawIntegerField", "RawTextField", "as_int", "as_text", "decode_text", "open_stored",
           "text_of", "unexpected_content"]
