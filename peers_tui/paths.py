"""Where peers keeps its files: PEERS_HOME for the user's own data, PEERS_HUB for group DBs."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from pathlib import Path

APP_NAME = "peers"


def chosen_home(override: str | os.PathLike[str] | None = None) -> str | None:
    """--home, else PEERS_HOME, as a str (`peers send` runs without pathlib); None when
    neither says where: then it is the platform's user data dir (home_dir)."""
    chosen = override or os.environ.get("PEERS_HOME")
    # Absolute: the paths of groups are stored in personal.db, and a relative `--home u1`
    # left them unfound ("missing", "damaged") when peers ran from another directory.
    return os.path.abspath(os.path.expanduser(chosen)) if chosen else None


def chosen_hub(home: str | os.PathLike[str], override: str | os.PathLike[str] | None = None) -> str:
    """hub_dir as a str (`peers send` runs without pathlib)."""
    chosen = override or os.environ.get("PEERS_HUB")
    return os.path.abspath(os.path.expanduser(chosen)) if chosen else os.path.join(home, "groups")


def home_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's data directory: --home, else PEERS_HOME, else the platform's user data dir."""
    from pathlib import Path

    chosen = chosen_home(override)
    if chosen:
        return Path(chosen)
    import platformdirs  # ~5 ms: only when neither --home nor PEERS_HOME says where

    return platformdirs.user_data_path(APP_NAME)


def hub_dir(home: Path, override: str | os.PathLike[str] | None = None) -> Path:
    """The directory of group databases: --hub, else PEERS_HUB, else <home>/groups."""
    from pathlib import Path

    return Path(chosen_hub(home, override))


def config_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the TOML config file (themes and other UI preferences).

    PEERS_CONFIG_DIR, else the data directory when one was chosen (--home, passed here as
    `home`, or PEERS_HOME): then nothing is written outside it and the hub. Only with
    neither is it the platform's user config dir.
    """
    from pathlib import Path

    env = os.environ.get("PEERS_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    if home or os.environ.get("PEERS_HOME"):
        return home_dir(home)
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def home_relative(path: Path) -> str:
    """`~/peers/hub` for a path under the user's home directory (shorter on screen)."""
    from pathlib import Path

    try:
        return "~/" + str(path.resolve().relative_to(Path.home().resolve()))
    except (ValueError, RuntimeError, OSError):
        return str(path)
