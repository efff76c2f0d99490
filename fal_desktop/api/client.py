"""The fal client: queue, status stream, run, results, uploads and downloads over httpx.

Async, so one event loop can follow many jobs at once (see ``fal_desktop.jobs.engine``).
The key is attached per request, and only to the API hosts (queue, run, rest), also at each
hop of a redirect (``api/redirects.py``); downloads and CDN uploads never carry it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from fal_desktop import __version__
from fal_desktop.api import direct, downloads, retrying_request, status_stream, uploads
from fal_desktop.api.endpoint import EndpointId, submit_url
from fal_desktop.api.errors import AuthError, ErrorKind, FalError, ProtocolError, stored_failure
from fal_desktop.api.headers import job_headers, without_auth
from fal_desktop.api.hosts import FalHosts, origin_of
from fal_desktop.api.models import Completed, LogDeltas, RequestHandle, Status
from fal_desktop.api.retry import MAYBE_SENT, RetryPolicy
from fal_desktop.api.tls import system_trust

__all__ = ["FalClient"]

KeySource = str | Callable[[], str | None] | None
_POLL_TIMEOUT = httpx.Timeout(120.0, connect=30.0)
MAX_RESULT_BYTES = 16 * 1024 * 1024  # a result is JSON with URLs; images come separately


def _load_http_stack() -> None:
    """httpcore imports anyio's asyncio backend on its first request (~15 ms). Doing it when a
    client is made moves that cost to where the app makes it (its job thread, at start), off
    the user's first upload. Imports are cached, so later clients pay nothing."""
    import anyio._backends._asyncio  # noqa: F401
    import httpcore._backends.anyio  # noqa: F401


