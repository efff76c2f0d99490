"""The fal client: queue, status stream, run, results, uploads and downloads over httpx.

Async, so one event loop can follow many jobs at once (see ``fal_desktop.jobs.engine``).
The key is attached per request, and only to the API hosts (queue, run, rest); downloads
and CDN uploads never carry it.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import httpx_sse

from fal_desktop import __version__
from fal_desktop.api import downloads, uploads
from fal_desktop.api.errors import (
    FalError, FalTimeoutError, NetworkError, ProtocolError, error_from_response,
)
from fal_desktop.api.hosts import FalHosts, origin_of
from fal_desktop.api.models import (
    Completed, EndpointId, InProgress, LogLine, Queued, RequestHandle, Status, parse_status,
)
from fal_desktop.api.retry import RetryPolicy, retry_exception, retry_response

__all__ = ["FalClient"]

KeySource = str | Callable[[], str | None] | None
_POLL_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
_STREAM_TIMEOUT = httpx.Timeout(connect=30.0, read=60.0, write=30.0, pool=None)


class _LogDeltas:
    """New log lines in a status, whether fal sent all lines so far or only new ones."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[str, str, str]] = Counter()

    def new(self, logs: tuple[LogLine, ...]) -> tuple[LogLine, ...]:
        in_batch: Counter[tuple[str, str, str]] = Counter()
        fresh = []
        for line in logs:
            key = (line.timestamp, line.message, line.level)
            in_batch[key] += 1
            if in_batch[key] > self._seen[key]:
                self._seen[key] += 1
                fresh.append(line)
        return tuple(fresh)

    def annotate(self, status: Status) -> Status:
        if isinstance(status, Queued):
            return status
        new = self.new(status.logs)
        if isinstance(status, InProgress):
            return InProgress(status.logs, new)
        return Completed(status.logs, new, status.metrics, status.error, status.error_type)


