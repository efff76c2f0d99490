"""Uploads: CDN token (cached, never the key on the CDN), streamed bodies, multipart, fallback."""

from __future__ import annotations

import asyncio
import base64
import builtins
import json
import os
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fal_desktop.api import AuthError, FalError, FileReadError, encode_data_uri, uploads
from fal_desktop.api.uploads import part_ranges
from tests.unit.api_fixtures import KEY, make_client, run, token_response


def test_part_ranges_cover_the_file_exactly():
    assert part_ranges(10, 4) == [(1, 0, 4), (2, 4, 4), (3, 8, 2)]
    assert part_ranges(8, 4) == [(1, 0, 4), (2, 4, 4)]
    ranges = part_ranges(105 * 2**20 + 1, 10 * 2**20)
    assert len(ranges) == 11 and sum(r[2] for r in ranges) == 105 * 2**20 + 1
    with pytest.raises(ValueError):
        part_ranges(10, 0)


def test_token_is_fetched_with_the_key_cached_and_the_cdn_sees_only_the_token(tmp_path):
    seen = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/storage/auth/token":
            assert request.url.params["storage_type"] == "fal-cdn-v3"
            return token_response()
        return httpx.Response(200, json={"access_url": "https://cdn.test/files/x.png"})

    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG" + b"0" * 3000)

    async def go():
        async with make_client(handler) as client:
            return [
                await client.upload_file(image),
                await client.upload_file(str(image)),
                await client.upload_bytes(b"abc", "text/plain", "a.txt"),
            ]

    assert run(go()) == ["https://cdn.test/files/x.png"] * 3
    tokens = [r for r in seen if r.url.path == "/storage/auth/token"]
    cdn = [r for r in seen if r.url.host == "cdn.test"]
    assert len(tokens) == 1 and tokens[0].headers["authorization"] == f"Key {KEY}"
    assert [r.headers["authorization"] for r in cdn] == ["Bearer tok"] * 3
    assert cdn[0].url.path == "/files/upload" and cdn[0].headers["x-fal-file-name"] == "x.png"
    assert cdn[0].headers["content-type"] == "image/png" and cdn[0].read() == image.read_bytes()
    assert (cdn[2].headers["x-fal-file-name"], cdn[2].read()) == ("a.txt", b"abc")


def test_a_token_near_its_expiry_is_replaced(tmp_path):
    soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    tokens = iter([token_response("old", soon), token_response("new")])
    auths = []

    def handler(request):
        if request.url.path == "/storage/auth/token":
            return next(tokens)
        auths.append(request.headers["authorization"])
        return httpx.Response(200, json={"access_url": "https://cdn.test/f"})

    async def go():
        async with make_client(handler) as client:
            await client.upload_bytes(b"1")
            await client.upload_bytes(b"2")
            await client.upload_bytes(b"3")

    run(go())
    assert auths == ["Bearer old", "Bearer new", "Bearer new"]


def test_a_refused_token_is_replaced_once_and_not_blamed_on_the_key():
    tokens = iter([token_response("revoked"), token_response("fresh")])

    def handler(request):
        if request.url.path == "/storage/auth/token":
            return next(tokens)
        if request.headers["authorization"] == "Bearer revoked":
            return httpx.Response(401, json={"detail": "Invalid upload token"})
        return httpx.Response(200, json={"access_url": "https://cdn.test/f"})

    async def go():
        async with make_client(handler) as client:
            return await client.upload_bytes(b"1")

    assert run(go()) == "https://cdn.test/f"


def test_a_refused_key_stops_the_upload_without_trying_the_legacy_flow():
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(401, json={"detail": "Invalid key"})

    async def go():
        async with make_client(handler) as client:
            await client.upload_bytes(b"1")

    with pytest.raises(AuthError):
        run(go())
    assert seen == ["/storage/auth/token"]


def test_a_retried_single_upload_sends_the_whole_file_again(tmp_path):
    bodies = []

    def handler(request):
        if request.url.path == "/storage/auth/token":
            return token_response()
        bodies.append(request.read())
        if len(bodies) == 1:
            return httpx.Response(503, json={"detail": "busy"}, headers={"x-fal-request-id": "x"})
        return httpx.Response(200, json={"access_url": "https://cdn.test/f"})

    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789" * 500_000)  # 5 MB: several chunks

    async def go():
        async with make_client(handler) as client:
            return await client.upload_file(path)

    assert run(go()) == "https://cdn.test/f"
    assert len(bodies) == 2 and bodies[0] == bodies[1] == path.read_bytes()


