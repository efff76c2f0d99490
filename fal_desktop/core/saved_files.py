"""Which results were saved where, so "Save all" skips what the user already has.

A small JSON file in the app's data folder maps each result file to the copies saved from it.
A result counts as saved while one of its copies still exists: a copy the user deleted or
moved away is saved again. A damaged or unreadable record is an empty one, never an error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["SavedFiles"]


class SavedFiles:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._copies: dict[str, list[str]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            if isinstance(data, dict):
                self._copies = {
                    str(k): [str(c) for c in v] for k, v in data.items() if isinstance(v, list)
                }

    def saved_before(self, source: str | Path) -> bool:
        return any(os.path.exists(copy) for copy in self._copies.get(str(source), ()))

    def add(self, pairs: list[tuple[str, str]]) -> None:
        """Record ``(result file, saved copy)`` pairs and write the record."""
        for source, copy in pairs:
            copies = self._copies.setdefault(str(source), [])
            if str(copy) not in copies:
                copies.append(str(copy))
        if pairs:
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            partial = self.path.with_name(self.path.name + ".part")
            partial.write_text(json.dumps(self._copies, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.path)
        except OSError:
            pass  # a full or read-only data folder: Save all may offer these again, nothing else

    def forget(self, sources: list[str]) -> None:
        """Results that were deleted: their entries go (the copies stay on disk)."""
        if [
            self._copies.pop(str(source), None) for source in sources if str(source) in self._copies
        ]:
            self._write()
