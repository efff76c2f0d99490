"""Redirects on API calls: followed like fal's client does, the key decided again at each hop."""

from __future__ import annotations

import httpx
import pytest

from fal_desktop.api import Completed, ProtocolError, RetryPolicy
from tests.unit.api_fixtures import KEY, make_client, run, token_response

SUBMITTED = {"request_id": "r1", "status": "IN_QUEUE"}


def recording(answer):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    return seen, handler


def moved(status: int, location: str) -> httpx.Response:
    return httpx.Response(status, headers={"location": location})


def test_a_307_on_submit_is_followed_with_the_same_body_and_the_key_to_another_api_host():
    def answer(request):
        if request.url.host == "queue.test":
            return moved(307, "https://run.test/elsewhere/fal-ai/flux/dev")
        return httpx.Response(200, json=SUBMITTED)

    seen, handler = recording(answer)

    async def go():
        async with make_client(handler) as client:
            return await client.submit("fal-ai/flux/dev", {"prompt": "x"})

    assert run(go()).request_id == "r1"
    assert [(r.method, r.url.host) for r in seen] == [("POST", "queue.test"), ("POST", "run.test")]
    assert seen[1].content == seen[0].content == b'{"prompt":"x"}'
    assert all(r.headers["authorization"] == f"Key {KEY}" for r in seen)


@pytest.mark.parametrize(
    "target", ["https://cdn.test/x", "https://evil.test/x", "http://queue.test/x"]
)
def test_a_redirect_off_fal_api_origins_is_not_followed(target):
    """Neither the key nor the input goes to a host that is not one of fal's API hosts
    (http://queue.test is another origin too)."""

    def answer(request):
        if request.url.host == "queue.test" and request.url.scheme == "https":
            return moved(307, target)
        return httpx.Response(200, json=SUBMITTED)

    seen, handler = recording(answer)

    async def go():
        async with make_client(handler) as client:
            return await client.submit("fal-ai/flux/dev", {"prompt": "x"})

    with pytest.raises(ProtocolError, match="not one of fal's API hosts"):
        run(go())
    assert len(seen) == 1 and "authorization" in seen[0].headers


def test_status_and_result_follow_redirects_without_repeating_the_query():
    def answer(request):
        if "moved" not in request.url.path:
            return moved(302, f"https://queue.test/moved{request.url.path}?logs=1")
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"status": "COMPLETED", "logs": []})
        return httpx.Response(200, json={"ok": 1})

    seen, handler = recording(answer)

    async def go():
        async with make_client(handler) as client:
            handle = client.handle_for("fal-ai/flux/dev", "r1")
            return await client.status(handle), await client.result(handle)

    status, result = run(go())
    assert result == {"ok": 1} and isinstance(status, Completed)
    assert seen[1].url.query == b"logs=1" and seen[1].method == "GET"


def test_a_303_turns_a_post_into_a_get_and_bad_redirects_end_with_a_sentence():
    def answer(request):
        if request.method == "POST":
            return moved(303, "https://queue.test/answer")
        return httpx.Response(200, json=SUBMITTED)

    seen, handler = recording(answer)
    _, looping = recording(lambda r: moved(307, str(r.url)))
    _, to_file = recording(lambda r: moved(307, "file:///etc/passwd"))

    async def go():
        async with make_client(handler) as client:
            await client.submit("fal-ai/flux/dev", {"prompt": "x"})
        errors = []
        for handler_ in (looping, to_file):
            async with make_client(handler_) as client:
                with pytest.raises(ProtocolError) as info:
                    await client.result(client.handle_for("fal-ai/flux/dev", "r1"))
                errors.append(info.value.user_message)
        return errors

    errors = run(go())
    assert [r.method for r in seen] == ["POST", "GET"] and seen[1].content == b""
    assert "more than 10 times" in errors[0] and "does not open" in errors[1]


def test_a_cdn_upload_token_stays_with_its_origin_across_a_redirect():
    def answer(request):
        if request.url.path == "/storage/auth/token":
            return token_response("tok")
        if request.url.host == "cdn.test":
            return moved(307, "https://other.test/files/upload")
        return httpx.Response(200, json={"access_url": "https://other.test/f/a.png"})

    seen, handler = recording(answer)

    async def go():
        async with make_client(handler) as client:
            return await client.upload_bytes(b"abc", "image/png", "a.png")

    assert run(go()) == "https://other.test/f/a.png"
    cdn, other = seen[-2], seen[-1]
    assert cdn.headers["authorization"] == "Bearer tok" and "authorization" not in other.headers
    assert other.content == b"abc"


def test_a_redirect_is_not_a_failed_try():
    answers = iter(
        [
            moved(307, "https://queue.test/a"),
            moved(307, "https://queue.test/b"),
            httpx.Response(500, json={"detail": "x"}, headers={"x-fal-request-id": "i"}),
        ]
        + [httpx.Response(200, json={"ok": 1})]
    )

    async def go():
        async with make_client(
            lambda r: next(answers), retry=RetryPolicy(2, 0.001, 0.001)
        ) as client:
            return await client.result(client.handle_for("fal-ai/flux/dev", "r1"))

    assert run(go()) == {"ok": 1}  # two tries allowed: the redirects and the 500 used one
