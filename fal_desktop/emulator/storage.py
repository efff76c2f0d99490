"""fal storage in the emulator: upload tokens (rest), uploads and file serving (cdn).

Uploaded and generated files live in a temporary folder; request bodies are streamed to
disk, so a large upload is never held in memory.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import secrets
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import web

__all__ = ["Storage"]

# What a stored file's name may not hold: path separators and control characters. Any other
# character is kept (the URL quotes the name; ``path_for_url`` unquotes it).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")
_BATCH = 8 << 20  # received bytes held while a write to disk is under way


def _file_name(request: web.Request) -> str:
    """``X-Fal-File-Name``, percent-decoded as fal-desktop encodes it (``api/headers.py``); a
    plain name (what fal's own clients send) has no escapes and comes out as it was."""
    return unquote(request.headers.get("X-Fal-File-Name", "upload.bin"))


def _concatenate(files: list[Path], target: Path) -> None:
    with open(target, "wb") as out:
        for path in files:
            with open(path, "rb") as part:
                shutil.copyfileobj(part, out, 1 << 20)


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cdn_url = ""  # set once the CDN port is known
        self.tokens: set[str] = set()
        self.uploads: dict[str, Path] = {}  # legacy and JS-multipart targets → final file
        self.multipart: dict[str, Path] = {}  # upload id → folder of parts
        self.failing_downloads = 0  # this many file downloads fail next (drills)
        self.failing_status = 503

    # -- files ---------------------------------------------------------------------

    def new_file(self, name: str) -> tuple[Path, str]:
        """A fresh file path on disk and its public URL."""
        key = uuid.uuid4().hex
        name = _UNSAFE.sub("_", name or "upload.bin").strip(" ._") or "upload.bin"
        name = name.encode("utf-8", "replace")[:200].decode(
            "utf-8", "ignore"
        )  # file systems: ≤ 255 bytes
        folder = self.root / key
        folder.mkdir(parents=True)
        return folder / name, f"{self.cdn_url}/files/{key}/{quote(name)}"

    def path_for_url(self, url: str) -> Path | None:
        """The local file behind one of our own CDN URLs."""
        prefix = f"{self.cdn_url}/files/"
        if not url.startswith(prefix):
            return None
        key, _, name = url[len(prefix) :].partition("/")
        name = unquote(name.partition("?")[0])
        if (
            not re.fullmatch(r"[0-9a-f]{32}", key)
            or not name
            or _UNSAFE.search(name)
            or name in (".", "..")
        ):
            return None
        path = self.root / key / name
        return path if path.is_file() else None

    async def _save_body(self, request: web.Request, path: Path) -> int:
        """Write the body to ``path`` in a thread while the next data is received: one write
        in flight, what arrives meanwhile is batched (at most ``_BATCH`` bytes held)."""
        size = held = 0
        batch: list[bytes] = []
        writing: asyncio.Future[None] | None = None
        loop = asyncio.get_running_loop()
        with open(path, "wb") as handle:
            try:
                async for chunk in request.content.iter_any():
                    batch.append(chunk)
                    size += len(chunk)
                    held += len(chunk)
                    if writing is not None and (writing.done() or held >= _BATCH):
                        await writing
                        writing = None
                    if writing is None:
                        writing = loop.run_in_executor(None, handle.writelines, batch)
                        batch, held = [], 0
                if writing is not None:
                    await writing
                    writing = None
                if batch:
                    await asyncio.to_thread(handle.writelines, batch)
            finally:
                if writing is not None:  # the upload broke off: let the write end first
                    await asyncio.wait([writing])
        return size

    # -- rest role -------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        created = datetime.now(UTC)
        expires = created + timedelta(days=30)  # fal's tokens last about 30 days (§17)
        return web.json_response(
            {
                "token": token,
                "token_type": "Bearer",
                "base_url": self.cdn_url,
                "expires_at": expires.isoformat(),
                "created_at": created.isoformat(),
            }
        )

    async def initiate(self, request: web.Request) -> web.Response:
        if request.query.get("storage_type") == "gcs":  # the legacy flow is gone at fal (§17)
            raise web.HTTPBadRequest(
                text='{"detail": "Invalid storage type"}', content_type="application/json"
            )
        try:
            body = await request.json()
        except ValueError:
            body = {}
        path, file_url = self.new_file(str(body.get("file_name") or "upload.bin"))
        target = uuid.uuid4().hex
        self.uploads[target] = path
        multipart = request.path.endswith("initiate-multipart")
        if multipart:
            (self.root / f"parts-{target}").mkdir()
        kind = "mp" if multipart else "put"
        return web.json_response(
            {"upload_url": f"{self.cdn_url}/{kind}/{target}?sig=emulator", "file_url": file_url}
        )

    # -- cdn role --------------------------------------------------------------------

    def _check_token(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            raise web.HTTPUnauthorized(
                text='{"detail": "Invalid upload token"}', content_type="application/json"
            )

    async def upload(self, request: web.Request) -> web.Response:
        self._check_token(request)
        path, url = self.new_file(_file_name(request))
        await self._save_body(request, path)
        return web.json_response({"access_url": url})

    async def multipart_start(self, request: web.Request) -> web.Response:
        self._check_token(request)
        path, url = self.new_file(_file_name(request))
        upload_id = uuid.uuid4().hex
        parts = self.root / f"parts-{upload_id}"
        parts.mkdir()
        self.multipart[upload_id] = path
        return web.json_response({"access_url": url, "uploadId": upload_id})

    async def _put_part(self, request: web.Request, parts: Path, number: str) -> web.Response:
        if not number.isdigit() or not parts.is_dir():
            raise web.HTTPNotFound(
                text='{"detail": "Unknown upload"}', content_type="application/json"
            )
        size = await self._save_body(request, parts / f"{int(number):06d}")
        etag = f'"{uuid.uuid4().hex}"'
        (parts / f"{int(number):06d}.etag").write_text(etag)
        return web.json_response(
            {"partNumber": int(number), "etag": etag, "size": size}, headers={"ETag": etag}
        )

    async def _complete(self, request: web.Request, parts: Path, target: Path) -> web.Response:
        body = await request.json()
        listed = sorted(int(p["partNumber"]) for p in body.get("parts", []))
        if not listed:
            raise web.HTTPBadRequest(text='{"detail": "No parts"}', content_type="application/json")
        files = [parts / f"{number:06d}" for number in listed]
        for number, part in zip(listed, files, strict=False):
            if not part.is_file():
                raise web.HTTPBadRequest(
                    text=f'{{"detail": "Part {number} is missing"}}',
                    content_type="application/json",
                )
        await asyncio.to_thread(_concatenate, files, target)
        return web.json_response({"ok": True})

    async def cdn_dispatch(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        parts = tail.split("/")
        if request.method == "POST" and tail == "files/upload":
            return await self.upload(request)
        if request.method == "POST" and tail == "files/upload/multipart":
            return await self.multipart_start(request)
        if parts[0] == "files" and len(parts) == 6 and parts[3] == "multipart":
            self._check_token(request)
            upload_id, last = parts[4], parts[5]
            folder = self.root / f"parts-{upload_id}"
            if request.method == "PUT":
                return await self._put_part(request, folder, last)
            if request.method == "POST" and last == "complete" and upload_id in self.multipart:
                return await self._complete(request, folder, self.multipart[upload_id])
        if parts[0] in ("put", "mp") and len(parts) >= 2 and parts[1] in self.uploads:
            target = self.uploads[parts[1]]
            if parts[0] == "put" and request.method == "PUT" and len(parts) == 2:
                await self._save_body(request, target)
                return web.Response(status=200)
            folder = self.root / f"parts-{parts[1]}"
            if parts[0] == "mp" and len(parts) == 3 and request.method == "PUT":
                return await self._put_part(request, folder, parts[2])
            if parts[0] == "mp" and len(parts) == 3 and parts[2] == "complete":
                return await self._complete(request, folder, target)
        if request.method in ("GET", "HEAD") and parts[0] == "files" and len(parts) == 3:
            if self.failing_downloads:  # a drill: the result file cannot be fetched right now
                self.failing_downloads -= 1
                return web.json_response(
                    {"detail": "Download failed (emulated)"}, status=self.failing_status
                )
            path = self.path_for_url(f"{self.cdn_url}{request.raw_path}")
            if path is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return web.FileResponse(path, headers={"Content-Type": kind})
        raise web.HTTPNotFound(text='{"detail": "Not found"}', content_type="application/json")
