"""Submit, run, stream, cancel and the key's reach: only API hosts ever see it."""

from __future__ import annotations

import json

import httpx
import pytest

from fal_desktop.api import FalClient, FalHosts, RequestFailed, ServerError, ValidationError
from tests.unit.api_fixtures import HOSTS, KEY, log, make_client, run, sse_response


def submit_body(rid="r1", base="https://queue.test/fal-ai/flux/requests/r1"):
    return {
        "request_id": rid,
        "status": "IN_QUEUE",
        "queue_position": 0,
        "status_url": base + "/status",
        "response_url": base,
        "cancel_url": base + "/cancel",
    }


def test_the_key_goes_to_queue_run_and_rest_and_nowhere_else():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    async def go():
        async with make_client(handler) as client:
            for url in (
                HOSTS.queue + "/a",
                HOSTS.run + "/b",
                HOSTS.rest + "/c",
                HOSTS.cdn + "/d",
                HOSTS.schemas + "/e",
                "https://evil.test/f",
                "https://queue.test.evil.test/g",
                "http://queue.test/h",
            ):
                await client.request("GET", url, idempotent=True)

    run(go())
    with_key = [r.url.host for r in seen if r.headers.get("authorization") == f"Key {KEY}"]
    assert with_key == ["queue.test", "run.test", "rest.test"]
    assert all("authorization" not in r.headers for r in seen[3:])


def test_a_callable_key_is_read_at_each_request_and_can_be_absent():
    keys = iter(["first:key", "second:key", None])
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"status": "IN_QUEUE", "queue_position": 0})

    async def go():
        async with make_client(handler, key=lambda: next(keys)) as client:
            handle = client.handle_for("fal-ai/flux/dev", "r")
            for _ in range(3):
                await client.status(handle)

    run(go())
    assert seen == ["Key first:key", "Key second:key", None]


def test_the_key_is_in_no_repr_or_error():
    def handler(request):
        return httpx.Response(401, json={"detail": "Unauthorized"})

    async def go():
        async with make_client(handler) as client:
            assert KEY not in repr(client) and KEY not in str(vars(client).get("hosts"))
            handle = client.handle_for("fal-ai/flux/dev", "r")
            assert KEY not in repr(handle)
            try:
                await client.status(handle)
            except Exception as exc:  # noqa: BLE001 – inspecting what a log would show
                return exc

    error = run(go())
    for text in (str(error), repr(error), error.user_message, error.detail_text):
        assert KEY not in text and "ksecret" not in text


def test_a_callers_authorization_header_is_dropped():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=submit_body())

    async def go():
        async with make_client(handler) as client:
            await client.submit(
                "fal-ai/flux/dev",
                {},
                headers={"authorization": "Key stolen", "X-Fal-Store-IO": "0"},
            )

    run(go())
    assert seen[0].headers.get_list("authorization") == [f"Key {KEY}"]
    assert seen[0].headers["x-fal-store-io"] == "0"


def test_submit_options_become_fals_headers_and_query():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=submit_body())

    async def go():
        async with make_client(handler) as client:
            handle = await client.submit(
                "fal-ai/flux/dev",
                {"prompt": "x"},
                priority="low",
                hint="lora:a",
                start_timeout=30,
                webhook_url="https://hook.example/a?b=c&d=e",
            )
            for bad in ({"priority": "high"}, {"start_timeout": 1}, {"start_timeout": 0.5}):
                with pytest.raises(ValueError):
                    await client.submit("fal-ai/flux/dev", {}, **bad)
            return handle

    handle = run(go())
    request = seen[0]
    assert len(seen) == 1 and request.method == "POST" and request.url.path == "/fal-ai/flux/dev"
    assert request.url.params["fal_webhook"] == "https://hook.example/a?b=c&d=e"
    assert (
        request.headers["x-fal-queue-priority"],
        request.headers["x-fal-runner-hint"],
        request.headers["x-fal-request-timeout"],
    ) == ("low", "lora:a", "30.0")
    assert json.loads(request.content) == {"prompt": "x"}
    assert (handle.endpoint_id, handle.request_id, handle.queue_position) == (
        "fal-ai/flux/dev",
        "r1",
        0,
    )


