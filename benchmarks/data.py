"""Building the benchmark's data with the project's own code, in a temporary directory.

The messages are synthetic chat: sentences from templates, with a Zipf-like spread of common
words, a sprinkle of rare words (for search), phrases that recur, and authors from a fixed
list. A seeded generator makes every run search the same history. Each group's newest message
is a unique marker (`bench-newest-<tag>`), which is how "its newest row is on screen" is
recognised in tmux captures and in rendered frames.

The big group is filled by `peers import` in a child process (that run *is* figure 10); the
other groups by the same Importer through `Account.import_history` in this process, which is
the same code without a process start per group.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Sizes, log

BASE_TIME = 1_609_459_200  # 2021-01-01T00:00:00Z, epoch seconds
STEP_S = 3                 # seconds between consecutive messages

AUTHORS = ["ana", "bo", "chen", "dmitri", "eve", "farah", "gus", "hana", "ivan", "jo", "kemal",
           "lena", "mo", "nia", "otto", "priya", "quinn", "rosa", "sven", "tariq", "uma", "vik",
           "wen", "xena", "yusuf", "zoe"]
# Rare words: each goes into roughly one message in RARE_EVERY * len(RARE_WORDS).
RARE_WORDS = ["quokka", "zeppelin", "marzipan", "obsidian", "kumquat", "narwhal", "tamarind",
              "yodel", "fjord", "gazpacho"]
RARE_EVERY = 1000
# Very rare: exactly a handful of messages, spread over the whole history.
VERY_RARE = "xylophonist"
VERY_RARE_COUNT = 3

NOUNS = ["build", "deploy", "release", "meeting", "review", "ticket", "branch", "server",
         "database", "dashboard", "migration", "test", "pipeline", "cache", "config", "report",
         "roadmap", "sprint", "demo", "backup"]
STATES = ["is ready", "is broken", "looks fine", "needs review", "is done", "is stuck",
          "went out", "is slow again", "is green", "is flaky"]
WHEN = ["today", "tomorrow", "this afternoon", "after lunch", "next week", "on friday",
        "in ten minutes", "tonight"]
ENVS = ["staging", "production", "the test cluster", "eu-west", "the lab"]
BRANCHES = ["main", "develop", "release-2.3", "feature/search", "hotfix/login"]
FOODS = ["ramen", "tacos", "pizza", "salad", "dumplings", "curry"]
FILLER = ["the", "a", "to", "and", "of", "in", "it", "we", "ok", "so", "yes", "no", "maybe",
          "thanks", "sure", "please", "later", "now", "again", "just", "also", "then"]
TEMPLATES = [
    "hi {name}, the {noun} {state} {when}",
    "merge request {num} is ready for review",
    "build failed on {branch} after the {noun} change",
    "can we move the {noun} meeting to {when}?",
    "deploy of the {noun} to {env} {state}",
    "lunch tomorrow at {hour}? {name} suggested {food}",
    "{name} pushed {num} commits to {branch}",
    "release notes for 2.{num} are in the {noun} doc",
    "{f} {f} {f} {noun} {f} {f}",
    "{f} {f}, the {noun} {state}",
    "{f} {name} {f} {f} {when}",
]


def _sentence(rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)
    parts = template.split("{f}")
    text = parts[0] + "".join(rng.choice(FILLER) + part for part in parts[1:])
    return text.format(name=rng.choice(AUTHORS), noun=rng.choice(NOUNS), state=rng.choice(STATES),
                       when=rng.choice(WHEN), env=rng.choice(ENVS), branch=rng.choice(BRANCHES),
                       food=rng.choice(FOODS), num=rng.randint(1, 999), hour=rng.randint(11, 14))


def messages(count: int, tag: str, seed: int) -> Iterator[dict[str, object]]:
    """`count` import records, oldest first, ending with the marker message `bench-newest-<tag>`."""
    rng = random.Random(seed)
    very_rare_at = {(k + 1) * count // (VERY_RARE_COUNT + 1) for k in range(VERY_RARE_COUNT)}
    for i in range(count):
        if i == count - 1:
            body = marker(tag)
        else:
            body = _sentence(rng)
            if rng.randrange(RARE_EVERY) == 0:
                body += " " + rng.choice(RARE_WORDS)
            if i in very_rare_at:
                body += " " + VERY_RARE
        yield {"id": f"{tag}-{i}", "author": AUTHORS[i % len(AUTHORS)], "body": body,
               "created_at": BASE_TIME + i * STEP_S}


def marker(tag: str) -> str:
    return f"bench-newest-{tag}"


def write_jsonl(path: Path, records: Iterator[dict[str, object]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
            count += 1
    return count


@dataclass
class World:
    """Everything the figures work on; all paths are inside `root`, deleted at the end."""

    root: Path
    hub: Path
    home: Path            # the main user: `groups` shared groups (big, small, delivery, chat, fillers)
    friend_home: Path     # a second user, in the same hub, who shares only the chat group
    solo_home: Path       # the same app with no groups: only the personal group
    solo_hub: Path
    big_jsonl: Path
    big_id: str = ""
    small_id: str = ""
    delivery_id: str = ""
    chat_id: str = ""
    solo_personal_id: str = ""
    total_messages: int = 0

    BIG = "big"
    SMALL = "small"
    DELIVERY = "delivery"
    CHAT = "chat"


def make_world(root: Path) -> World:
    world = World(root=root, hub=root / "hub", home=root / "home",
                  friend_home=root / "friend-home", solo_home=root / "solo-home",
                  solo_hub=root / "solo-hub", big_jsonl=root / "big.jsonl")
    for path in (world.hub, world.home, world.friend_home, world.solo_home, world.solo_hub):
        path.mkdir(parents=True)
    return world


def write_big_file(world: World, sizes: Sizes) -> None:
    log(f"writing {sizes.big_messages:,} messages to {world.big_jsonl.name}")
    write_jsonl(world.big_jsonl, messages(sizes.big_messages, World.BIG, seed=1))


def create_big_group(world: World) -> None:
    """The empty big group; `peers import` fills it (timed as figure 10)."""
    from peers_tui.core.account import Account

    account = Account(world.home, world.hub)
    world.big_id = account.create_group(World.BIG).id


def build_fleet(world: World, sizes: Sizes) -> None:
    """The rest of the main user's groups, and the user with no groups at all."""
    from peers_tui.core.account import Account

    account = Account(world.home, world.hub)
    small = account.create_group(World.SMALL)
    world.small_id = small.id
    account.import_history(small.id, (json.dumps(r) for r in
                                      messages(sizes.small_messages, World.SMALL, seed=2)))
    world.delivery_id = account.create_group(World.DELIVERY).id
    # The group two users chat in, each in a TUI (figure 13): filler-sized, ending with its
    # marker, and the second user joined by invite as anyone would.
    chat = account.create_group(World.CHAT)
    world.chat_id = chat.id
    account.import_history(chat.id, (json.dumps(r) for r in
                                     messages(sizes.filler_messages, World.CHAT, seed=3)))
    Account(world.friend_home, world.hub).join(str(account.invite(chat.id, uses=1)))
    fillers = sizes.groups - 4
    log(f"creating {fillers} more groups of {sizes.filler_messages} messages")
    for n in range(fillers):
        tag = f"g{n:03d}"
        entry = account.create_group(tag)
        account.import_history(entry.id, (json.dumps(r) for r in
                                          messages(sizes.filler_messages, tag, seed=100 + n)))
    world.total_messages = (sizes.big_messages + sizes.small_messages
                            + (fillers + 1) * sizes.filler_messages)
    # `peers` with no group argument opens the last group: make that the big one.
    account.set_last_group(world.big_id)

    solo = Account(world.solo_home, world.solo_hub)
    personal = solo.entries()[0]
    world.solo_personal_id = personal.id
    solo.send(personal.id, marker("solo"))
    solo.set_last_group(personal.id)