class FalClient:
    """Talks to fal (or the emulator). ``key`` is a string or a zero-argument callable."""

    def __init__(
        self,
        key: KeySource = None,
        hosts: FalHosts | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float = 0.5,
        multipart_threshold: int = uploads.MULTIPART_THRESHOLD,
        part_size: int = uploads.PART_SIZE,
    ) -> None:
        self.hosts = hosts or FalHosts()
        self.retry = retry or RetryPolicy()
        self.poll_interval = poll_interval
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self._key = key
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(
            timeout=_POLL_TIMEOUT,
            limits=httpx.Limits(max_connections=4096, max_keepalive_connections=64),
            headers={"User-Agent": f"fal-desktop/{__version__}"},
        )
        self._cdn_token: uploads.CdnToken | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"FalClient(hosts={self.hosts!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> "FalClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ------------------------------------------------------------------

    def _api_key(self) -> str | None:
        return self._key() if callable(self._key) else self._key

    def headers_for(self, url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Request headers, with ``Authorization: Key`` only for fal's API hosts."""
        headers = dict(extra or {})
        key = self._api_key()
        if key and self.hosts.is_api_url(url):
            headers["Authorization"] = f"Key {key}"
        return headers

    async def request(
        self, method: str, url: str, *, idempotent: bool, headers: dict[str, str] | None = None,
        auth: bool = True, **kwargs: Any,
    ) -> httpx.Response:
        """One call with fal's retry rules; raises :class:`FalError` for any failure."""
        attempt = 0
        while True:
            attempt += 1
            sent = self.headers_for(url, headers) if auth else dict(headers or {})
            try:
                response = await self.http.request(method, url, headers=sent, **kwargs)
            except httpx.TimeoutException as exc:
                if attempt < self.retry.max_attempts and retry_exception(exc, idempotent=idempotent):
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                raise FalTimeoutError(_lost_answer(idempotent, "fal took too long to answer."),
                                      detail=repr(exc)) from None
            except httpx.TransportError as exc:
                if attempt < self.retry.max_attempts and retry_exception(exc, idempotent=idempotent):
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                raise NetworkError(_lost_answer(idempotent, "fal could not be reached."),
                                   detail=repr(exc)) from None
            if response.is_success:
                return response
            if attempt < self.retry.max_attempts and retry_response(response, idempotent=idempotent):
                await asyncio.sleep(self.retry.delay(attempt, response.headers.get("retry-after")))
                continue
            raise error_from_response(response)

    @staticmethod
    def json_of(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ProtocolError("fal answered with something that is not JSON.",
                                detail=response.text[:500], status_code=response.status_code,
                                request_id=response.headers.get("x-fal-request-id")) from None

    def _queue_url(self, url: Any, fallback: str) -> str:
        """A URL fal gave us, if it points at the queue host; else the one we build."""
        if isinstance(url, str) and origin_of(url) == origin_of(self.hosts.queue):
            return url
        return fallback

    # -- queue ---------------------------------------------------------------------

    def handle_for(self, endpoint_id: str, request_id: str) -> RequestHandle:
        """The handle of an earlier request (for resuming after a restart)."""
        return RequestHandle.build(self.hosts.queue, endpoint_id, request_id)

    async def submit(
        self, endpoint_id: str, arguments: dict[str, Any], *, path: str = "",
        webhook_url: str | None = None, priority: str | None = None, hint: str | None = None,
        start_timeout: float | None = None, headers: dict[str, str] | None = None,
    ) -> RequestHandle:
        """Put a job in fal's queue. Never retried once it may have reached fal."""
        endpoint = EndpointId.parse(endpoint_id)
        url = f"{self.hosts.queue}/{endpoint}" + (f"/{path.strip('/')}" if path.strip("/") else "")
        if webhook_url:
            url += f"?fal_webhook={quote(webhook_url, safe='')}"
        extra = dict(headers or {})
        if priority is not None:
            if priority not in ("normal", "low"):
                raise ValueError("priority must be 'normal' or 'low'")
            extra["X-Fal-Queue-Priority"] = priority
        if hint:
            extra["X-Fal-Runner-Hint"] = hint
        if start_timeout is not None:
            if start_timeout <= 1:
                raise ValueError("start_timeout must be more than 1 second")
            extra["X-Fal-Request-Timeout"] = str(float(start_timeout))
        response = await self.request("POST", url, idempotent=False, json=arguments, headers=extra)
        body = self.json_of(response)
        request_id = body.get("request_id") if isinstance(body, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise ProtocolError("fal accepted the job but did not say its request id.",
                                detail=str(body)[:500])
        built = self.handle_for(str(endpoint), request_id)
        position = body.get("queue_position")
        return RequestHandle(
            str(endpoint), request_id,
            self._queue_url(body.get("status_url"), built.status_url),
            self._queue_url(body.get("response_url"), built.response_url),
            self._queue_url(body.get("cancel_url"), built.cancel_url),
            position if isinstance(position, int) else None,
        )

    async def status(self, handle: RequestHandle, *, logs: bool = True) -> Status:
        response = await self.request("GET", handle.status_url, idempotent=True,
                                      params={"logs": "1" if logs else "0"})
        return self._parse_status(self.json_of(response))

    @staticmethod
    def _parse_status(body: Any) -> Status:
        try:
            return parse_status(body)
        except ValueError as exc:
            raise ProtocolError("fal sent a job status this app does not understand.",
                                detail=f"{exc}: {str(body)[:300]}") from None

    async def stream_status(self, handle: RequestHandle, *, logs: bool = True) -> AsyncIterator[Status]:
        """Statuses as fal pushes them (server-sent events), until COMPLETED."""
        url = f"{handle.status_url}/stream"
        headers = self.headers_for(url, {"Accept": "text/event-stream"})
        try:
            async with httpx_sse.aconnect_sse(
                self.http, "GET", url, params={"logs": "1" if logs else "0"},
                headers=headers, timeout=_STREAM_TIMEOUT,
            ) as source:
                if not source.response.is_success:
                    await source.response.aread()
                    raise error_from_response(source.response)
                async for event in source.aiter_sse():
                    if not event.data:
                        continue
                    try:
                        body = json.loads(event.data)
                    except json.JSONDecodeError:
                        raise ProtocolError("fal's status stream sent a broken event.",
                                            detail=event.data[:300]) from None
                    yield self._parse_status(body)
        except httpx_sse.SSEError as exc:
            raise ProtocolError("fal's status stream is not an event stream.", detail=str(exc)) from None
        except httpx.TimeoutException as exc:
            raise FalTimeoutError("fal's status stream went quiet.", detail=repr(exc)) from None
        except httpx.TransportError as exc:
            raise NetworkError("fal's status stream broke off.", detail=repr(exc)) from None

    async def watch(
        self, handle: RequestHandle, *, logs: bool = True, stream: bool = True,
    ) -> AsyncIterator[Status]:
        """Follow a job to the end; each status's ``new_logs`` holds only unseen lines.

        The status stream is preferred (no polling delay). If it fails it is tried again;
        after three failures in a row the job is polled instead.
        """
        deltas = _LogDeltas()
        failures = 0
        while stream and failures < 3:
            try:
                async for status in self.stream_status(handle, logs=logs):
                    failures = 0
                    yield deltas.annotate(status)
                    if isinstance(status, Completed):
                        return
                failures += 1  # the stream ended before the job did
            except FalError as exc:
                if exc.status_code in (401, 403, 404):
                    raise
                failures += 1
            status = await self.status(handle, logs=logs)  # in case it finished meanwhile
            yield deltas.annotate(status)
            if isinstance(status, Completed):
                return
            await asyncio.sleep(min(self.poll_interval * failures, 2.0))
        while True:
            status = await self.status(handle, logs=logs)
            yield deltas.annotate(status)
            if isinstance(status, Completed):
                return
            await asyncio.sleep(self.poll_interval)

    async def result(self, handle: RequestHandle) -> Any:
        response = await self.request("GET", handle.response_url, idempotent=True)
        return self.json_of(response)

    async def cancel(self, handle: RequestHandle) -> str:
        """Ask fal to cancel; returns fal's answer (e.g. ``CANCELLATION_REQUESTED``)."""
        try:
            response = await self.request("PUT", handle.cancel_url, idempotent=True)
        except FalError as exc:
            if exc.status_code == 400:
                return "ALREADY_COMPLETED"
            raise
        body = self.json_of(response) if response.content else {}
        return str(body.get("status", "OK")) if isinstance(body, dict) else "OK"

    async def subscribe(self, endpoint_id: str, arguments: dict[str, Any], **kw: Any) -> Any:
        """Submit, follow to the end and return the output (raises on failure)."""
        handle = await self.submit(endpoint_id, arguments, **kw)
        async for _ in self.watch(handle):
            pass
        return await self.result(handle)

    # -- direct run and streaming endpoints ----------------------------------------------

    async def run(self, endpoint_id: str, arguments: dict[str, Any] | None = None, *,
                  path: str = "", method: str = "POST", timeout: float | None = None) -> Any:
        url = f"{self.hosts.run}/{EndpointId.parse(endpoint_id)}"
        url += f"/{path.strip('/')}" if path.strip("/") else ""
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(timeout, connect=30.0)}
        if method.upper() == "GET":
            kwargs["params"] = arguments or {}
        else:
            kwargs["json"] = arguments or {}
        response = await self.request(method.upper(), url, idempotent=False, **kwargs)
        return self.json_of(response)

    async def stream(self, endpoint_id: str, arguments: dict[str, Any], *,
                     path: str = "/stream") -> AsyncIterator[Any]:
        """Partial outputs of a streaming endpoint, the last one complete."""
        url = f"{self.hosts.run}/{EndpointId.parse(endpoint_id)}/{path.strip('/')}"
        headers = self.headers_for(url, {"Accept": "text/event-stream"})
        try:
            async with httpx_sse.aconnect_sse(self.http, "POST", url, json=arguments,
                                              headers=headers, timeout=_STREAM_TIMEOUT) as source:
                if not source.response.is_success:
                    await source.response.aread()
                    raise error_from_response(source.response)
                async for event in source.aiter_sse():
                    if event.data:
                        yield json.loads(event.data)
        except httpx_sse.SSEError as exc:
            raise ProtocolError("The model did not answer with a stream.", detail=str(exc)) from None
        except json.JSONDecodeError as exc:
            raise ProtocolError("The model's stream sent a broken event.", detail=str(exc)) from None
        except httpx.TransportError as exc:
            raise NetworkError("The model's stream broke off.", detail=repr(exc)) from None

    async def check_key(self) -> None:
        """One cheap authenticated call (an upload token); raises AuthError for a bad key."""
        await uploads.fetch_cdn_token(self)

    # -- files -----------------------------------------------------------------------

    async def upload_file(self, path: Path, content_type: str | None = None) -> str:
        return await uploads.upload_file(self, Path(path), content_type)

    async def upload_bytes(self, data: bytes, content_type: str, file_name: str | None = None) -> str:
        return await uploads.upload_bytes(self, data, content_type, file_name)

    async def cdn_token(self) -> "uploads.CdnToken":
        async with self._token_lock:
            if self._cdn_token is None or self._cdn_token.expired():
                self._cdn_token = await uploads.fetch_cdn_token(self)
            return self._cdn_token

    async def download(self, url: str, *, max_bytes: int = 256 * 1024 * 1024) -> bytes:
        return await downloads.download(self, url, max_bytes=max_bytes)

    async def download_to(self, url: str, target: Path, *, max_bytes: int = 512 * 1024 * 1024) -> Path:
        return await downloads.download_to(self, url, Path(target), max_bytes=max_bytes)


def _lost_answer(idempotent: bool, sentence: str) -> str:
    if idempotent:
        return sentence
    return (f"{sentence[:-1]}, and the job may or may not have been started. It was not sent "
            "again so you are not charged twice.")