def test_multipart_streams_each_part_from_disk_with_bounded_concurrency(tmp_path, monkeypatch):
    parts, in_flight, peak = {}, [0], [0]
    monkeypatch.setattr(uploads, "CHUNK", 1000)  # small reads, to see that they are small
    reads = []
    real_chunks = uploads._file_chunks

    async def spying_chunks(path, start=0, length=None):
        async for chunk in real_chunks(path, start, length):
            reads.append(len(chunk))
            yield chunk

    monkeypatch.setattr(uploads, "_file_chunks", spying_chunks)

    async def handler(request):
        path = request.url.path
        if path == "/storage/auth/token":
            return token_response()
        if path == "/files/upload/multipart":
            assert request.headers["authorization"] == "Bearer tok"
            assert request.headers["x-fal-file-name"] == "big.bin"
            return httpx.Response(
                200, json={"access_url": "https://cdn.test/files/big", "uploadId": "u1"}
            )
        if request.method == "PUT":
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            await asyncio.sleep(0.01)
            number = int(path.rsplit("/", 1)[1])
            assert path == f"/files/big/multipart/u1/{number}"
            parts[number] = await request.aread()
            assert int(request.headers["content-length"]) == len(parts[number])
            in_flight[0] -= 1
            return httpx.Response(200, headers={"ETag": f'"e{number}"'})
        if path.endswith("/complete"):
            assert path == "/files/big/multipart/u1/complete"
            parts["complete"] = json.loads(await request.aread())
            return httpx.Response(200, json={})
        return httpx.Response(404)

    data = bytes(range(256)) * 100  # 25,600 bytes
    big = tmp_path / "big.bin"
    big.write_bytes(data)

    async def go():
        async with make_client(
            handler, multipart_threshold=10_000, part_size=3000, parts_at_once=3
        ) as client:
            return await client.upload_file(big)

    assert run(go()) == "https://cdn.test/files/big"
    numbers = list(range(1, 10))
    assert b"".join(parts[n] for n in numbers) == data
    assert parts["complete"] == {"parts": [{"partNumber": n, "etag": f'"e{n}"'} for n in numbers]}
    assert 1 < peak[0] <= 3
    assert max(reads) <= 1000 and sum(reads) == len(data)  # read from disk in chunks, once


def test_a_file_at_the_threshold_goes_in_one_piece(tmp_path):
    paths = []

    def handler(request):
        paths.append(request.url.path)
        if request.url.path == "/storage/auth/token":
            return token_response()
        return httpx.Response(200, json={"access_url": "https://cdn.test/f"})

    f = tmp_path / "edge.bin"
    f.write_bytes(b"x" * 1000)

    async def go():
        async with make_client(handler, multipart_threshold=1000, part_size=300) as client:
            return await client.upload_file(f)

    run(go())
    assert paths == ["/storage/auth/token", "/files/upload"]


def test_a_failed_cdn_flow_is_reported_as_is_and_no_legacy_flow_is_tried(tmp_path):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        if request.url.path == "/storage/auth/token":
            return token_response()
        if request.url.host == "cdn.test":
            return httpx.Response(507, json={"detail": "CDN full"})
        return httpx.Response(400, json={"detail": "Invalid storage type"})  # fal's legacy answer

    f = tmp_path / "a.jpg"
    f.write_bytes(b"jpeg-bytes")

    async def go():
        async with make_client(handler) as client:
            await client.upload_file(f)

    with pytest.raises(FalError) as info:
        run(go())
    assert info.value.detail == "CDN full" and info.value.status_code == 507
    assert "/storage/upload/initiate" not in seen


def test_missing_files_are_a_plain_error(tmp_path):
    async def go():
        async with make_client(lambda r: httpx.Response(500)) as client:
            await client.upload_file(tmp_path / "nope.png")

    with pytest.raises(FalError, match="could not be read"):
        run(go())


def test_data_uris_from_bytes_and_paths(tmp_path):
    f = tmp_path / "p.png"
    f.write_bytes(b"\x89PNG")
    expected = "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    assert encode_data_uri(f) == expected == encode_data_uri(str(f))
    assert encode_data_uri(b"hi", "text/plain") == "data:text/plain;base64,aGk="
    assert encode_data_uri(b"hi") == "data:application/octet-stream;base64,aGk="


