"""A backfill page's Ed25519 signatures, checked on the other core before the page is applied.

The relay's apply runs on its event loop and holds the GIL; Ed25519 verification was a fifth
of a backfill's CPU. libsodium's verify is a cffi call, which releases the GIL, so a small
thread pool checks the next page's signatures while the loop applies this one. A signature
found good lands in `core.identity`'s cache of verified signatures (keyed by the author, the
signature and the digest of the text), so the apply's own `open_record` finds it there and
judges the record with exactly the checks it always does; a signature that fails here, or a
record whose author cannot be read off its first key, is simply left for the apply to check
(and refuse) as before. Nothing is accepted here, only remembered.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from peers_tui.core.identity import verify_signature
from peers_tui.relay import walk_priority
from peers_tui.relay.envelope import Envelope

# Canonical record text sorts its keys, and "a" (the author) sorts first.
_AUTHOR = re.compile(r'\{"a":"([A-Za-z0-9]{1,128})"')
WORKERS = 2
CHUNK = 250

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="peers-verify",
                                   initializer=walk_priority.in_background_walk)
    return _pool


def check_signatures(envelopes: list[Envelope]) -> int:
    """Verify each record's signature as its author's (the good ones are remembered); how many
    were good."""
    good = 0
    for envelope in envelopes:
        found = _AUTHOR.match(envelope.text)
        if found is not None and envelope.sig and verify_signature(
                found.group(1), envelope.text.encode("utf-8"), bytes(envelope.sig)):
            good += 1
    return good


def start_checking(envelopes: list[Envelope]) -> asyncio.Future[list[int]]:
    """`check_signatures` on the pool's threads, a chunk each, started now (not when the loop
    next runs: the caller may go on applying without yielding); await the result to wait."""
    loop = asyncio.get_running_loop()
    chunks = [envelopes[i:i + CHUNK] for i in range(0, len(envelopes), CHUNK)] or [[]]
    return asyncio.gather(*(loop.run_in_executor(_executor(), check_signatures, chunk)
                            for chunk in chunks))


async def checked_ahead(pages: AsyncIterator[tuple[int, list[Envelope]]]
                        ) -> AsyncIterator[tuple[int, list[Envelope]]]:
    """The pages of `pages`, each once its signatures were checked on the pool, and only after
    the next page was read and its check started: the pool checks page k+1 while the caller
    applies page k (and page k while the loop reads page k+1)."""
    current: tuple[int, list[Envelope], asyncio.Future[list[int]]] | None = None
    async for low, page in pages:
        checking = start_checking(page)
        if current is not None:
            await current[2]
            yield current[0], current[1]
        current = (low, page, checking)
    if current is not None:
        await current[2]
        yield current[0], current[1]


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
