"""Downloading result files: never with the key, size-capped, http(s) and data: URLs only."""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from fal_desktop.api.errors import (
    DownloadError,
    FalError,
    FalTimeoutError,
    NetworkError,
    error_from_response,
)
from fal_desktop.api.retry import retry_exception, retry_response

if TYPE_CHECKING:
    from fal_desktop.api.caller import Caller

__all__ = ["download", "download_to", "decode_data_uri", "DownloadError"]


def decode_data_uri(url: str) -> bytes:
    header, sep, payload = url.partition(",")
    if not sep:
        raise DownloadError("The result is a data: URL with no data.")
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=False)
        return unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise DownloadError("The result's data: URL is broken.", detail=str(exc)) from None


def _check_scheme(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "data"):
        raise DownloadError(
            f"The result points at a {scheme or 'malformed'} address, which fal-desktop "
            "does not open.",
            detail=url[:300],
        )
    return scheme


MAX_REDIRECTS = 5


def _too_large(max_bytes: int) -> DownloadError:
    size = f"{max_bytes / 2**20:.0f} MiB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"
    return DownloadError(f"The result file is larger than {size}, the most fal-desktop accepts.")


async def _stream_into(
    client: Caller, url: str, sink: _MemorySink | _FileSink, max_bytes: int
) -> None:
    attempt, hops = 0, 0
    while True:
        attempt += 1
        written = 0
        try:
            # No Authorization header, whatever the host: results are public URLs.
            async with client.http.stream("GET", url, headers={}) as response:
                if response.is_redirect and "location" in response.headers:
                    hops += 1
                    url = str(response.url.join(response.headers["location"]))
                    if hops > MAX_REDIRECTS or _check_scheme(url) == "data":
                        raise DownloadError(
                            "The result file's address redirects too often or "
                            "somewhere fal-desktop does not open.",
                            detail=url[:300],
                        )
                    attempt -= 1  # a redirect is not a failed try
                    continue
                if not response.is_success:
                    await response.aread()
                    if attempt < client.retry.max_attempts and retry_response(
                        response, idempotent=True
                    ):
                        await asyncio.sleep(
                            client.retry.delay(attempt, response.headers.get("retry-after"))
                        )
                        continue
                    raise _download_failed(response)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(max_bytes)
                sink.reset()
                async for chunk in response.aiter_bytes():
                    written += len(chunk)
                    if written > max_bytes:
                        raise _too_large(max_bytes)
                    await sink.write(chunk)
                await sink.flush()
                return
        except httpx.TransportError as exc:
            if attempt < client.retry.max_attempts and retry_exception(exc, idempotent=True):
                await asyncio.sleep(client.retry.delay(attempt))
                continue
            kind = FalTimeoutError if isinstance(exc, httpx.TimeoutException) else NetworkError
            raise kind(
                "The result file could not be downloaded: the connection failed.", detail=repr(exc)
            ) from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode
            raise DownloadError("The result file could not be read.", detail=repr(exc)) from None


def _download_failed(response: httpx.Response) -> FalError:
    error = error_from_response(response)
    if response.status_code in (401, 403, 404, 410):
        # Not about the key: downloads never carry it. Results expire after a while.
        return DownloadError(
            "The result file is no longer available (it may have expired).",
            detail=error.detail,
            status_code=error.status_code,
            request_id=error.request_id,
        )
    return error


class _MemorySink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def reset(self) -> None:
        self.parts.clear()

    async def write(self, chunk: bytes) -> None:
        self.parts.append(chunk)

    async def flush(self) -> None:
        pass


WRITE_SIZE = 1 << 20  # bytes gathered before one write in a worker thread


class _FileSink:
    """Writes in 1 MiB pieces: one hop to a worker thread per 64 KiB network read would cost
    the job thread more (and the GUI thread more waits for the GIL) than the writes themselves."""

    def __init__(self, path: Path) -> None:
        self.handle = open(path, "wb")  # noqa: SIM115 - closed by download_to once written
        self.parts: list[bytes] = []
        self.buffered = 0

    def reset(self) -> None:
        self.parts.clear()
        self.buffered = 0
        self.handle.seek(0)
        self.handle.truncate()

    async def write(self, chunk: bytes) -> None:
        self.parts.append(chunk)
        self.buffered += len(chunk)
        if self.buffered >= WRITE_SIZE:
            await self.flush()

    async def flush(self) -> None:
        if self.parts:
            data = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
            self.parts.clear()
            self.buffered = 0
            await asyncio.to_thread(self.handle.write, data)


async def download(client: Caller, url: str, *, max_bytes: int) -> bytes:
    if _check_scheme(url) == "data":
        data = decode_data_uri(url)
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
        return data
    sink = _MemorySink()
    await _stream_into(client, url, sink, max_bytes)
    return b"".join(sink.parts)


async def download_to(client: Caller, url: str, target: Path, *, max_bytes: int) -> Path:
    """Fetch a result into ``target`` (written whole or not at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    if _check_scheme(url) == "data":
        data = decode_data_uri(url)
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
        await asyncio.to_thread(partial.write_bytes, data)
    else:
        sink = _FileSink(partial)
        try:
            await _stream_into(client, url, sink, max_bytes)
        except BaseException:
            sink.handle.close()
            partial.unlink(missing_ok=True)
            raise
        sink.handle.close()
    os.replace(partial, target)
    return target
