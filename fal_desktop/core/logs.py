"""The app's log: the standard ``logging`` module, to a rotating file in the logs folder.

The window writes ``fal-desktop.log``, its jobs engine ``jobs-engine.log`` (``AppPaths.logs``).
Each file starts over past ``LOG_BYTES`` and keeps ``LOG_BACKUPS`` older ones. Secrets the app
knows (the API key) are replaced by a mask in every line, whatever logged them: the key is
never in a log.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = [
    "LEVEL_ENV",
    "LOG_BACKUPS",
    "LOG_BYTES",
    "close_logging",
    "forget_secrets",
    "hide_secret",
    "log_exception",
    "setup_logging",
]

LOG_BYTES = 1 << 20
LOG_BACKUPS = 3
LEVEL_ENV = "FAL_DESKTOP_LOG_LEVEL"  # e.g. DEBUG: more detail in the files (both processes)
FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()
_lock = threading.Lock()


def hide_secret(secret: str | None) -> None:
    """From now on ``secret`` is written as ``[hidden]`` in every log line."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)
            if ":" in secret:  # fal keys are "id:secret": the secret half alone is hidden too
                _secrets.add(secret.split(":", 1)[1])


def forget_secrets() -> None:
    with _lock:
        _secrets.clear()


class _HidingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        with _lock:
            secrets = sorted(_secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, "[hidden]")
        return text


class _ConsoleFormatter(_HidingFormatter):
    """One line a person reads in a terminal: ``fal-desktop: what happened``."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if text.startswith("fal-desktop") else f"fal-desktop: {text}"


def setup_logging(
    folder: Path | None,
    name: str,
    *,
    level: int = logging.INFO,
    stderr_level: int = logging.WARNING,
) -> Path | None:
    """Log to ``folder/name`` (rotating) and, if there is one, to stderr from ``stderr_level``.

    Returns the log file, or None when it could not be opened (then only stderr is used: a
    folder that cannot be written is no reason not to start)."""
    import os

    close_logging()
    root = logging.getLogger()
    wanted = os.environ.get(LEVEL_ENV, "").upper()
    if isinstance(logging.getLevelName(wanted), int):
        level = logging.getLevelName(wanted)
    formatter = _HidingFormatter(FORMAT)
    path: Path | None = None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            file_handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
        except OSError:
            path = None
        else:
            file_handler.setFormatter(formatter)
            file_handler.setLevel(level)
            file_handler._fal_desktop = True  # type: ignore[attr-defined]
            root.addHandler(file_handler)
    if sys.stderr is not None:  # a windowed build has none: the file has everything
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(_ConsoleFormatter("%(message)s"))
        stream.setLevel(stderr_level)
        stream._fal_desktop = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(min(level, stderr_level))
    logging.captureWarnings(True)
    return path


def close_logging() -> None:
    """Remove (and close) the handlers ``setup_logging`` added."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_fal_desktop", False)]:
        root.removeHandler(handler)
        handler.close()


def log_exception(where: str, exc_info: Any) -> None:
    """An exception nobody caught, with its traceback."""
    logging.getLogger("fal_desktop.crash").error("Unhandled exception %s", where, exc_info=exc_info)