async def _collect(path, start=0, length=None):
    return [chunk async for chunk in uploads._file_chunks(path, start, length)]


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 2000, 2999, 3000, 3001])
def test_files_are_read_in_chunks_up_to_the_boundaries(tmp_path, monkeypatch, size):
    monkeypatch.setattr(uploads, "CHUNK", 1000)
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    chunks = run(_collect(path))
    assert b"".join(chunks) == data
    assert [len(c) for c in chunks] == [1000] * (size // 1000) + (
        [size % 1000] if size % 1000 else []
    )
    for start, length in [(0, size), (size // 2, size - size // 2), (min(1000, size), 0)]:
        assert b"".join(run(_collect(path, start, length))) == data[start : start + length]


def test_an_empty_file_is_uploaded_as_an_empty_body(tmp_path):
    seen = []

    def handler(request):
        if request.url.path == "/storage/auth/token":
            return token_response()
        seen.append((request.headers["content-length"], request.read()))
        return httpx.Response(200, json={"access_url": "https://cdn.test/f"})

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    async def go():
        async with make_client(handler) as client:
            return await client.upload_file(empty)

    assert run(go()) == "https://cdn.test/f" and seen == [("0", b"")]


class _TamperedFile:
    """A real open file whose ``fail_at``-th read fails, or that runs ``after_first`` once the
    first chunk has been read."""

    def __init__(self, real, fail_at=None, after_first=None):
        self.real, self.fail_at, self.after_first, self.reads = real, fail_at, after_first, 0

    def read(self, n):
        self.reads += 1
        if self.reads == self.fail_at:
            raise OSError(5, "Input/output error")
        data = self.real.read(n)
        if self.reads == 1 and self.after_first:
            self.after_first()
        return data

    def __getattr__(self, name):
        return getattr(self.real, name)


def _tamper(monkeypatch, **kw):
    monkeypatch.setattr(uploads, "CHUNK", 1000)
    monkeypatch.setattr(
        uploads,
        "open",
        lambda path, mode: _TamperedFile(builtins.open(path, mode), **kw),  # noqa: SIM115 - the wrapper closes it
        raising=False,
    )


def _upload_seen(path, **client_kw):
    seen = []

    async def handler(request):
        seen.append(request.url.path)
        if request.url.path == "/storage/auth/token":
            return token_response()
        if request.url.path == "/files/upload/multipart":
            return httpx.Response(
                200, json={"access_url": "https://cdn.test/files/m", "uploadId": "u"}
            )
        return httpx.Response(
            200, json={"access_url": "https://cdn.test/f"}, headers={"ETag": '"e"'}
        )

    async def go():
        async with make_client(handler, **client_kw) as client:
            await client.upload_file(path)

    with pytest.raises(FileReadError) as info:
        run(go())
    return info.value, seen


def test_a_read_error_mid_upload_is_a_plain_error_and_not_retried_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "photo.png"
    path.write_bytes(os.urandom(5000))
    _tamper(monkeypatch, fail_at=3)
    error, seen = _upload_seen(path)
    assert (
        isinstance(error, FalError)
        and error.user_message == "The file photo.png could not be read."
    )
    assert "Input/output error" in error.detail
    assert seen == [
        "/storage/auth/token"
    ]  # the broken body never reached a handler; no legacy flow


def test_a_read_error_in_one_part_stops_a_multipart_upload(tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(10_000))
    _tamper(monkeypatch, fail_at=2)
    error, seen = _upload_seen(path, multipart_threshold=4000, part_size=3000, parts_at_once=2)
    assert "could not be read" in error.user_message
    assert not any(p.endswith("/complete") or p.startswith("/storage/upload") for p in seen)


@pytest.mark.parametrize("change", ["truncated", "grown", "rewritten"])
def test_a_file_changed_while_it_is_sent_is_refused(tmp_path, monkeypatch, change):
    path = tmp_path / "live.bin"
    path.write_bytes(b"a" * 5000)

    def tamper():
        if change == "truncated":
            os.truncate(path, 1500)
        elif change == "grown":
            with open(path, "ab") as handle:
                handle.write(b"more")
        else:
            path.write_bytes(b"b" * 5000)
            os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))

    _tamper(monkeypatch, after_first=tamper)
    error, seen = _upload_seen(path)
    assert error.user_message == "The file live.bin changed while it was being uploaded."
    assert "/storage/upload/initiate" not in seen


@pytest.mark.parametrize("in_memory", [True, False], ids=["read-on-the-loop", "read-in-a-thread"])
def test_both_read_paths_give_the_same_bytes_and_the_same_errors(tmp_path, monkeypatch, in_memory):
    monkeypatch.setattr(uploads, "CHUNK", 1000)
    monkeypatch.setattr(uploads, "_in_memory", lambda fd, offset, length: in_memory)
    data = os.urandom(4321)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    chunks = run(_collect(path, 500, 3500))
    assert b"".join(chunks) == data[500:4000] and [len(c) for c in chunks] == [1000] * 3 + [500]
    _tamper(monkeypatch, fail_at=2)
    error, _ = _upload_seen(path)
    assert error.user_message == "The file f.bin could not be read."


def test_the_page_cache_probe_says_no_where_it_cannot_tell(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 5000)
    with open(path, "rb") as handle:
        assert uploads._in_memory(handle.fileno(), 0, 0) is False
        monkeypatch.setattr(uploads, "_NOWAIT", None)  # not Linux
        assert uploads._in_memory(handle.fileno(), 0, 5000) is False
