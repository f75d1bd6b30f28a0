"""Textual's parsed style rules, kept from one start to the next where Python keeps byte code.

Every start parses the app's style sheet (styles/app.tcss) and the DEFAULT_CSS of every widget
class the first screen mounts: ~11 ms of a start measured against a bare Textual app that
parses only its own few (issue 16). What a parse makes is a function of the CSS text, where it
was read from, how it was added (default or not, tie breaker, scope), the theme's variables and
Textual's parser; so the rules parsed are kept, keyed by all of that (the parser by the size
and modification time of Textual's CSS modules), and a start takes them from the file instead.
A key that differs in anything is parsed afresh, as Textual always does; so is a file that
cannot be read or unpickled.

The file is kept beside the package's byte code (PYTHONPYCACHEPREFIX when set, else
styles/__pycache__), and, like byte code, it is not written when Python writes none
(PYTHONDONTWRITEBYTECODE): it is unpickled, so it must be no more writable than the code is.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import textual
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

FILE_NAME = "peers-style-rules.pickle"
# Textual's modules whose code decides what a parse makes.
PARSER_MODULES = ("css/parse.py", "css/tokenize.py", "css/model.py", "css/styles.py",
                  "css/_styles_builder.py", "__init__.py")

Key = tuple[object, ...]


def rules_file(styles: Path) -> Path | None:
    """Where the rules parsed for the style sheets in `styles` are kept (None: nowhere)."""
    if sys.dont_write_bytecode:
        return None
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix, *styles.resolve().parts[1:], FILE_NAME)
    return styles / "__pycache__" / FILE_NAME


def _parser_stamp() -> tuple[object, ...]:
    folder = os.path.dirname(textual.__file__)
    stamp: list[object] = []
    for name in PARSER_MODULES:
        try:
            status = os.stat(os.path.join(folder, name))
            stamp += [name, status.st_size, status.st_mtime_ns]
        except OSError:
            stamp += [name, None, None]
    return tuple(stamp)


def _load(path: Path | None) -> dict[Key, list[RuleSet]]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as file:
            kept = pickle.load(file)
    except Exception:  # noqa: BLE001 - a missing, damaged or outdated file: parse afresh
        return {}
    return kept if isinstance(kept, dict) else {}


class KeptRulesStylesheet(Stylesheet):
    """Textual's Stylesheet, taking what it would parse from the rules kept at `path`."""

    def __init__(self, *, variables: dict[str, str] | None = None,
                 path: Path | None = None) -> None:
        super().__init__(variables=variables)
        self._kept_path = path
        self._kept = _load(path)
        self._used: dict[Key, list[RuleSet]] = {}
        self._parsed_afresh = False
        self._stamp: tuple[object, ...] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._stamp = None

    def _key(self, css: str, read_from: CSSLocation, is_default_rules: bool,
             tie_breaker: int, scope: str) -> Key:
        if self._stamp is None:
            self._stamp = (_parser_stamp(), tuple(sorted(self._variables.items())))
        return (css, read_from, is_default_rules, tie_breaker, scope, self._stamp)

    def _parse_rules(self, css: str, read_from: CSSLocation, is_default_rules: bool = False,
                     tie_breaker: int = 0, scope: str = "") -> list[RuleSet]:
        key = self._key(css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._kept.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if any(rule.errors for rule in rules):
                return rules  # reported by parse(); never kept
            self._parsed_afresh = True
        self._used[key] = rules
        return rules

    def reparse(self) -> None:
        """Textual's reparse (a new theme's variables: a saved theme sets one at every start),
        in a fresh sheet as Textual's, so that an error leaves this one as it was; but a
        fresh sheet of this kind, which takes the kept rules too: Textual's parsed every sheet
        again (~10 ms of a start with a theme)."""
        sheet = KeptRulesStylesheet(variables=self._variables)
        sheet._kept = self._kept
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            sheet.add_source(css, read_from=read_from, is_default_css=is_defaults,
                             tie_breaker=tie_breaker, scope=scope)
        try:
            sheet.parse()
        except Exception:
            self._invalid_css.update(sheet._invalid_css)  # as Textual's reparse does
            raise
        self._rules = sheet.rules
        self._rules_map = None
        self.source = sheet.source
        self._require_parse = False
        self._used.update(sheet._used)
        self._parsed_afresh = self._parsed_afresh or sheet._parsed_afresh

    def keep_rules(self) -> None:
        """Write the rules this start used, if any were parsed afresh (after the first frame:
        ~5 ms of pickling that the frame need not wait for)."""
        path = self._kept_path
        if path is None or not self._parsed_afresh:
            return
        self._parsed_afresh = False
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as file:
                pickle.dump(self._used, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except (OSError, pickle.PicklingError):
            # Unwritable: the next start parses as Textual does, slower and as correct.
            try:
                os.unlink(temporary)
            except OSError:
                pass


def keep_style_rules(stylesheet: Stylesheet) -> None:
    """Keep the rules of the app's style sheet (see KeptRulesStylesheet.keep_rules)."""
    if isinstance(stylesheet, KeptRulesStylesheet):
        stylesheet.keep_rules()
