"""Uploading files to fal storage, the way fal's Python client does.

1. CDN v3: a short-lived token from the REST host, then one POST of the file to the CDN
   (the token, never the key, authorises it); files over 100 MiB go in 10 MiB parts,
   several at once, each read from disk when it is sent.
There is no fallback to fal's older "initiate" flow: it answers 400 "Invalid storage type"
now, so the error the CDN gave is the one the user sees.
``encode_data_uri`` is the other way: the file inline in the request.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fal_desktop.api.cdn import CdnToken
from fal_desktop.api.errors import AuthError, FalError, FileReadError, ProtocolError
from fal_desktop.api.headers import file_name_header

if TYPE_CHECKING:
    from fal_desktop.api.caller import Caller

__all__ = [
    "CdnToken",
    "encode_data_uri",
    "upload_file",
    "upload_bytes",
    "fetch_cdn_token",
    "part_ranges",
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "PARTS_AT_ONCE",
]

MULTIPART_THRESHOLD = 100 * 1024 * 1024
PART_SIZE = 10 * 1024 * 1024
PARTS_AT_ONCE = 6  # parts in flight; each is streamed from disk, ≤ 2 chunks in memory
CHUNK = 1024 * 1024


def guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def encode_data_uri(data: bytes | str | os.PathLike[str], content_type: str | None = None) -> str:
    """``data:<mime>;base64,…`` for small files sent inline (bytes, or a file's path)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        path = Path(data)
        content_type = content_type or guess_type(path.name)
        data = path.read_bytes()
    return f"data:{content_type or 'application/octet-stream'};base64,{base64.b64encode(data).decode()}"


async def fetch_cdn_token(client: Caller) -> CdnToken:
    url = f"{client.hosts.rest}/storage/auth/token?storage_type=fal-cdn-v3"
    response = await client.request(
        "POST", url, idempotent=True, json={}, headers={"Accept": "application/json"}
    )
    body = client.json_of(response)
    try:
        expires = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00"))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return CdnToken(
            str(body["token"]),
            str(body.get("token_type") or "Bearer"),
            str(body.get("base_url") or client.hosts.cdn).rstrip("/"),
            expires,
        )
    except (KeyError, TypeError, ValueError):
        raise ProtocolError(
            "fal's storage gave an upload token this app does not understand.",
            detail=str(body)[:300],
        ) from None


def _snapshot(handle: Any) -> tuple[int, int]:
    info = os.fstat(handle.fileno())
    return info.st_size, info.st_mtime_ns


