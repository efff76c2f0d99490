"""Where the app keeps its files: computed once at start-up and passed in everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

__all__ = ["AppPaths", "is_local_file"]

APP_NAME = "fal-desktop"


def is_local_file(value: object) -> bool:
    """Whether an input value names an existing local file. Any other text (a prompt, a URL,
    something too long to be a file name) is simply not one: never an exception."""
    if (
        not isinstance(value, str)
        or not value
        or "\n" in value
        or len(value) > 4096
        or value.startswith(("http:", "https:", "data:"))
    ):
        return False
    try:
        return Path(value).is_file()
    except (OSError, ValueError):  # e.g. a 300-character prompt: "File name too long"
        return False


class AppPaths(NamedTuple):
    """The app's config, data and cache folders (created on demand by :meth:`ensure`).

    A NamedTuple rather than a frozen dataclass: it is made before the first window, and
    importing dataclasses there costs 2 ms."""

    config: Path
    data: Path
    cache: Path

    @classmethod
    def default(cls) -> AppPaths:
        import platformdirs  # only here: a start with --basedir need not load it

        return cls(
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, base: Path) -> AppPaths:
        """All three folders below one base folder (``--basedir``, tests, smoke runs); a
        relative one is taken from the working directory now (links to it need a full path)."""
        base = Path(base).absolute()
        return cls(config=base / "config", data=base / "data", cache=base / "cache")

    def ensure(self) -> AppPaths:
        for folder in (self.config, self.data, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def schema_cache(self) -> Path:
        return self.cache / "schemas"

    @property
    def logs(self) -> Path:
        """The app's log files (``core/logs.py``): the window's and its jobs engine's."""
        return self.data / "logs"

    @property
    def outputs(self) -> Path:
        return self.data / "outputs"
