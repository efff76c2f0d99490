"""fal's whole model catalog for the model browser: fetched page by page from the Platform API,
saved in the cache folder and used offline; plus the user's favourites and recently used models.

Every metadata field is optional: a model fal describes badly still shows, by its id.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fal_desktop.core.atomic import write_text_atomic

if TYPE_CHECKING:
    from fal_desktop.api.platform import PlatformClient

__all__ = ["FILTERS", "ModelDirectory", "ModelInfo", "ModelPicks", "matches_filter"]

# The browser's category filter: (label, key); None shows every model.
FILTERS = (
    ("All categories", None),
    ("Text to image", "text-to-image"),
    ("Image to image / editing", "image-to-image"),
    ("Upscaling", "upscaling"),
    ("Inpainting", "inpainting"),
)


@dataclass(frozen=True)
class ModelInfo:
    endpoint_id: str
    display_name: str
    category: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    status: str = "active"
    thumbnail_url: str = ""

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ModelInfo:
        """A catalog item as fal sends it (``{"endpoint_id", "metadata": {...}}``)."""
        raw_meta = item.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}

        def text(name: str) -> str:
            value = meta.get(name)
            return value.strip() if isinstance(value, str) else ""

        raw_tags = meta.get("tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        endpoint_id = str(item["endpoint_id"])
        return cls(
            endpoint_id,
            text("display_name") or endpoint_id,
            text("category"),
            text("description"),
            tuple(str(t) for t in tags if isinstance(t, str)),
            text("status") or "active",
            text("thumbnail_url"),
        )

    def as_item(self) -> dict[str, Any]:
        return {
            "endpoint_id": self.endpoint_id,
            "metadata": {
                "display_name": self.display_name,
                "category": self.category,
                "description": self.description,
                "tags": list(self.tags),
                "status": self.status,
                "thumbnail_url": self.thumbnail_url,
            },
        }

    @property
    def deprecated(self) -> bool:
        return self.status == "deprecated"

    @property
    def search_text(self) -> str:
        """What a search matches: id, name, description, category and tags, lower-cased."""
        return " ".join(
            (self.endpoint_id, self.display_name, self.description, self.category, *self.tags)
        ).lower()


def matches_filter(info: ModelInfo, key: str | None) -> bool:
    """Whether ``info`` belongs under a ``FILTERS`` key. Upscalers are image-to-image models
    tagged ``upscaling`` at fal, so they show under both."""
    lowered = info.endpoint_id.lower()
    if key is None:
        return True
    if key == "upscaling":
        return (
            "upscaling" in info.tags
            or "upscal" in lowered
            or info.category in ("upscale", "image-upscaling")
        )
    if key == "inpainting":
        return "inpainting" in info.tags or "inpaint" in lowered or info.category == "inpainting"
    return info.category == key


class ModelDirectory:
    """The catalog as last fetched (``models.json`` in the cache folder), else the bundled models."""

    def __init__(self, path: Path, bundled: list[ModelInfo]) -> None:
        self.path = Path(path)
        self._bundled = bundled
        self.saved_at: float | None = None
        self.models: list[ModelInfo] = self._load() or list(bundled)

    def _load(self) -> list[ModelInfo]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            items = data["models"]
            models = [
                ModelInfo.from_item(i) for i in items if isinstance(i, dict) and "endpoint_id" in i
            ]
            self.saved_at = float(data.get("saved_at") or 0) or None
        except (OSError, ValueError, KeyError, TypeError):
            return []  # missing or broken: the bundled models until the next fetch
        return self._with_bundled(models)

    def _with_bundled(self, models: list[ModelInfo]) -> list[ModelInfo]:
        known = {m.endpoint_id for m in models}
        return models + [m for m in self._bundled if m.endpoint_id not in known]

    def fetch(self, client: PlatformClient) -> list[ModelInfo]:
        """Every page of fal's catalog (a ``PlatformClient``), saved for offline use. Blocks on the
        network: call it off the GUI thread. Raises ``FalError`` and keeps the old list if it fails."""
        items: list[dict[str, Any]] = []
        for page in client.all_models():
            items += page.models
        models = self._with_bundled([ModelInfo.from_item(i) for i in items])
        now = time.time()
        try:
            write_text_atomic(
                self.path, json.dumps({"saved_at": now, "models": [m.as_item() for m in models]})
            )
        except OSError:
            pass  # a read-only cache costs the offline copy, not the list
        self.models, self.saved_at = models, now
        return models

    def find(self, endpoint_id: str) -> ModelInfo | None:
        return next((m for m in self.models if m.endpoint_id == endpoint_id), None)


class ModelPicks:
    """Favourite and recently used endpoint ids (``model-picks.json`` in the config folder)."""

    RECENT = 8

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.favourites: list[str] = []
        self.recent: list[str] = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.favourites = [e for e in data.get("favourites", []) if isinstance(e, str)]
            self.recent = [e for e in data.get("recent", []) if isinstance(e, str)][: self.RECENT]
        except (OSError, ValueError, AttributeError):
            pass

    def _save(self) -> None:
        try:
            write_text_atomic(
                self.path,
                json.dumps({"favourites": self.favourites, "recent": self.recent}, indent=1),
            )
        except OSError:
            pass

    def is_favourite(self, endpoint_id: str) -> bool:
        return endpoint_id in self.favourites

    def toggle_favourite(self, endpoint_id: str) -> bool:
        """Star or unstar a model; whether it is a favourite now."""
        if endpoint_id in self.favourites:
            self.favourites.remove(endpoint_id)
        else:
            self.favourites.append(endpoint_id)
        self._save()
        return endpoint_id in self.favourites

    def used(self, endpoint_id: str) -> None:
        if self.recent[:1] == [endpoint_id]:
            return
        self.recent = [endpoint_id] + [e for e in self.recent if e != endpoint_id][
            : self.RECENT - 1
        ]
        self._save()