def _sendable(key: str) -> bool:
    return key.isascii() and key.isprintable() and " " not in key


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
        parts_at_once: int = uploads.PARTS_AT_ONCE,
    ) -> None:
        self.hosts = hosts or FalHosts()
        self.retry = retry or RetryPolicy()
        self.poll_interval = poll_interval
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.parts_at_once = max(1, parts_at_once)
        self._key = key
        self._owns_http = http is None
        _load_http_stack()
        self.http = http or httpx.AsyncClient(
            timeout=_POLL_TIMEOUT,
            limits=httpx.Limits(max_connections=4096, max_keepalive_connections=64),
            headers={"User-Agent": f"fal-desktop/{__version__}"},
            verify=system_trust(),
        )
        self._cdn_token: uploads.CdnToken | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"FalClient(hosts={self.hosts!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> FalClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ------------------------------------------------------------------

    def _api_key(self) -> str | None:
        return self._key() if callable(self._key) else self._key

    def headers_for(self, url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Request headers, with ``Authorization: Key`` only for fal's API hosts."""
        headers = without_auth(extra)
        key = self._api_key()
        if key and self.hosts.is_api_url(url):
            if not _sendable(key):  # httpx would refuse it with the key in its message
                raise AuthError(
                    "The API key contains spaces, line breaks or other characters no "
                    "fal key has; set it again in Settings → fal API key…"
                )
            headers["Authorization"] = f"Key {key}"
        return headers

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        body: Callable[[], Any] | None = None,
        retry_server_errors: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """One call with fal's retry rules, following redirects; raises :class:`FalError` for
        any failure.

        ``body`` makes a fresh request body for every try (a file streamed from disk can
        only be read once); ``auth=False`` adds no key: the headers go as given (e.g. a CDN
        upload token). ``retry_server_errors=False``: a 5xx from fal's own servers is an
        answer, not a busy moment (a failed job's stored error); ingress pages, 408/409/429
        and broken connections are still tried again.
        """
        return await retrying_request.request(
            self,
            method,
            url,
            idempotent=idempotent,
            headers=headers,
            auth=auth,
            body=body,
            retry_server_errors=retry_server_errors,
            **kwargs,
        )

    @staticmethod
    def json_of(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ProtocolError(
                "fal answered with something that is not JSON.",
                detail=response.text[:500],
                status_code=response.status_code,
                request_id=response.headers.get("x-fal-request-id"),
            ) from None

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
        self,
        endpoint_id: str,
        arguments: dict[str, Any],
        *,
        path: str = "",
        webhook_url: str | None = None,
        priority: str | None = None,
        hint: str | None = None,
        start_timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> RequestHandle:
        """Put a job in fal's queue. Never retried once it may have reached fal."""
        endpoint = EndpointId.parse(endpoint_id)
        url = submit_url(self.hosts.queue, endpoint, path)
        if webhook_url:
            url += f"?fal_webhook={quote(webhook_url, safe='')}"
        extra = job_headers(headers, hint=hint, start_timeout=start_timeout, priority=priority)
        response = await self.request("POST", url, idempotent=False, json=arguments, headers=extra)
        # A 2xx: fal (most likely) queued the job. An answer that cannot be used says so, and
        # that it was not sent again: never that fal lacks it (a Retry would pay twice).
        try:
            body = self.json_of(response)
        except ProtocolError as exc:
            raise ProtocolError(
                f"fal's answer to the job could not be read: {MAYBE_SENT}",
                detail=exc.detail,
                status_code=exc.status_code,
                request_id=exc.request_id,
                kind=ErrorKind.MAYBE_SENT,
            ) from None
        request_id = body.get("request_id") if isinstance(body, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise ProtocolError(
                f"fal accepted the job but did not say its request id: {MAYBE_SENT}",
                detail=str(body)[:500],
                request_id=response.headers.get("x-fal-request-id"),
                kind=ErrorKind.MAYBE_SENT,
            )
        try:
            built = self.handle_for(str(endpoint), request_id)
        except ValueError:
            raise ProtocolError(
                f"fal gave the job a request id this app cannot use: {MAYBE_SENT}",
                detail=request_id[:200],
                kind=ErrorKind.MAYBE_SENT,
            ) from None
        position = body.get("queue_position")
        return RequestHandle(
            str(endpoint),
            request_id,
            self._queue_url(body.get("status_url"), built.status_url),
            self._queue_url(body.get("response_url"), built.response_url),
            self._queue_url(body.get("cancel_url"), built.cancel_url),
            position if isinstance(position, int) and not isinstance(position, bool) else None,
        )

    async def status(self, handle: RequestHandle, *, logs: bool = True) -> Status:
        """One poll of the job's status (logs, when asked for, are all lines so far)."""
        return await status_stream.poll_status(self, handle, logs=logs)

    def stream_status(self, handle: RequestHandle, *, logs: bool = True) -> AsyncIterator[Status]:
        """Statuses as fal pushes them (server-sent events), until COMPLETED.

        Raises :class:`ProtocolError` if the answer is not an event stream.
        """
        return status_stream.stream_status(self, handle, logs=logs)

    def watch(
        self,
        handle: RequestHandle,
        *,
        logs: bool = True,
        poll_interval: float | None = None,
        stream: bool = True,
        deltas: LogDeltas | None = None,
    ) -> AsyncIterator[Status]:
        """Follow a job to COMPLETED; each status's ``new_logs`` holds only unseen lines.

        The status stream is preferred (no polling delay). If it breaks it is reopened, after
        one poll to catch up; after three failures in a row, or if the server has no stream,
        the job is polled every ``poll_interval`` seconds instead. Log lines are never lost
        or repeated across these switches (see :class:`LogDeltas`); pass the ``deltas`` of an
        earlier watch of the same job to carry that on across watches.
        """
        interval = self.poll_interval if poll_interval is None else poll_interval
        return status_stream.watch(
            self, handle, logs=logs, interval=interval, stream=stream, deltas=deltas
        )

    async def result(self, handle: RequestHandle) -> Any:
        """The job's output; a failed job raises the error fal stored for it."""
        return (await self.result_and_units(handle))[0]

    async def result_and_units(self, handle: RequestHandle) -> tuple[Any, str | None]:
        """The job's output and fal's ``x-fal-billable-units`` for it (None when not sent)."""
        response = await self.request("GET", handle.response_url, idempotent=True)
        if len(response.content) > MAX_RESULT_BYTES:
            raise ProtocolError(
                f"fal's answer for this job is {len(response.content) / 2**20:.0f} MB, far more than a "
                "result description should be; it was not read.",
                request_id=handle.request_id,
            )
        return self.json_of(response), response.headers.get("x-fal-billable-units")

    async def failure(self, handle: RequestHandle, completed: Completed) -> FalError:
        """The error of a job that finished with ``completed.error`` set, with the details fal
        stored for it (a 422's fields, the model's own words). The stored error is asked for
        once: it is the job's end, and asking again cannot change it."""
        try:
            await self.request(
                "GET", handle.response_url, idempotent=True, retry_server_errors=False
            )
        except FalError as exc:
            stored: FalError | None = exc
        else:
            stored = None
        return stored_failure(
            stored, completed.error or "", completed.error_type, handle.request_id
        )

    async def cancel(self, handle: RequestHandle) -> str:
        """Ask fal to cancel; returns fal's answer: ``CANCELLATION_REQUESTED``,
        ``ALREADY_COMPLETED`` (a 400) or ``NOT_FOUND`` (a 404: fal no longer knows the request)."""
        try:
            response = await self.request("PUT", handle.cancel_url, idempotent=True)
        except FalError as exc:
            said = exc.detail.get("status") if isinstance(exc.detail, dict) else None
            if exc.status_code == 404 and said == "NOT_FOUND":
                return "NOT_FOUND"
            if exc.status_code == 400:
                return "ALREADY_COMPLETED"
            raise
        body = self.json_of(response) if response.content else {}
        return str(body.get("status", "OK")) if isinstance(body, dict) else "OK"

    async def subscribe(self, endpoint_id: str, arguments: dict[str, Any], **kw: Any) -> Any:
        """Submit, follow to the end and return the output (raises on failure)."""
        handle = await self.submit(endpoint_id, arguments, **kw)
        final: Status | None = None
        async for status in self.watch(handle):
            final = status
        if isinstance(final, Completed) and final.error:
            raise await self.failure(handle, final)
        return await self.result(handle)

    # -- direct run and streaming endpoints ----------------------------------------------

    async def run(
        self,
        endpoint_id: str,
        arguments: dict[str, Any] | None = None,
        *,
        path: str = "",
        method: str = "POST",
        timeout: float | None = None,
        hint: str | None = None,
        start_timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Run a model directly (no queue) and return its output. Never retried once sent.

        ``timeout`` bounds the wait for the answer (none by default, like fal's client).
        """
        return await direct.run(
            self,
            endpoint_id,
            arguments,
            path=path,
            method=method,
            timeout=timeout,
            hint=hint,
            start_timeout=start_timeout,
            headers=headers,
        )

    def stream(
        self,
        endpoint_id: str,
        arguments: dict[str, Any],
        *,
        path: str = "stream",
        headers: dict[str, str] | None = None,
    ) -> AsyncIterator[Any]:
        """Partial outputs of a streaming endpoint as they come, the last one complete."""
        return direct.stream(self, endpoint_id, arguments, path=path, headers=headers)

    async def check_key(self) -> None:
        """One cheap authenticated call (an upload token); raises AuthError for a bad key."""
        await uploads.fetch_cdn_token(self)

    # -- files -----------------------------------------------------------------------

    async def upload_file(self, path: Path | str, content_type: str | None = None) -> str:
        """Upload a file to fal storage (CDN v3, multipart when large)."""
        return await uploads.upload_file(self, Path(path), content_type)

    async def upload_bytes(
        self,
        data: bytes,
        content_type: str = "application/octet-stream",
        file_name: str | None = None,
    ) -> str:
        """Upload bytes to fal storage; returns their URL."""
        return await uploads.upload_bytes(self, data, content_type, file_name)

    async def cdn_token(self, *, stale: uploads.CdnToken | None = None) -> uploads.CdnToken:
        """The CDN upload token, fetched with the key and cached until shortly before it
        expires. ``stale``: a token the CDN refused, to be replaced (once, however many
        uploads noticed)."""
        async with self._token_lock:
            cached = self._cdn_token
            if cached is None or cached is stale or cached.expired(margin=30.0):
                cached = self._cdn_token = await uploads.fetch_cdn_token(self)
            return cached

    async def download(self, url: str, *, max_bytes: int = 256 * 1024 * 1024) -> bytes:
        """A result file's bytes (http(s) or data: URL), never with the key, size-capped."""
        return await downloads.download(self, url, max_bytes=max_bytes)

    async def download_to(
        self, url: str, target: Path | str, *, max_bytes: int = 512 * 1024 * 1024
    ) -> Path:
        """Stream a result file into ``target`` (written whole or not at all)."""
        return await downloads.download_to(self, url, Path(target), max_bytes=max_bytes)
