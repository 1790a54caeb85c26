"""Where sparring keeps its files, and the optional user config file (TOML)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs

from sparring.errors import ConfigError

APP = "sparring"


def data_dir() -> Path:
    return Path(os.environ.get("SPARRING_DATA_DIR") or platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    return Path(os.environ.get("SPARRING_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def config_path() -> Path:
    return Path(os.environ.get("SPARRING_CONFIG") or Path(platformdirs.user_config_dir(APP)) / "config.toml")


def load_config() -> dict[str, Any]:
    """The parsed config file, or ``{}`` when there is none. A broken file is a ``ConfigError``."""
    path = config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
