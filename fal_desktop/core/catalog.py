"""The model catalog: bundled endpoints, plus any endpoint id fetched from fal's schema host.

Fetched documents are cached on disk, used when offline and refreshed when online.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fal_desktop.api.hosts import FalHosts
from fal_desktop.api.openapi import EndpointSchema, SchemaError, schema_file_name
from fal_desktop.core.atomic import write_text_atomic
from fal_desktop.core.resources import bundled_model_names, bundled_schema_files

if TYPE_CHECKING:
    import httpx

__all__ = ["Catalog", "CatalogEntry", "CatalogError", "GROUPS", "group_of", "is_upscaler"]

GROUPS = ("Text to image", "Upscale & image to image", "Other")


def group_of(category: str) -> str:
    if category == "text-to-image":
        return GROUPS[0]
    if category in ("image-to-image", "upscale", "image-upscaling"):
        return GROUPS[1]
    return GROUPS[2]


#: Upscalers whose id does not say so.
_KNOWN_UPSCALERS = frozenset({"fal-ai/aura-sr", "fal-ai/esrgan", "fal-ai/ccsr"})


def is_upscaler(endpoint_id: str, category: str) -> bool:
    """Whether a model upscales images (its category, or its id in the upscaling group)."""
    if category in ("upscale", "image-upscaling"):
        return True
    return group_of(category) == GROUPS[1] and (
        "upscal" in endpoint_id or endpoint_id in _KNOWN_UPSCALERS
    )


class CatalogError(Exception):
    """A model could not be loaded; ``str()`` is a sentence for the user."""


@dataclass(frozen=True)
class CatalogEntry:
    endpoint_id: str
    category: str
    bundled: bool = True
    #: A bundled model's display name (``resources/model-names.json``); "" for others.
    name: str = ""

    @property
    def group(self) -> str:
        return group_of(self.category)

    @property
    def title(self) -> str:
        """What the picker shows: the display name, else the id."""
        return self.name or self.endpoint_id


class Catalog:
    def __init__(self, cache_dir: Path, hosts: FalHosts, http: httpx.Client | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.hosts = hosts
        self._http = http
        self._schemas: dict[str, EndpointSchema] = {}
        for path in bundled_schema_files():
            try:
                schema = EndpointSchema.from_file(path)
            except SchemaError:
                continue
            self._schemas[schema.endpoint_id] = schema
        self._bundled = frozenset(self._schemas)
        self._names = bundled_model_names()

    def entries(self) -> list[CatalogEntry]:
        """Bundled models first (by group, then id), then models loaded this session."""
        entries = [
            CatalogEntry(e, s.category, e in self._bundled, self._names.get(e, ""))
            for e, s in self._schemas.items()
        ]
        return sorted(entries, key=lambda e: (not e.bundled, GROUPS.index(e.group), e.endpoint_id))

    def upscalers(self) -> list[str]:
        """Every upscaling model the catalog has (bundled and loaded), by id."""
        return [e.endpoint_id for e in self.entries() if is_upscaler(e.endpoint_id, e.category)]

    def search(self, text: str) -> list[CatalogEntry]:
        words = text.lower().split()
        return [
            e
            for e in self.entries()
            if all(w in f"{e.endpoint_id} {e.category}".lower() for w in words)
        ]

    def cached(self, endpoint_id: str) -> EndpointSchema | None:
        """A schema already in memory (bundled or loaded before), without the network."""
        return self._schemas.get(endpoint_id)

    def _cache_path(self, endpoint_id: str) -> Path:
        return self.cache_dir / schema_file_name(endpoint_id)

    def load(self, endpoint_id: str) -> EndpointSchema:
        """Any endpoint's schema: bundled, else fetched (and cached), else from the cache.

        Blocks on the network; call it off the GUI thread.
        """
        from fal_desktop.api.models import EndpointId  # here: not on the way to a usable window

        endpoint_id = endpoint_id.strip().strip("/")
        try:
            EndpointId.parse(endpoint_id)
        except ValueError as exc:
            raise CatalogError(str(exc)) from None
        if endpoint_id in self._bundled:
            return self._schemas[endpoint_id]
        try:
            schema = self._fetch(endpoint_id)
        except CatalogError as problem:
            cached = self._from_cache(endpoint_id)
            if cached is None or "does not know" in str(problem):
                raise
            schema = cached
        self._schemas[endpoint_id] = schema
        return schema

    def _from_cache(self, endpoint_id: str) -> EndpointSchema | None:
        path = self._cache_path(endpoint_id)
        if not path.is_file():
            return None
        try:
            return EndpointSchema.from_file(path)
        except SchemaError:
            return None

    def _fetch(self, endpoint_id: str) -> EndpointSchema:
        import httpx  # here: the window needs no HTTP client (nor ssl) until a model is looked up

        from fal_desktop.api.tls import UNTRUSTED, is_untrusted_certificate, system_trust

        url = f"{self.hosts.schemas}/api/openapi/queue/openapi.json"
        http = self._http or httpx.Client(
            timeout=httpx.Timeout(20.0, connect=10.0), verify=system_trust()
        )
        try:
            response = http.get(url, params={"endpoint_id": endpoint_id})
        except httpx.HTTPError as exc:
            if is_untrusted_certificate(exc):
                raise CatalogError(UNTRUSTED) from None
            raise CatalogError(
                f"fal's model list could not be reached to load {endpoint_id} ({type(exc).__name__})."
            ) from None
        finally:
            if self._http is None:
                http.close()
        if response.status_code == 404:
            raise CatalogError(f"fal does not know a model called {endpoint_id}.")
        if not response.is_success:
            raise CatalogError(
                f"fal's model list answered HTTP {response.status_code} for {endpoint_id}."
            )
        try:
            document = response.json()
            schema = EndpointSchema.from_document(document, endpoint_id)
        except (json.JSONDecodeError, ValueError) as exc:
            message = str(exc) if isinstance(exc, SchemaError) else "it is not JSON"
            raise CatalogError(
                f"The schema fal sent for {endpoint_id} is broken: {message}"
            ) from None
        write_text_atomic(self._cache_path(endpoint_id), json.dumps(document))
        return schema
