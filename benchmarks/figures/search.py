"""Figure 7: full-text search over the big group, limit 50, p95 over a fixed set of queries.

The queries cover what people type: rare words (a few hundred hits or fewer, so the whole
posting list is read), common words (hits everywhere: the first 50 by rowid must come fast),
prefixes, phrases (positions must be checked), and mixtures. Each runs `search_repeats` times
through `GroupStore.search`, which includes verifying every returned message.

Baseline: the stock approach without an index, `body LIKE '%word%'` for each term, newest
first, limit 50, on a plain sqlite3 connection to the same file.
"""

from __future__ import annotations

import sqlite3
import time

from benchmarks.common import Figure, Sizes, log, median, percentile, ratio
from benchmarks.data import World

TARGET_MS = 50.0

# (kind, FTS5 query, LIKE patterns that mean about the same)
QUERIES: list[tuple[str, str, list[str]]] = [
    ("rare", "quokka", ["%quokka%"]),
    ("rare", "zeppelin", ["%zeppelin%"]),
    ("rare", "xylophonist", ["%xylophonist%"]),
    ("common", "the", ["%the%"]),
    ("common", "build", ["%build%"]),
    ("common", "review", ["%review%"]),
    ("prefix", "depl*", ["%depl%"]),
    ("prefix", "marz*", ["%marz%"]),
    ("prefix", "xylo*", ["%xylo%"]),
    ("phrase", '"merge request"', ["%merge request%"]),
    ("phrase", '"build failed"', ["%build failed%"]),
    ("phrase", '"lunch tomorrow"', ["%lunch tomorrow%"]),
    ("mixed", "quokka build", ["%quokka%", "%build%"]),
    ("mixed", '"release notes" database', ["%release notes%", "%database%"]),
    ("mixed", "narwhal fjord", ["%narwhal%", "%fjord%"]),
]


def measure(world: World, sizes: Sizes) -> list[Figure]:
    from peers_tui.core.account import Account

    log("figure 7: full-text search")
    account = Account(world.home, world.hub)
    store = account.store(account.resolve(world.big_id))
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    for _ in range(sizes.search_repeats):
        for kind, query, _patterns in QUERIES:
            start = time.perf_counter()
            found = store.search(query, 50)
            elapsed = (time.perf_counter() - start) * 1000
            samples.append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
            hits[query] = len(found)

    log("figure 7 baseline: LIKE scans")
    db = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    base_samples: list[float] = []
    for _ in range(sizes.search_repeats):
        for _kind, _query, patterns in QUERIES:
            where = " AND ".join("body LIKE ?" for _ in patterns)
            start = time.perf_counter()
            db.execute(f"SELECT rowid FROM message WHERE {where} ORDER BY rowid DESC LIMIT 50",
                       patterns).fetchall()
            base_samples.append((time.perf_counter() - start) * 1000)
    db.close()

    value, baseline = percentile(samples, 95), percentile(base_samples, 95)
    return [Figure(
        "search_p95", f"search over {sizes.big_messages:,} messages, limit 50, p95", "ms",
        value, baseline, "LIKE '%word%' scan, p95", f"<= {TARGET_MS:.0f} ms",
        value <= TARGET_MS, ratio(value, baseline),
        {"queries": len(QUERIES), "runs": len(samples), "median_ms": median(samples),
         "max_ms": max(samples),
         "p95_by_kind_ms": {k: percentile(v, 95) for k, v in by_kind.items()},
         "hits": hits, "baseline_median_ms": median(base_samples)})]
