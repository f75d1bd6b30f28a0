"""Where peers keeps its files: PEERS_HOME for the user's own data, PEERS_HUB for group DBs."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "peers"


def home_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's data directory: --home, else PEERS_HOME, else the platform's user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("PEERS_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs  # ~5 ms: only when neither --home nor PEERS_HOME says where

    return platformdirs.user_data_path(APP_NAME)


def hub_dir(home: Path, override: str | os.PathLike[str] | None = None) -> Path:
    """The directory of group databases: --hub, else PEERS_HUB, else <home>/groups."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("PEERS_HUB")
    if env:
        return Path(env).expanduser()
    return home / "groups"


def config_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the TOML config file (themes and other UI preferences).

    PEERS_CONFIG_DIR, else the data directory when one was chosen (--home, passed here as
    `home`, or PEERS_HOME): then nothing is written outside it and the hub. Only with
    neither is it the platform's user config dir.
    """
    env = os.environ.get("PEERS_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    if home or os.environ.get("PEERS_HOME"):
        return home_dir(home)
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def home_relative(path: Path) -> str:
    """`~/peers/hub` for a path under the user's home directory (shorter on screen)."""
    try:
        return "~/" + str(path.resolve().relative_to(Path.home().resolve()))
    except (ValueError, RuntimeError, OSError):
        return str(path)