def test_urls_from_fal_on_another_host_are_replaced_by_built_ones():
    body = submit_body(base="https://elsewhere.test/x/requests/r1")

    async def go():
        async with make_client(lambda r: httpx.Response(200, json=body)) as client:
            return await client.submit("fal-ai/flux/dev", {})

    handle = run(go())
    assert handle.status_url == "https://queue.test/fal-ai/flux/requests/r1/status"
    assert handle.response_url == "https://queue.test/fal-ai/flux/requests/r1"
    assert handle.cancel_url == "https://queue.test/fal-ai/flux/requests/r1/cancel"


def test_run_posts_to_the_run_host_and_never_retries_a_503():
    seen = []

    def handler(request):
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(200, json={"images": [{"url": "u"}]})
        return httpx.Response(503, json={"detail": "GPU error"}, headers={"x-fal-request-id": "x"})

    async def go():
        async with make_client(handler) as client:
            out = await client.run(
                "fal-ai/flux/schnell", {"prompt": "p"}, hint="h", start_timeout=5
            )
            with pytest.raises(ServerError):
                await client.run("fal-ai/flux/schnell", {"prompt": "p"})
            return out

    assert run(go()) == {"images": [{"url": "u"}]}
    assert seen[0].url == "https://run.test/fal-ai/flux/schnell"
    assert (
        seen[0].headers["x-fal-runner-hint"] == "h"
        and seen[0].headers["x-fal-request-timeout"] == "5.0"
    )
    assert len(seen) == 2


def test_stream_yields_partial_then_final_outputs():
    def handler(request):
        assert request.url == "https://run.test/fal-ai/any-llm/stream" and request.method == "POST"
        assert request.headers["authorization"] == f"Key {KEY}"
        return sse_response(
            {"output": "He", "partial": True}, {"output": "Hello", "partial": False}
        )

    async def go():
        async with make_client(handler) as client:
            return [e async for e in client.stream("fal-ai/any-llm", {"prompt": "hi"})]

    assert run(go()) == [{"output": "He", "partial": True}, {"output": "Hello", "partial": False}]


def test_cancel_answers():
    answers = iter(
        [
            httpx.Response(202, json={"status": "CANCELLATION_REQUESTED"}),
            httpx.Response(400, json={"status": "ALREADY_COMPLETED"}),
            httpx.Response(200),
        ]
    )
    seen = []

    def handler(request):
        seen.append(request)
        return next(answers)

    async def go():
        async with make_client(handler) as client:
            handle = client.handle_for("fal-ai/flux/dev", "r1")
            return [await client.cancel(handle) for _ in range(3)]

    assert run(go()) == ["CANCELLATION_REQUESTED", "ALREADY_COMPLETED", "OK"]
    assert all(r.method == "PUT" and r.url.path == "/fal-ai/flux/requests/r1/cancel" for r in seen)


def test_subscribe_raises_the_stored_error_of_a_failed_job():
    def handler(request):
        if request.method == "POST":
            return httpx.Response(200, json=submit_body())
        if request.url.path.endswith("/stream"):
            return sse_response(
                {
                    "status": "COMPLETED",
                    "logs": [log(1)],
                    "error": "Invalid status code: 422",
                    "error_type": "validation_error",
                }
            )
        return httpx.Response(
            422,
            json={
                "detail": [{"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}]
            },
        )

    async def go():
        async with make_client(handler) as client:
            await client.subscribe("fal-ai/flux/dev", {})

    with pytest.raises(ValidationError) as info:
        run(go())
    assert info.value.field_errors[0].loc == ("prompt",)


def test_subscribe_raises_request_failed_when_the_result_has_no_error_of_its_own():
    def handler(request):
        if request.method == "POST":
            return httpx.Response(200, json=submit_body())
        if request.url.path.endswith("/stream"):
            return sse_response(
                {
                    "status": "COMPLETED",
                    "logs": [],
                    "error": "Runner disconnected",
                    "error_type": "runner_disconnected",
                }
            )
        return httpx.Response(200, json={})

    async def go():
        async with make_client(handler) as client:
            await client.subscribe("fal-ai/flux/dev", {})

    with pytest.raises(RequestFailed) as info:
        run(go())
    assert info.value.error_type == "runner_disconnected"


def test_default_hosts_are_fals_real_ones():
    async def go():
        async with FalClient("k") as client:
            return client.hosts

    hosts = run(go())
    assert (
        hosts == FalHosts()
        and hosts.queue == "https://queue.fal.run"
        and hosts.cdn == "https://v3.fal.media"
    )
    assert hosts.is_api_url("https://rest.fal.ai/storage/auth/token")
    assert not hosts.is_api_url("https://v3.fal.media/files/upload")
