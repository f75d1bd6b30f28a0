"""Where the web links in a message's text are: what the log shows as terminal hyperlinks.

A link's target is exactly its visible text (no hidden targets), so only a run that is a
plain ASCII URL as written is one: a run with a character outside ASCII (a look-alike letter
in a host name, say) is no link at all rather than a link to part of what is shown. Trailing
punctuation ("see https://x.org/a.") and a closing bracket without its opening one
("(https://x.org/a)") belong to the sentence, not the URL.
"""

from __future__ import annotations

import re

# A scheme at the start of a word, then everything up to the next space.
_CANDIDATE = re.compile(r"(?<![\w@/.+-])https?://\S+", re.IGNORECASE)
# Characters a URL may hold as written (RFC 3986: unreserved, reserved and '%').
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                     "-._~:/?#[]@!$&'()*+,;=%")
# Characters that end a URL written in text: quotes and brackets around it.
_DELIMITERS = frozenset('<>"`{}|\\^')
_TRAILING = ".,;:!?'*"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _trimmed(url: str) -> str:
    """`url` without the punctuation of the sentence around it."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            return url
    return url


def url_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each http(s) URL in `text`, in order."""
    spans = []
    for match in _CANDIDATE.finditer(text):
        run = match.group()
        end = next((i for i, char in enumerate(run) if char in _DELIMITERS), len(run))
        run = run[:end]
        if any(char not in _ALLOWED for char in run):
            continue  # not plain ASCII as written: shown as text, never as a link
        url = _trimmed(run)
        host = url.split("://", 1)[1]
        if host and host[0] not in "/?#":
            spans.append((match.start(), match.start() + len(url)))
    return spans