def _open_at(path: Path, start: int) -> tuple[Any, tuple[int, int]]:
    """The file opened at ``start``, and its size and modification time (one thread hop)."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the caller after its parts are read
    try:
        before = _snapshot(handle)
        handle.seek(start)
    except BaseException:
        handle.close()
        raise
    return handle, before


_NOWAIT = getattr(os, "RWF_NOWAIT", None)  # Linux ≥ 4.14


def _in_memory(fd: int, offset: int, length: int) -> bool:
    """Whether the first and last byte of a read are in the page cache, so that the read will
    not wait for the disk. False where this cannot be known (other systems, other files)."""
    if _NOWAIT is None or length <= 0:
        return False
    probe = bytearray(1)
    try:
        return all(os.preadv(fd, [probe], at, _NOWAIT) == 1 for at in (offset, offset + length - 1))
    except OSError:  # EAGAIN: it is on disk; EOPNOTSUPP: cannot tell here
        return False


async def _file_chunks(
    path: Path, start: int = 0, length: int | None = None
) -> AsyncIterator[bytes]:
    """Read a file (or a slice of it) in ``CHUNK``-sized pieces, keeping the event loop off the
    disk: a piece already in the page cache (see :func:`_in_memory`) is read right away, as a
    thread hop per piece would cost more than the copy; any other is read in a thread, ahead,
    while the previous piece is sent.

    Raises :class:`FileReadError` if the file cannot be read, or if it changes (size or
    modification time) while it is read: the upload would not be the file the user chose.
    """
    pending: asyncio.Future[bytes] | None = None
    try:
        handle, before = await asyncio.to_thread(_open_at, path, start)
    except OSError as exc:
        raise FileReadError(f"The file {path.name} could not be read.", detail=str(exc)) from None
    try:
        left = length if length is not None else before[0] - start
        if start + left > before[0]:
            raise _changed(path, f"{before[0]} bytes, expected at least {start + left}")
        fd, position = handle.fileno(), start
        while left > 0:
            size = min(CHUNK, left)
            try:
                if pending is not None:
                    chunk, pending = await pending, None
                elif _in_memory(fd, position, size):
                    chunk = handle.read(size)
                else:
                    chunk = await asyncio.to_thread(handle.read, size)
            except OSError as exc:
                raise FileReadError(
                    f"The file {path.name} could not be read.", detail=str(exc)
                ) from None
            if not chunk:
                raise _changed(path, f"it ended {left} bytes early")
            left, position = left - len(chunk), position + len(chunk)
            if left > 0 and not _in_memory(fd, position, min(CHUNK, left)):
                pending = asyncio.ensure_future(asyncio.to_thread(handle.read, min(CHUNK, left)))
            elif left <= 0 and await asyncio.to_thread(_snapshot, handle) != before:
                raise _changed(path, "its size or modification time changed")
            yield chunk
    finally:
        if pending is not None and not pending.done():
            await asyncio.wait([pending])
        handle.close()


def _changed(path: Path, detail: str) -> FileReadError:
    return FileReadError(
        f"The file {path.name} changed while it was being uploaded.", detail=detail
    )


def _access_url(client: Caller, response: Any) -> str:
    body = client.json_of(response)
    url = body.get("access_url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url:
        raise ProtocolError(
            "fal's storage did not say where the file went.", detail=str(body)[:300]
        )
    return url


async def _with_token(client: Caller, call: Callable[[CdnToken], Awaitable[str]]) -> str:
    """Run a CDN call with the cached token; if the CDN refuses the token, once more with a
    fresh one (it may have been revoked or have expired on the way)."""
    token = await client.cdn_token()
    try:
        return await call(token)
    except FalError as exc:
        if exc.status_code not in (401, 403):
            raise
    token = await client.cdn_token(stale=token)  # an AuthError here: the key was refused
    try:
        return await call(token)
    except AuthError as exc:  # not the key's fault: the CDN refused a fresh token
        raise FalError(
            "fal's file storage refused the upload.",
            detail=exc.detail,
            status_code=exc.status_code,
            request_id=exc.request_id,
        ) from None


async def _v3_single(
    client: Caller, body: Callable[[], Any], size: int, content_type: str, name: str
) -> str:
    async def send(token: CdnToken) -> str:
        headers = {
            "Authorization": token.header,
            "Content-Type": content_type,
            "X-Fal-File-Name": file_name_header(name),
            "Content-Length": str(size),
        }
        response = await client.request(
            "POST",
            f"{client.hosts.cdn}/files/upload",
            idempotent=True,
            auth=False,
            headers=headers,
            body=body,
        )
        return _access_url(client, response)

    return await _with_token(client, send)


async def _v3_multipart(client: Caller, path: Path, size: int, content_type: str) -> str:
    return await _with_token(
        client, lambda token: _multipart(client, token, path, size, content_type)
    )


def part_ranges(size: int, part_size: int) -> list[tuple[int, int, int]]:
    """``(part number, offset, length)`` for each part, numbered from 1."""
    if part_size <= 0:
        raise ValueError("part_size must be positive")
    return [
        (n + 1, start, min(part_size, size - start))
        for n, start in enumerate(range(0, max(size, 1), part_size))
    ]


async def _multipart(
    client: Caller, token: CdnToken, path: Path, size: int, content_type: str
) -> str:
    auth = {"Authorization": token.header}
    response = await client.request(
        "POST",
        f"{token.base_url}/files/upload/multipart",
        idempotent=True,
        auth=False,
        headers={
            **auth,
            "Accept": "application/json",
            "Content-Type": content_type,
            "X-Fal-File-Name": file_name_header(path.name),
        },
    )
    body = client.json_of(response)
    access_url = body.get("access_url") if isinstance(body, dict) else None
    upload_id = body.get("uploadId") if isinstance(body, dict) else None
    if not isinstance(access_url, str) or not isinstance(upload_id, str):
        raise ProtocolError(
            "fal's storage did not start the multipart upload.", detail=str(body)[:300]
        )
    limit = asyncio.Semaphore(client.parts_at_once)

    async def put_part(number: int, start: int, length: int) -> dict[str, Any]:
        async with limit:  # at most parts_at_once parts in flight, each streamed from disk
            part = await client.request(
                "PUT",
                f"{access_url}/multipart/{upload_id}/{number}",
                idempotent=True,
                auth=False,
                headers={
                    **auth,
                    "Content-Type": content_type,
                    "Accept-Encoding": "identity",
                    "Content-Length": str(length),
                },
                body=lambda: _file_chunks(path, start, length),
            )
        etag = part.headers.get("etag")
        if not etag:
            raise ProtocolError(f"fal's storage did not confirm part {number} of the upload.")
        return {"partNumber": number, "etag": etag}

    tasks = [asyncio.ensure_future(put_part(*r)) for r in part_ranges(size, client.part_size)]
    try:
        parts = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    await client.request(
        "POST",
        f"{access_url}/multipart/{upload_id}/complete",
        idempotent=True,
        auth=False,
        headers=auth,
        json={"parts": list(parts)},
    )
    return access_url


async def _upload(
    client: Caller,
    v3: Callable[[], Awaitable[str]],
    body: Callable[[], Any],
    size: int,
    content_type: str,
    name: str,
) -> str:
    """The v3 CDN flow. There is no fallback: fal's legacy flow (``initiate?storage_type=gcs``)
    answers 400 "Invalid storage type" now, so it could only hide the real error (§17)."""
    return await v3()


async def upload_file(client: Caller, path: Path, content_type: str | None = None) -> str:
    """Upload a file from disk, streamed (never whole in memory); returns its URL."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError(str(path))
    except OSError as exc:
        raise FileReadError(f"The file {path.name} could not be read.", detail=str(exc)) from None
    content_type = content_type or guess_type(path.name)

    def body() -> AsyncIterator[bytes]:
        return _file_chunks(path, 0, size)  # exactly the Content-Length sent

    async def v3() -> str:
        if size > client.multipart_threshold:
            return await _v3_multipart(client, path, size, content_type)
        return await _v3_single(client, body, size, content_type, path.name)

    return await _upload(client, v3, body, size, content_type, path.name)


async def upload_bytes(
    client: Caller,
    data: bytes,
    content_type: str = "application/octet-stream",
    file_name: str | None = None,
) -> str:
    """Upload bytes held in memory; returns their URL."""
    name = file_name or "upload.bin"
    data = bytes(data)

    def body() -> bytes:
        return data

    async def v3() -> str:
        return await _v3_single(client, body, len(data), content_type, name)

    return await _upload(client, v3, body, len(data), content_type, name)
