"""Where the log finds web links (core.links): the URL as written, never the sentence around it,
and nothing that would link to something other than what is shown."""

from __future__ import annotations

import pytest

from peers_tui.core.links import url_spans


def links(text: str) -> list[str]:
    return [text[start:end] for start, end in url_spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("see https://example.com/a", ["https://example.com/a"]),
    ("two: http://a.org and https://b.org/x?y=1#z", ["http://a.org", "https://b.org/x?y=1#z"]),
    ("end of a sentence https://example.com/a.", ["https://example.com/a"]),
    ("is it https://example.com/a?", ["https://example.com/a"]),
    ("(see https://example.com/a)", ["https://example.com/a"]),
    ("https://en.wikipedia.org/wiki/Foo_(bar)", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
    ("(https://en.wikipedia.org/wiki/Foo_(bar))", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
    ("quoted 'https://example.com/q', then", ["https://example.com/q"]),
    ("<https://example.com/angle>", ["https://example.com/angle"]),
    ('"https://example.com/dq"', ["https://example.com/dq"]),
    ("HTTPS://EXAMPLE.COM", ["HTTPS://EXAMPLE.COM"]),
])
def test_urls_are_found_without_the_punctuation_around_them(text, expected):
    assert links(text) == expected


@pytest.mark.parametrize("text", [
    "no links here",
    "ftp://example.com/file",
    "javascript:alert(1)",
    "https://",
    "https:///path-only",
    "xhttps://example.com",           # not at the start of a word
    "https://exаmple.com/login",      # a Cyrillic а: a link would not go where it reads
    "https://example.com/\u202eevil",  # a control character in the run
])
def test_no_link_where_the_target_would_not_be_what_is_shown(text):
    assert links(text) == []
