"""Base URLs of fal's hosts, one per role, so every one can be pointed elsewhere.

The API key is only ever sent to the API roles (queue, run, rest, platform). The CDN gets
a short-lived upload token, result downloads and the schema host get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["FalHosts", "ROLES", "origin_of"]

ROLES = ("queue", "run", "rest", "cdn", "schemas", "platform")


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL, lower-cased, with default ports made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class FalHosts:
    """Where each of fal's services lives. Defaults are fal's real hosts."""

    queue: str = "https://queue.fal.run"
    run: str = "https://fal.run"
    rest: str = "https://rest.fal.ai"
    cdn: str = "https://v3.fal.media"
    schemas: str = "https://fal.ai"
    platform: str = "https://api.fal.ai"  # the Platform API: catalog, prices, billing

    def __post_init__(self) -> None:
        for role in ROLES:
            object.__setattr__(self, role, getattr(self, role).rstrip("/"))

    @property
    def api_origins(self) -> frozenset[str]:
        """Origins that may receive the ``Authorization: Key`` header."""
        return frozenset(origin_of(u) for u in (self.queue, self.run, self.rest, self.platform))

    def is_api_url(self, url: str) -> bool:
        return origin_of(url) in self.api_origins

    def as_dict(self) -> dict[str, str]:
        return {r: getattr(self, r) for r in ROLES}
