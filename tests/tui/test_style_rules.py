"""The style rules a start parses are kept for the next start (peers_tui.style_rules, issue 16):
parsing the app's style sheet and its widgets' DEFAULT_CSS was ~11 ms of a start measured
against a bare Textual app. A start that finds them kept parses nothing, and ends up with the
very rules a parse makes; anything that differs, or a damaged file, is parsed afresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.css.stylesheet import Stylesheet

from peers_tui.style_rules import FILE_NAME, KeptRulesStylesheet
from tests.conftest import User

SCRIPT = """
import asyncio, sys
from pathlib import Path
import textual.css.stylesheet as sheet
from textual.css.stylesheet import Stylesheet
from peers_tui.core.account import Account
from peers_tui.factory import build_app
from peers_tui.widgets import MessageLog

parses = []
plain_parse = sheet.parse
def counted(*args, **kwargs):
    parses.append(args[2])
    return plain_parse(*args, **kwargs)
sheet.parse = counted

def shape(rules):
    return sorted(repr((r.selector_set, sorted((k, repr(v)) for k, v in r.styles._rules.items()),
                        sorted(r.styles.important), r.is_default_rules, r.tie_breaker))
                  for r in rules)

async def main() -> None:
    app = build_app(Account(Path(sys.argv[1]), Path(sys.argv[2])), "team")
    seen = []
    display = app._display
    def drawn(screen, renderable):
        log = screen.query(MessageLog)
        if not seen and renderable is not None and log and log.first().views:
            seen.append(len(parses))
        display(screen, renderable)
    app._display = drawn
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(2000):
            if seen:
                break
            await pilot.pause(0.01)
        await pilot.pause(0.3)  # the rules are kept after the first frame
        fresh = Stylesheet(variables=app.stylesheet._variables)
        for read_from, (css, default, tie_breaker, scope) in app.stylesheet.source.items():
            fresh.add_source(css, read_from=read_from, is_default_css=default,
                             tie_breaker=tie_breaker, scope=scope)
        fresh.parse()
        same = shape(app.stylesheet.rules) == shape(fresh.rules)
    print(seen[0] if seen else "no frame", same)

asyncio.run(main())
"""


def _start(user: User, cache: Path, **extra_env: str) -> str:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache), **extra_env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(user.home), str(user.hub)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_second_start_parses_no_style_sheet_and_has_the_same_rules(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    bob.ok("send", "team", "hello from bob")
    cache = tmp_path / "pycache"
    parsed, same = _start(alice, cache).split()
    assert int(parsed) > 0 and same == "True"  # the first start parses, as Textual does
    assert list(cache.rglob(FILE_NAME))
    parsed, same = _start(alice, cache).split()
    assert (int(parsed), same) == (0, "True")


def test_a_start_with_a_saved_theme_parses_no_style_sheet_either(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    """A saved theme is set as the app mounts, and Textual parses every sheet again with its
    variables (in a fresh Stylesheet of its own): that parse takes the kept rules too."""
    bob.ok("send", "team", "hello from bob")
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('theme = "nord"\n')
    cache = tmp_path / "pycache"
    parsed, same = _start(alice, cache, PEERS_CONFIG_DIR=str(config)).split()
    assert int(parsed) > 0 and same == "True"
    parsed, same = _start(alice, cache, PEERS_CONFIG_DIR=str(config)).split()
    assert (int(parsed), same) == (0, "True")  # the rules of the theme's variables, kept


def _rules(sheet: Stylesheet) -> list[str]:
    return [repr((r.selector_set, sorted(r.styles._rules.items(), key=repr))) for r in sheet.rules]


def test_changed_css_and_a_damaged_file_are_parsed_afresh(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    first = KeptRulesStylesheet(variables={}, path=path)
    first.add_source("Static { color: red; }", read_from=("a.tcss", ""))
    first.parse()
    first.keep_rules()
    assert path.exists()

    changed = KeptRulesStylesheet(variables={}, path=path)
    changed.add_source("Static { color: blue; }", read_from=("a.tcss", ""))
    changed.parse()
    assert "Color(0, 0, 255)" in _rules(changed)[0]

    path.write_bytes(b"not a pickle")
    damaged = KeptRulesStylesheet(variables={}, path=path)
    damaged.add_source("Static { color: red; }", read_from=("a.tcss", ""))
    damaged.parse()
    assert _rules(damaged) == _rules(first)




def test_an_app_that_ends_before_its_tasks_after_the_first_frame_keeps_its_rules_and_keys(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    """A terminal that hangs up right after the first frame (a closed window, the
    benchmark's next start: SIGHUP as soon as the newest row shows) may end the app before
    the tasks after that frame run: the style rules and the look-alike keys (core.name_keys)
    are kept on the way out too."""
    from peers_tui.core.name_keys import KEYS_FILE

    bob.ok("send", "team", "hello from bob")
    (alice.home / KEYS_FILE).unlink(missing_ok=True)
    cache = tmp_path / "pycache"
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = SCRIPT.replace("parses = []\n", "parses = []\n"
                            "import peers_tui.startup as startup\n"
                            "startup.FirstPaintWork.run = lambda self: None  # ended before it ran\n")
    result = subprocess.run([sys.executable, "-c", script, str(alice.home), str(alice.hub)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert list(cache.rglob(FILE_NAME))
    assert (alice.home / KEYS_FILE).exists()
