"""Uploading files to fal storage, the way fal's Python client does.

1. CDN v3: a short-lived token from the REST host, then one POST of the file to the CDN
   (the token, never the key, authorises it); files over 100 MiB go in 10 MiB parts,
   several at once, each read from disk when it is sent.
2. If that fails, the older "initiate" flow: the REST host hands out a signed upload URL.
``encode_data_uri`` is the third way: the file inline in the request.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fal_desktop.api.errors import FalError, ProtocolError

if TYPE_CHECKING:
    from fal_desktop.api.client import FalClient

__all__ = ["CdnToken", "encode_data_uri", "upload_file", "upload_bytes", "MULTIPART_THRESHOLD",
           "PART_SIZE"]

MULTIPART_THRESHOLD = 100 * 1024 * 1024
PART_SIZE = 10 * 1024 * 1024
PARTS_AT_ONCE = 4  # 4 × 10 MiB in memory at most
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class CdnToken:
    token: str
    token_type: str
    base_url: str
    expires_at: datetime

    def expired(self) -> bool:
        return datetime.now(timezone.utc) >= self.expires_at

    @property
    def header(self) -> str:
        return f"{self.token_type} {self.token}"


def guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def encode_data_uri(data: bytes | Path, content_type: str | None = None) -> str:
    """``data:<mime>;base64,…`` for small files sent inline."""
    if isinstance(data, Path):
        content_type = content_type or guess_type(data.name)
        data = data.read_bytes()
    return f"data:{content_type or 'application/octet-stream'};base64,{base64.b64encode(data).decode()}"


async def fetch_cdn_token(client: "FalClient") -> CdnToken:
    url = f"{client.hosts.rest}/storage/auth/token?storage_type=fal-cdn-v3"
    response = await client.request("POST", url, idempotent=True, json={},
                                    headers={"Accept": "application/json"})
    body = client.json_of(response)
    try:
        expires = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00"))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        return CdnToken(str(body["token"]), str(body.get("token_type") or "Bearer"),
                        str(body.get("base_url") or client.hosts.cdn).rstrip("/"), expires)
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("fal's storage gave an upload token this app does not understand.",
                            detail=str(body)[:300]) from None


async def _file_chunks(path: Path, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
    """Read a file (or a slice of it) in chunks off the event loop, the next chunk being read
    while the current one is sent."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        left = length if length is not None else os.fstat(handle.fileno()).st_size - start
        pending = asyncio.ensure_future(asyncio.to_thread(handle.read, min(CHUNK, left))) if left > 0 else None
        while pending is not None:
            chunk = await pending
            left -= len(chunk)
            pending = (asyncio.ensure_future(asyncio.to_thread(handle.read, min(CHUNK, left)))
                       if left > 0 and chunk else None)
            if chunk:
                yield chunk
    finally:
        if pending is not None and not pending.done():
            await asyncio.wait([pending])
        handle.close()


def _access_url(client: "FalClient", response: Any) -> str:
    body = client.json_of(response)
    url = body.get("access_url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url:
        raise ProtocolError("fal's storage did not say where the file went.", detail=str(body)[:300])
    return url


async def _v3_single(client: "FalClient", body: Any, size: int, content_type: str, name: str) -> str:
    token = await client.cdn_token()
    headers = {"Authorization": token.header, "Content-Type": content_type,
               "X-Fal-File-Name": name, "Content-Length": str(size)}
    response = await client.request("POST", f"{client.hosts.cdn}/files/upload", idempotent=True,
                                    auth=False, headers=headers, content=body)
    return _access_url(client, response)


async def _v3_multipart(client: "FalClient", path: Path, size: int, content_type: str) -> str:
    token = await client.cdn_token()
    auth = {"Authorization": token.header}
    response = await client.request(
        "POST", f"{token.base_url}/files/upload/multipart", idempotent=True, auth=False,
        headers={**auth, "Accept": "application/json", "Content-Type": content_type,
                 "X-Fal-File-Name": path.name})
    body = client.json_of(response)
    access_url, upload_id = body.get("access_url"), body.get("uploadId")
    if not isinstance(access_url, str) or not isinstance(upload_id, str):
        raise ProtocolError("fal's storage did not start the multipart upload.", detail=str(body)[:300])
    part_size = client.part_size
    count = max(1, -(-size // part_size))
    limit = asyncio.Semaphore(PARTS_AT_ONCE)

    async def put_part(number: int) -> dict[str, Any]:
        start = (number - 1) * part_size
        length = min(part_size, size - start)
        async with limit:
            data = b"".join([c async for c in _file_chunks(path, start, length)])
            part = await client.request(
                "PUT", f"{access_url}/multipart/{upload_id}/{number}", idempotent=True, auth=False,
                headers={**auth, "Content-Type": content_type, "Accept-Encoding": "identity"},
                content=data)
        etag = part.headers.get("etag")
        if not etag:
            raise ProtocolError(f"fal's storage did not confirm part {number} of the upload.")
        return {"partNumber": number, "etag": etag}

    parts = await asyncio.gather(*(put_part(n) for n in range(1, count + 1)))
    await client.request("POST", f"{access_url}/multipart/{upload_id}/complete", idempotent=True,
                         auth=False, headers=auth, json={"parts": list(parts)})
    return access_url


async def _legacy(client: "FalClient", body: Any, size: int, content_type: str, name: str) -> str:
    response = await client.request(
        "POST", f"{client.hosts.rest}/storage/upload/initiate?storage_type=gcs", idempotent=True,
        json={"file_name": name, "content_type": content_type})
    info = client.json_of(response)
    upload_url, file_url = (info.get("upload_url"), info.get("file_url")) if isinstance(info, dict) else (None, None)
    if not isinstance(upload_url, str) or not isinstance(file_url, str):
        raise ProtocolError("fal's storage did not give an upload address.", detail=str(info)[:300])
    await client.request("PUT", upload_url, idempotent=True, auth=False, content=body,
                         headers={"Content-Type": content_type, "Content-Length": str(size)})
    return file_url


async def upload_file(client: "FalClient", path: Path, content_type: str | None = None) -> str:
    """Upload a file from disk; returns the URL to put in a request."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FalError(f"The file {path.name} could not be read.", detail=str(exc)) from None
    content_type = content_type or guess_type(path.name)
    try:
        if size > client.multipart_threshold:
            return await _v3_multipart(client, path, size, content_type)
        return await _v3_single(client, _file_chunks(path), size, content_type, path.name)
    except FalError as first:
        if first.status_code in (401, 403):
            raise
        try:
            return await _legacy(client, _file_chunks(path), size, content_type, path.name)
        except FalError:
            raise first from None


async def upload_bytes(client: "FalClient", data: bytes, content_type: str,
                       file_name: str | None = None) -> str:
    name = file_name or "upload.bin"
    try:
        return await _v3_single(client, data, len(data), content_type, name)
    except FalError as first:
        if first.status_code in (401, 403):
            raise
        try:
            return await _legacy(client, data, len(data), content_type, name)
        except FalError:
            raise first from None
