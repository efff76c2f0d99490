"""The fal client against httpx.MockTransport: URLs, the key's reach, statuses, errors, retries."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from fal_desktop.api import (
    AuthError,
    Completed,
    EndpointId,
    FalClient,
    FalError,
    FalHosts,
    InProgress,
    ProtocolError,
    Queued,
    RetryPolicy,
    ValidationError,
    progress_from_logs,
)

KEY = "kid:ksecret"
HOSTS = FalHosts(
    queue="https://queue.test",
    run="https://run.test",
    rest="https://rest.test",
    cdn="https://cdn.test",
    schemas="https://schemas.test",
)
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002)


def make_client(handler, **kw) -> FalClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return FalClient(KEY, HOSTS, http=http, retry=FAST, poll_interval=0.001, **kw)


def run(coro):
    return asyncio.run(coro)


def submit_body(rid="r1"):
    base = f"https://queue.test/fal-ai/flux/requests/{rid}"
    return {
        "request_id": rid,
        "status": "IN_QUEUE",
        "queue_position": 2,
        "status_url": base + "/status",
        "response_url": base,
        "cancel_url": base + "/cancel",
    }


@pytest.mark.parametrize(
    "text, app, full",
    [
        ("fal-ai/flux/dev", "fal-ai/flux", "fal-ai/flux/dev"),
        ("fal-ai/esrgan", "fal-ai/esrgan", "fal-ai/esrgan"),
        ("1714827-joke", "1714827/joke", "1714827/joke"),
        ("workflows/acme/my-flow/sub", "workflows/acme/my-flow", "workflows/acme/my-flow/sub"),
        ("comfy/me/graph", "comfy/me/graph", "comfy/me/graph"),
    ],
)
def test_endpoint_ids(text, app, full):
    endpoint = EndpointId.parse(text)
    assert endpoint.app == app and str(endpoint) == full


@pytest.mark.parametrize("bad", ["", "flux", "workflows/acme"])
def test_bad_endpoint_ids_are_refused_with_a_sentence(bad):
    with pytest.raises(ValueError, match="endpoint id"):
        EndpointId.parse(bad)


def test_status_url_on_another_host_is_not_trusted_with_the_key():
    seen = []

    def handler(request: httpx.Request):
        seen.append(request)
        if request.method == "POST":
            body = submit_body()
            body["status_url"] = "https://evil.test/steal/status"
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"status": "COMPLETED", "logs": []})

    async def go():
        async with make_client(handler) as client:
            handle = await client.submit("fal-ai/flux/dev", {})
            await client.status(handle)

    run(go())
    assert seen[1].url.host == "queue.test"
    assert all(r.url.host != "evil.test" for r in seen)


def test_downloads_never_carry_the_key_even_to_api_hosts():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, content=b"png-bytes")

    async def go():
        async with make_client(handler) as client:
            return (
                await client.download("https://cdn.test/files/a.png"),
                await client.download("https://queue.test/files/b.png"),
            )

    assert run(go()) == (b"png-bytes", b"png-bytes")
    assert all("authorization" not in r.headers for r in seen)


def test_download_refuses_other_schemes_and_reads_data_urls():
    async def go():
        async with make_client(lambda r: httpx.Response(500)) as client:
            data = await client.download("data:text/plain;base64,aGk=")
            with pytest.raises(Exception, match="does not open"):
                await client.download("file:///etc/passwd")
            return data

    assert run(go()) == b"hi"


def test_statuses_parse_and_unknown_status_is_a_protocol_error():
    bodies = iter(
        [
            {"status": "IN_QUEUE", "queue_position": 3},
            {"status": "IN_PROGRESS", "logs": [{"message": "Step 1/4", "timestamp": "t1"}]},
            {
                "status": "COMPLETED",
                "logs": None,
                "metrics": {"inference_time": 1.5},
                "error": "Runner disconnected",
                "error_type": "runner_disconnected",
            },
            {"status": "FROBNICATING"},
        ]
    )

    async def go():
        async with make_client(lambda r: httpx.Response(202, json=next(bodies))) as client:
            handle = client.handle_for("fal-ai/flux/dev", "r1")
            out = [await client.status(handle) for _ in range(3)]
            with pytest.raises(ProtocolError):
                await client.status(handle)
            return out

    queued, running, done = run(go())
    assert queued == Queued(3)
    assert isinstance(running, InProgress) and running.logs[0].message == "Step 1/4"
    assert isinstance(done, Completed) and done.error_type == "runner_disconnected"
    assert done.metrics == {"inference_time": 1.5}


def _sse(*events):
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()


@pytest.mark.parametrize("cumulative", [True, False])
def test_watch_gives_each_log_line_once_from_stream(cumulative):
    lines = [{"message": f"Step {i}/3", "timestamp": f"t{i}", "level": "INFO"} for i in (1, 2, 3)]
    events = []
    for i in range(1, 4):
        logs = lines[:i] if cumulative else [lines[i - 1]]
        events.append({"status": "IN_PROGRESS", "logs": logs})
    events.append({"status": "COMPLETED", "logs": lines if cumulative else [], "metrics": {}})

    def handler(request):
        assert request.url.path.endswith("/status/stream")
        return httpx.Response(
            200, content=_sse(*events), headers={"content-type": "text/event-stream"}
        )

    async def go():
        async with make_client(handler) as client:
            return [s async for s in client.watch(client.handle_for("fal-ai/flux/dev", "r1"))]

    statuses = run(go())
    assert [line.message for s in statuses for line in s.new_logs] == [
        "Step 1/3",
        "Step 2/3",
        "Step 3/3",
    ]
    assert isinstance(statuses[-1], Completed)


def test_watch_falls_back_to_polling_when_stream_is_not_sse():
    polls = iter(
        [
            {"status": "IN_QUEUE", "queue_position": 0},
            {"status": "IN_PROGRESS", "logs": [{"message": "a", "timestamp": "1"}]},
            {
                "status": "COMPLETED",
                "logs": [{"message": "a", "timestamp": "1"}, {"message": "b", "timestamp": "2"}],
            },
        ]
        * 4
    )

    def handler(request):
        if request.url.path.endswith("/stream"):
            return httpx.Response(200, text="nope", headers={"content-type": "text/plain"})
        return httpx.Response(200, json=next(polls))

    async def go():
        async with make_client(handler) as client:
            return [s async for s in client.watch(client.handle_for("fal-ai/flux/dev", "r1"))]

    statuses = run(go())
    assert isinstance(statuses[-1], Completed)
    assert [line.message for s in statuses for line in s.new_logs] == ["a", "b"]


def test_errors_are_typed_with_sentences():
    responses = iter(
        [
            httpx.Response(401, json={"detail": "Unauthorized"}),
            httpx.Response(
                422,
                json={
                    "detail": [
                        {
                            "loc": ["body", "loras", 0, "scale"],
                            "msg": "too big",
                            "type": "less_than_equal",
                        }
                    ]
                },
            ),
        ]
    )

    async def go():
        async with make_client(lambda r: next(responses)) as client:
            with pytest.raises(AuthError) as auth:
                await client.submit("fal-ai/flux/dev", {})
            with pytest.raises(ValidationError) as invalid:
                await client.submit("fal-ai/flux/dev", {})
            return auth.value, invalid.value

    auth, invalid = run(go())
    assert "API key" in auth.user_message and auth.status_code == 401
    assert invalid.field_errors[0].loc == ("loras", 0, "scale")
    assert "loras.0.scale" in invalid.user_message


def test_idempotent_calls_retry_and_recover():
    answers = iter(
        [
            httpx.Response(503, json={"detail": "GPU error"}, headers={"x-fal-request-id": "x"}),
            httpx.Response(429, json={"detail": "slow down"}),
            httpx.Response(502, text="<html>nginx</html>"),
            httpx.Response(200, json={"images": []}),
        ]
    )

    async def go():
        async with make_client(lambda r: next(answers)) as client:
            return await client.result(client.handle_for("fal-ai/flux/dev", "r"))

    assert run(go()) == {"images": []}


def test_submit_is_retried_when_it_never_reached_fal():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return httpx.Response(502, text="<html>bad gateway nginx</html>")  # ingress
        if len(calls) == 3:
            return httpx.Response(429, json={"detail": "rate"})
        return httpx.Response(200, json=submit_body())

    async def go():
        async with make_client(handler) as client:
            return await client.submit("fal-ai/flux/dev", {})

    assert run(go()).request_id == "r1" and len(calls) == 4


def test_submit_is_not_retried_on_a_503_from_the_app():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503, json={"detail": "GPU error"}, headers={"x-fal-request-id": "x"})

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(FalError):
                await client.submit("fal-ai/flux/dev", {})

    run(go())
    assert len(calls) == 1


def test_upload_uses_token_not_key_and_caches_it(tmp_path):
    seen = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/storage/auth/token":
            return httpx.Response(
                200,
                json={
                    "token": "tok",
                    "token_type": "Bearer",
                    "base_url": "https://cdn.test",
                    "expires_at": "2999-01-01T00:00:00+00:00",
                },
            )
        return httpx.Response(200, json={"access_url": "https://cdn.test/files/x.png"})

    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG" + b"0" * 3000)

    async def go():
        async with make_client(handler) as client:
            return [await client.upload_file(image), await client.upload_file(image)]

    assert run(go()) == ["https://cdn.test/files/x.png"] * 2
    token_calls = [r for r in seen if r.url.path == "/storage/auth/token"]
    uploads = [r for r in seen if r.url.path == "/files/upload"]
    assert len(token_calls) == 1 and token_calls[0].headers["authorization"] == f"Key {KEY}"
    assert [r.headers["authorization"] for r in uploads] == ["Bearer tok"] * 2
    assert uploads[0].headers["x-fal-file-name"] == "x.png"
    assert uploads[0].headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "logs, expected",
    [
        (["loading", "Step 3/10"], 0.3),
        (["42% done"], 0.42),
        (["12/12 tiles"], 1.0),
        (["hello"], None),
    ],
)
def test_progress_from_logs(logs, expected):
    assert progress_from_logs(logs) == expected


@pytest.mark.parametrize(
    "bad", ["kid:secret\nX-Injected: 1", "kid:sec ret", "kid:sécret", "kid:\tsecret"]
)
def test_a_key_no_header_can_carry_is_an_auth_error_that_does_not_quote_it(bad):
    seen = []

    async def go():
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
        )
        async with FalClient(bad, HOSTS, http=http, retry=FAST) as client:
            await client.submit("fal-ai/flux/dev", {})

    with pytest.raises(AuthError) as caught:
        run(go())
    assert "secret" not in str(caught.value) and "sec" not in caught.value.detail_text
    assert seen == []  # nothing was sent
