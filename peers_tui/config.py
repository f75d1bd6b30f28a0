"""UI preferences in a TOML file (the theme, for now): in PEERS_CONFIG_DIR, else in the data
directory when one was given (--home, PEERS_HOME), else in the platform's config dir.

Data that belongs to the user's account (drafts, read markers) lives in personal.db; this file
holds only how the app looks, so it can be edited by hand or copied between machines.
"""

from __future__ import annotations

import os
from pathlib import Path

from peers_tui.core.value import Value

from peers_tui.paths import config_dir

CONFIG_FILE = "config.toml"
DEFAULT_THEME = "textual-dark"


class Config(Value):
    """The preferences (a Value, not a dataclass: one compiles its methods at import, and
    this module is imported before the app's first frame)."""

    __slots__ = ("theme",)

    def __init__(self, theme: str = DEFAULT_THEME) -> None:
        self.theme = theme


def config_path(home: str | os.PathLike[str] | None = None) -> Path:
    """config.toml: see paths.config_dir (`home` is the --home option, if given)."""
    return config_dir(home) / CONFIG_FILE


def load_config(path: Path | None = None) -> Config:
    """The saved preferences; defaults when the file is missing or unreadable."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Config()
    import tomllib  # only when there is a file to read: ~1.5 ms of the app's start otherwise

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Config()
    theme = data.get("theme")
    return Config(theme=theme if isinstance(theme, str) and theme else DEFAULT_THEME)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def save_config(config: Config, path: Path | None = None) -> None:
    """Write the preferences atomically (a crash never leaves half a file)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# peers UI preferences", *(f"{key} = {_toml_string(str(getattr(config, key)))}"
                                         for key in config._fields)]
    temp = path.with_suffix(".tmp")
    temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temp, path)
