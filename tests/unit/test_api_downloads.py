"""Downloads: never with the key, streamed, size-capped, http(s) and data: only."""

from __future__ import annotations

import httpx
import pytest

from fal_desktop.api import DownloadError, NetworkError
from tests.unit.api_fixtures import make_client, run


def test_no_download_carries_the_key_even_to_api_hosts_or_after_a_redirect():
    seen = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"location": "https://queue.test/files/final.png"})
        return httpx.Response(200, content=b"png-bytes")

    async def go():
        async with make_client(handler) as client:
            return [
                await client.download(u)
                for u in (
                    "https://cdn.test/a.png",
                    "https://queue.test/b.png",
                    "https://rest.test/moved",
                )
            ]

    assert run(go()) == [b"png-bytes"] * 3
    assert len(seen) == 4 and all("authorization" not in r.headers for r in seen)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://x.test/a", "javascript:alert(1)", "/relative/path", "gopher://x"],
)
def test_other_schemes_are_refused_with_a_sentence(url):
    async def go():
        async with make_client(lambda r: httpx.Response(200)) as client:
            await client.download(url)

    with pytest.raises(DownloadError, match="does not open"):
        run(go())


def test_a_redirect_to_another_scheme_is_refused():
    def handler(request):
        return httpx.Response(302, headers={"location": "file:///etc/passwd"})

    async def go():
        async with make_client(handler) as client:
            await client.download("https://cdn.test/a.png")

    with pytest.raises(DownloadError):
        run(go())


def test_data_urls_are_decoded_and_capped():
    async def go():
        async with make_client(lambda r: httpx.Response(500)) as client:
            plain = await client.download("data:text/plain,hello%20there")
            b64 = await client.download("data:image/png;base64,aGk=")
            with pytest.raises(DownloadError, match="larger"):
                await client.download("data:text/plain;base64," + "QUFB" * 100, max_bytes=10)
            return plain, b64

    assert run(go()) == (b"hello there", b"hi")


@pytest.mark.parametrize("declared", [True, False])
def test_the_size_cap_holds_with_and_without_content_length(declared, tmp_path):
    body = b"x" * 5000

    def handler(request):
        if declared:
            return httpx.Response(200, content=body)

        async def chunks():
            for i in range(0, len(body), 1000):
                yield body[i : i + 1000]

        return httpx.Response(200, content=chunks())

    target = tmp_path / "out.png"

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(DownloadError, match="larger"):
                await client.download("https://cdn.test/big", max_bytes=4096)
            with pytest.raises(DownloadError):
                await client.download_to("https://cdn.test/big", target, max_bytes=4096)
            return await client.download("https://cdn.test/big", max_bytes=5000)

    assert run(go()) == body
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind


def test_download_to_writes_the_whole_file_and_retries_a_reset(tmp_path):
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadError("reset", request=request)
        return httpx.Response(200, content=b"A" * 3000)

    async def go():
        async with make_client(handler) as client:
            return await client.download_to("https://cdn.test/a.png", tmp_path / "sub" / "a.png")

    path = run(go())
    assert path.read_bytes() == b"A" * 3000 and [p.name for p in path.parent.iterdir()] == ["a.png"]


def test_a_big_download_is_written_exactly_even_when_a_first_try_broke_off_midway(tmp_path):
    body = bytes(range(256)) * (10 * 1024 + 7)  # 2.5 MiB and a bit: several 1 MiB writes and a tail
    calls = []

    def handler(request):
        calls.append(1)
        broken = len(calls) == 1

        async def chunks():
            for i in range(0, len(body), 65536):
                if broken and i >= 1_300_000:  # after one whole write reached the file
                    raise httpx.ReadError("reset", request=request)
                yield body[i : i + 65536]

        return httpx.Response(200, content=chunks())

    async def go():
        async with make_client(handler) as client:
            return await client.download_to("https://cdn.test/big.png", tmp_path / "big.png")

    path = run(go())
    assert len(calls) == 2 and path.read_bytes() == body


def test_expired_results_and_dead_hosts_have_plain_sentences():
    def handler(request):
        if request.url.host == "gone.test":
            return httpx.Response(404, json={"detail": "Not found"})
        raise httpx.ConnectError("refused", request=request)

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(DownloadError, match="no longer available"):
                await client.download("https://gone.test/a.png")
            with pytest.raises(NetworkError, match="could not be downloaded"):
                await client.download("https://dead.test/a.png")

    run(go())
