"""Last-used form values per endpoint, kept as JSON across restarts (never the key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fal_desktop.core.atomic import write_text_atomic

__all__ = ["FormMemory"]


class FormMemory:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._data = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or corrupt: start afresh, never crash
        return (
            {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
        )

    def get(self, endpoint_id: str) -> dict[str, Any]:
        return dict(self._data.get(endpoint_id, {}))

    def remember(self, endpoint_id: str, values: dict[str, Any]) -> None:
        if self._data.get(endpoint_id) == values:
            return  # as saved (every start shows the last model again): no write, no fsync
        self._data[endpoint_id] = values
        try:
            write_text_atomic(self.path, json.dumps(self._data, indent=1, sort_keys=True))
        except OSError:
            pass  # a read-only config folder costs the memory, not the run

    @property
    def last_endpoint(self) -> str | None:
        value = self._data.get("__app__", {}).get("endpoint")
        return value if isinstance(value, str) else None

    @last_endpoint.setter
    def last_endpoint(self, endpoint_id: str) -> None:
        self.remember("__app__", {**self.get("__app__"), "endpoint": endpoint_id})
