"""Running a model directly (no queue) and streaming endpoints: ``FalClient.run`` and
``FalClient.stream``. Both start a paid job, so neither is sent again once it may have
reached fal (``api/retry.py``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import httpx_sse

from fal_desktop.api.endpoint import run_url
from fal_desktop.api.errors import ErrorKind, FalTimeoutError, NetworkError, ProtocolError
from fal_desktop.api.headers import job_headers, without_auth
from fal_desktop.api.retry import MAYBE_SENT, response_error

if TYPE_CHECKING:
    from fal_desktop.api.caller import Caller

__all__ = ["run", "stream", "STREAM_TIMEOUT"]

STREAM_TIMEOUT = httpx.Timeout(connect=30.0, read=60.0, write=30.0, pool=None)


async def run(
    client: Caller,
    endpoint_id: str,
    arguments: dict[str, Any] | None,
    *,
    path: str,
    method: str,
    timeout: float | None,
    hint: str | None,
    start_timeout: float | None,
    headers: dict[str, str] | None,
) -> Any:
    url = run_url(client.hosts.run, endpoint_id, path)
    kwargs: dict[str, Any] = {"timeout": httpx.Timeout(timeout, connect=30.0)}
    if method.upper() == "GET":
        kwargs["params"] = arguments or {}
    else:
        kwargs["json"] = arguments or {}
    extra = job_headers(headers, hint=hint, start_timeout=start_timeout)
    response = await client.request(method.upper(), url, idempotent=False, headers=extra, **kwargs)
    return client.json_of(response)


async def stream(
    client: Caller,
    endpoint_id: str,
    arguments: dict[str, Any],
    *,
    path: str,
    headers: dict[str, str] | None,
) -> AsyncIterator[Any]:
    url = run_url(client.hosts.run, endpoint_id, path)
    sent = client.headers_for(url, {**without_auth(headers), "Accept": "text/event-stream"})
    try:
        # httpx follows redirects here, and drops the key on a redirect to another origin
        async with httpx_sse.aconnect_sse(
            client.http,
            "POST",
            url,
            json=arguments,
            headers=sent,
            timeout=STREAM_TIMEOUT,
            follow_redirects=True,
        ) as source:
            if not source.response.is_success:
                await source.response.aread()
                raise response_error(source.response, idempotent=False)
            async for event in source.aiter_sse():
                if event.data:
                    yield json.loads(event.data)
    except httpx_sse.SSEError as exc:
        raise ProtocolError("The model did not answer with a stream.", detail=str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ProtocolError("The model's stream sent a broken event.", detail=str(exc)) from None
    except httpx.TimeoutException as exc:
        raise FalTimeoutError(
            f"The model's stream went quiet: {MAYBE_SENT}",
            detail=repr(exc),
            kind=ErrorKind.MAYBE_SENT,
        ) from None
    except httpx.TransportError as exc:
        raise NetworkError(
            f"The model's stream broke off: {MAYBE_SENT}",
            detail=repr(exc),
            kind=ErrorKind.MAYBE_SENT,
        ) from None
