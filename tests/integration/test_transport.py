"""Transport over real sockets: fal's submit retry rule, redirects and where the key goes,
and any file name uploading — against the emulator's faults."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fal_desktop.api import (
    ErrorKind,
    FalClient,
    FalError,
    ProtocolError,
    RetryPolicy,
    ServerError,
)
from tests.integration.conftest import KEY

FAST = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05)
MODEL = "fal-ai/flux/schnell"


def client_for(emu) -> FalClient:
    return FalClient(KEY, emu.hosts, retry=FAST, poll_interval=0.05)


def run(coro):
    return asyncio.run(coro)


def test_a_503_after_fal_accepted_the_submit_is_not_sent_again(emulator):
    emulator.set_faults({"503-accepted": 1.0}, roles={"queue"})
    before, injected = emulator.submissions[MODEL], emulator.faults.injected["503-accepted"]

    async def go():
        async with client_for(emulator) as client:
            with pytest.raises(ServerError) as info:
                await client.submit(MODEL, {"prompt": "once"})
            return info.value

    error = run(go())
    assert emulator.submissions[MODEL] == before + 1  # fal has it (and bills it) once
    assert "fal may have received the job, so it was not sent again" in error.user_message
    posts = [r for r in emulator.requests if r.method == "POST" and r.path.endswith(MODEL)]
    assert posts and emulator.faults.injected["503-accepted"] == injected + 1


@pytest.mark.parametrize("fault", ["504-accepted", "reset-accepted"])
def test_a_gateway_timeout_or_reset_after_fal_accepted_the_submit_is_not_sent_again(
    emulator, fault
):
    """nginx's 504 means the gateway passed the submit on and gave up waiting for fal's answer:
    fal may have queued (and will bill) it, so it is not sent again, as after a dropped answer."""
    emulator.set_faults({fault: 1.0}, roles={"queue"})
    before = emulator.submissions[MODEL]

    async def go():
        async with client_for(emulator) as client:
            with pytest.raises(FalError) as info:
                await client.submit(MODEL, {"prompt": "once"})
            return info.value

    error = run(go())
    assert emulator.submissions[MODEL] == before + 1  # fal has it (and bills it) once
    assert error.kind is ErrorKind.MAYBE_SENT
    assert "fal may have received the job, so it was not sent again" in error.user_message


def test_ingress_errors_are_nginx_pages_and_a_submit_behind_them_is_retried(emulator):
    emulator.set_faults({502: 1.0}, roles={"queue"})
    before, injected = emulator.submissions[MODEL], emulator.faults.injected[502]

    async def go():
        async with httpx.AsyncClient() as http:
            page = await http.post(
                f"{emulator.urls['queue']}/{MODEL}",
                json={"prompt": "p"},
                headers={"Authorization": f"Key {KEY}"},
            )
        # seed 3: ingress pages (502, 503 need no request id), then through
        emulator.set_faults({502: 0.6}, roles={"queue"}, seed=3)
        async with client_for(emulator) as client:
            return page, await client.submit(MODEL, {"prompt": "behind the door"})

    page, handle = run(go())
    assert page.status_code == 502 and "nginx" in page.text
    assert "x-fal-request-id" not in page.headers
    assert handle.request_id and emulator.submissions[MODEL] == before + 1
    assert emulator.faults.injected[502] >= injected + 2  # the page above, and one or more here


def test_307_on_submit_status_and_result_is_followed_with_the_key_on_fal_hosts(emulator):
    emulator.set_faults({307: 1.0}, roles={"queue"})
    start, injected = len(emulator.requests), emulator.faults.injected[307]

    async def go():
        async with client_for(emulator) as client:
            return await client.subscribe(MODEL, {"prompt": "moved"})

    output = run(go())
    assert output["images"][0]["url"]
    seen = emulator.requests[start:]
    redirected = [r for r in seen if "_emulator_redirected" in r.query]
    assert {r.method for r in redirected} >= {"POST", "GET"}
    assert all(r.headers.get("Authorization") == f"Key {KEY}" for r in seen if r.role == "queue")
    assert emulator.faults.injected[307] - injected >= 3  # submit, status, result


def test_a_redirect_to_another_origin_never_carries_the_key(emulator):
    emulator.set_faults({307: 1.0}, roles={"queue"}, redirect_to=emulator.urls["elsewhere"])
    before = emulator.submissions[MODEL]

    async def go():
        async with client_for(emulator) as client:
            with pytest.raises(ProtocolError, match="not one of fal's API hosts"):
                await client.submit(MODEL, {"prompt": "elsewhere"})

    run(go())
    assert [r for r in emulator.requests if r.role == "elsewhere"] == []  # neither key nor input
    assert emulator.submissions[MODEL] == before


@pytest.mark.parametrize("name", ["café 日本.png", "100% done (1).png", "naïve\u200b photo.png"])
def test_any_file_name_uploads_and_keeps_its_name(emulator, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())

    async def go():
        async with client_for(emulator) as client:
            url = await client.upload_file(path)
            return url, await client.download(url)

    url, back = run(go())
    assert back == path.read_bytes()
    stored = emulator.service.storage.path_for_url(url)
    assert stored is not None and stored.name == name
    sent = [r.headers["X-Fal-File-Name"] for r in emulator.requests if r.path == "/files/upload"]
    assert sent[-1].isascii()
