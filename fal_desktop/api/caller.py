"""What the helpers the client delegates to (requests, status, uploads, downloads, direct
runs) need of it: :class:`Caller`.

:class:`~fal_desktop.api.client.FalClient` is one. The helpers name this protocol instead of
the client, so they and the client do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import httpx

from fal_desktop.api.cdn import CdnToken
from fal_desktop.api.hosts import FalHosts
from fal_desktop.api.retry import RetryPolicy

__all__ = ["Caller"]


class Caller(Protocol):
    hosts: FalHosts
    http: httpx.AsyncClient
    retry: RetryPolicy
    multipart_threshold: int
    part_size: int
    parts_at_once: int

    def headers_for(self, url: str, extra: dict[str, str] | None = None) -> dict[str, str]: ...

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        body: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response: ...

    def json_of(self, response: httpx.Response) -> Any: ...

    async def cdn_token(self, *, stale: CdnToken | None = None) -> CdnToken: ...
