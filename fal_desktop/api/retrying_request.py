"""One call to fal by its retry rules (``api/retry.py``), redirects followed with the key
decided again at each hop (``api/redirects.py``): ``FalClient.request``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from fal_desktop.api import redirects
from fal_desktop.api.errors import ProtocolError
from fal_desktop.api.headers import without_auth
from fal_desktop.api.hosts import origin_of
from fal_desktop.api.retry import response_error, retry_exception, retry_response, transport_error

if TYPE_CHECKING:
    from fal_desktop.api.caller import Caller

__all__ = ["request"]


async def request(
    client: Caller,
    method: str,
    url: str,
    *,
    idempotent: bool,
    headers: dict[str, str] | None,
    auth: bool,
    body: Callable[[], Any] | None,
    retry_server_errors: bool,
    **kwargs: Any,
) -> httpx.Response:
    """``FalClient.request``: one call, tried again by fal's rules until it answers."""
    attempt = hops = 0
    first_origin = origin_of(url)
    while True:
        attempt += 1
        if auth:
            sent = client.headers_for(url, headers)
        else:  # e.g. a CDN token: it stays with the origin it was meant for
            sent = dict(headers or {}) if origin_of(url) == first_origin else without_auth(headers)
        if body is not None:
            kwargs["content"] = body()
        try:
            response = await client.http.request(method, url, headers=sent, **kwargs)
        except httpx.TransportError as exc:
            if attempt < client.retry.max_attempts and retry_exception(exc, idempotent=idempotent):
                await asyncio.sleep(client.retry.delay(attempt))
                continue
            raise transport_error(exc, idempotent=idempotent) from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode
            raise ProtocolError(
                "fal answered with something this app cannot read.", detail=repr(exc)
            ) from None
        if response.is_success:
            return response
        hop = redirects.next_hop(response, method)
        if hop is not None:  # not a failed try: the key is decided again for the new URL
            if auth and not client.hosts.is_api_url(hop[1]):
                raise redirects.off_fal(url, hop[1], response.status_code)
            hops, attempt = hops + 1, attempt - 1
            if hops > redirects.MAX_REDIRECTS:
                raise redirects.too_many_redirects(url)
            if hop[0] != method:
                kwargs, body = redirects.without_body(kwargs), None
            else:
                kwargs.pop("params", None)  # the Location carries its own query
            method, url = hop
            continue
        if attempt < client.retry.max_attempts and retry_response(
            response, idempotent=idempotent and retry_server_errors
        ):
            await asyncio.sleep(client.retry.delay(attempt, response.headers.get("retry-after")))
            continue
        raise response_error(response, idempotent=idempotent)
