"""A job's status at fal: one poll, fal's status stream (server-sent events), and ``watch``,
which follows the stream and falls back to polling. ``FalClient``'s status methods."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import httpx
import httpx_sse

from fal_desktop.api import direct
from fal_desktop.api.errors import (
    AuthError,
    FalError,
    FalTimeoutError,
    NetworkError,
    ProtocolError,
    error_from_response,
)
from fal_desktop.api.models import Completed, LogDeltas, RequestHandle, Status, parse_status

if TYPE_CHECKING:
    from fal_desktop.api.caller import Caller

__all__ = ["poll_status", "stream_status", "watch"]

_STREAM_TIMEOUT = direct.STREAM_TIMEOUT


class _StreamUnavailable(Exception):
    """The status stream is not offered here (not an event stream, 404/405): poll instead."""


async def poll_status(client: Caller, handle: RequestHandle, *, logs: bool = True) -> Status:
    """One poll of the job's status (logs, when asked for, are all lines so far)."""
    response = await client.request(
        "GET", handle.status_url, idempotent=True, params={"logs": "1" if logs else "0"}
    )
    return _parse_status(client.json_of(response))


def _parse_status(body: Any) -> Status:
    try:
        return parse_status(body)
    except ValueError as exc:
        raise ProtocolError(
            "fal sent a job status this app does not understand.",
            detail=f"{exc}: {str(body)[:300]}",
        ) from None


async def stream_status(
    client: Caller, handle: RequestHandle, *, logs: bool = True
) -> AsyncIterator[Status]:
    """Statuses as fal pushes them (server-sent events), until COMPLETED.

    Raises :class:`ProtocolError` if the answer is not an event stream.
    """
    try:
        async with aclosing(_status_events(client, handle, logs)) as events:
            async for status in events:
                yield status
    except _StreamUnavailable as exc:
        raise ProtocolError("fal's status stream is not available.", detail=str(exc)) from None


async def _status_events(
    client: Caller, handle: RequestHandle, logs: bool
) -> AsyncGenerator[Status, None]:
    url = f"{handle.status_url}/stream"
    headers = client.headers_for(url, {"Accept": "text/event-stream"})
    try:
        async with httpx_sse.aconnect_sse(
            client.http,
            "GET",
            url,
            params={"logs": "1" if logs else "0"},
            headers=headers,
            timeout=_STREAM_TIMEOUT,
            follow_redirects=True,
        ) as source:
            response = source.response
            if response.status_code in (404, 405, 501):
                raise _StreamUnavailable(f"HTTP {response.status_code}")
            if not response.is_success:
                await response.aread()
                raise error_from_response(response)
            if "text/event-stream" not in response.headers.get("content-type", ""):
                raise _StreamUnavailable(response.headers.get("content-type", "no content type"))
            async for event in source.aiter_sse():
                if not event.data:
                    continue
                try:
                    body = json.loads(event.data)
                except json.JSONDecodeError:
                    raise ProtocolError(
                        "fal's status stream sent a broken event.", detail=event.data[:300]
                    ) from None
                yield _parse_status(body)
    except httpx.TimeoutException as exc:
        raise FalTimeoutError("fal's status stream went quiet.", detail=repr(exc)) from None
    except httpx.TransportError as exc:
        raise NetworkError("fal's status stream broke off.", detail=repr(exc)) from None


async def watch(
    client: Caller,
    handle: RequestHandle,
    *,
    logs: bool,
    interval: float,
    stream: bool,
    deltas: LogDeltas | None,
) -> AsyncIterator[Status]:
    """Follow a job to COMPLETED (see ``FalClient.watch``), polling every ``interval`` seconds
    when the stream is not there."""
    deltas = deltas if deltas is not None else LogDeltas()
    failures = 0
    while stream and failures < 3:
        try:
            async with aclosing(_status_events(client, handle, logs)) as events:
                async for status in events:
                    failures = 0
                    yield deltas.annotate(status)
                    if isinstance(status, Completed):
                        return
            failures += 1  # the stream ended before the job did
        except _StreamUnavailable:
            break
        except AuthError:
            raise
        except FalError:
            failures += 1
        status = await poll_status(client, handle, logs=logs)  # catch up; it may have finished
        yield deltas.annotate(status)
        if isinstance(status, Completed):
            return
        await asyncio.sleep(min(interval * failures, 2.0))
    while True:
        status = await poll_status(client, handle, logs=logs)
        yield deltas.annotate(status)
        if isinstance(status, Completed):
            return
        await asyncio.sleep(interval)
