"""Retry decisions: fal's rules for idempotent calls, and never a second paid submit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from fal_desktop.api import FalTimeoutError, NetworkError, RateLimitError, RetryPolicy, ServerError
from fal_desktop.api.retry import retry_after_seconds, retry_exception, retry_response
from tests.unit.api_fixtures import make_client, run

REQ = httpx.Request("POST", "https://queue.test/fal-ai/flux/dev")
FAL = {"x-fal-request-id": "abc"}  # fal's own server answered (not ingress)


def response(status, headers=None, text=""):
    return httpx.Response(status, headers=headers or {}, text=text, request=REQ)


NGINX = "<html><head><title>502 Bad Gateway</title></head><body><hr><center>nginx</center></body></html>"


@pytest.mark.parametrize(
    "status, headers, text, submit, idempotent",
    [
        (408, FAL, "", True, True),
        (409, FAL, "", True, True),
        (429, FAL, "", True, True),
        (502, {}, NGINX, True, True),  # ingress: fal's nginx page, never reached fal
        (503, {}, NGINX, True, True),
        (504, {}, NGINX, False, True),  # a gateway timeout: fal may have queued the submit
        (
            502,
            {},
            "Bad Gateway",
            False,
            True,
        ),  # no request id but not nginx: may be after fal took it
        (503, {}, "Service Unavailable", False, True),
        (504, {}, "", False, True),
        (503, FAL, NGINX, False, True),  # a request id: fal's own server answered
        (500, FAL, "", False, True),  # the app failed: not for submit
        (502, FAL, "", False, True),
        (503, FAL, "", False, True),
        (
            504,
            {"x-fal-request-timeout-type": "user"},
            "",
            False,
            False,
        ),  # the caller's own deadline
        (400, FAL, "", False, False),
        (401, FAL, "", False, False),
        (404, FAL, "", False, False),
        (422, FAL, "", False, False),
    ],
)
def test_which_responses_are_retried(status, headers, text, submit, idempotent):
    assert retry_response(response(status, headers, text), idempotent=False) is submit
    assert retry_response(response(status, headers, text), idempotent=True) is idempotent


def test_a_submit_answered_by_a_gateway_error_that_is_not_ingress_is_sent_once_and_says_so():
    calls, handler = count_calls(lambda r: httpx.Response(503, text="Service Unavailable"))
    ingress_calls, ingress = count_calls(lambda r: httpx.Response(502, text=NGINX))

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(ServerError) as info:
                await client.submit("fal-ai/flux/dev", {"prompt": "x"})
        async with make_client(ingress) as client:
            with pytest.raises(ServerError) as never_sent:
                await client.submit("fal-ai/flux/dev", {"prompt": "x"})
        return info.value, never_sent.value

    error, never_sent = run(go())
    assert len(calls) == 1 and len(ingress_calls) == 4  # FAST allows 4 tries
    assert "fal may have received the job, so it was not sent again" in error.user_message
    assert "HTTP 503" in error.detail_text and "Service Unavailable" in error.detail_text
    assert "may have received" not in never_sent.user_message  # nginx: it never got to fal


@pytest.mark.parametrize(
    "exc, submit, idempotent",
    [
        (httpx.ConnectError("refused", request=REQ), True, True),
        (httpx.ConnectTimeout("slow", request=REQ), True, True),
        (httpx.PoolTimeout("busy", request=REQ), True, True),
        (httpx.ReadError("reset", request=REQ), False, True),
        (httpx.ReadTimeout("quiet", request=REQ), False, True),
        (httpx.WriteError("broken", request=REQ), False, True),
        (httpx.RemoteProtocolError("closed", request=REQ), False, True),
        (httpx.UnsupportedProtocol("file://", request=REQ), False, False),
    ],
)
def test_which_transport_errors_are_retried(exc, submit, idempotent):
    assert retry_exception(exc, idempotent=False) is submit
    assert retry_exception(exc, idempotent=True) is idempotent


def test_backoff_grows_with_jitter_and_is_capped():
    policy = RetryPolicy(max_attempts=10, base_delay=0.1, max_delay=1.0)
    for attempt, nominal in ((1, 0.1), (2, 0.2), (3, 0.4)):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(0.5 * nominal <= d <= 1.5 * nominal for d in delays) and len(delays) > 1
    assert all(policy.delay(30) <= 1.0 for _ in range(50))


def test_retry_after_is_honoured_in_seconds_and_as_a_date():
    policy = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=30.0)
    assert policy.delay(1, "7") == 7.0
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 15 <= retry_after_seconds(when) <= 21
    assert policy.delay(1, "120") == 30.0  # capped
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_the_client_waits_as_retry_after_says(monkeypatch):
    waits = []
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds, *a, **kw):
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("fal_desktop.api.retrying_request.asyncio.sleep", fake_sleep)
    answers = iter(
        [
            httpx.Response(429, headers={"retry-after": "0.75", **FAL}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )

    async def go():
        async with make_client(lambda r: next(answers), retry=RetryPolicy(3, 0.001, 5.0)) as client:
            return await client.result(client.handle_for("fal-ai/flux/dev", "r"))

    assert run(go()) == {"ok": 1} and waits == [0.75]


def count_calls(first):
    calls = []

    def handler(request):
        calls.append(request)
        return first(request)

    return calls, handler


def test_submit_is_not_retried_after_a_read_error_and_says_it_may_have_gone():
    def boom(request):
        raise httpx.ReadError("connection reset by peer", request=request)

    calls, handler = count_calls(boom)

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(NetworkError) as info:
                await client.submit("fal-ai/flux/dev", {"prompt": "x"})
            return info.value

    error = run(go())
    assert len(calls) == 1
    assert error.user_message == (
        "The connection to fal broke after the job was sent: fal may have received "
        "the job, so it was not sent again (you are not charged twice)."
    )
    assert "ReadError" in error.detail_text


def test_run_is_not_retried_after_a_read_timeout():
    def slow(request):
        raise httpx.ReadTimeout("no answer", request=request)

    calls, handler = count_calls(slow)

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(FalTimeoutError) as info:
                await client.run("fal-ai/flux/dev", {"prompt": "x"})
            return info.value

    assert "fal may have received the job, so it was not sent again" in run(go()).user_message
    assert len(calls) == 1


def test_submit_that_never_connected_is_retried_and_then_says_so_plainly():
    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    calls, handler = count_calls(refused)

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(NetworkError) as info:
                await client.submit("fal-ai/flux/dev", {})
            return info.value

    error = run(go())
    assert len(calls) == 4  # FAST allows 4 tries
    assert error.user_message == "fal could not be reached."


def test_status_recovers_from_resets_and_5xx():
    answers = iter(
        [
            "reset",
            httpx.Response(500, json={"detail": "oops"}, headers=FAL),
            "reset",
            httpx.Response(202, json={"status": "IN_QUEUE", "queue_position": 1}),
        ]
    )

    def handler(request):
        answer = next(answers)
        if answer == "reset":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return answer

    async def go():
        async with make_client(handler) as client:
            return await client.status(client.handle_for("fal-ai/flux/dev", "r"))

    assert run(go()).position == 1


def test_a_user_start_timeout_is_not_retried_even_for_status():
    calls, handler = count_calls(
        lambda r: httpx.Response(
            504, json={"detail": "did not start"}, headers={"x-fal-request-timeout-type": "user"}
        )
    )

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(FalTimeoutError) as info:
                await client.result(client.handle_for("fal-ai/flux/dev", "r"))
            return info.value

    assert "time limit you set" in run(go()).user_message and len(calls) == 1


def test_retries_give_up_after_max_attempts_with_the_last_error():
    calls, handler = count_calls(
        lambda r: httpx.Response(429, json={"detail": "slow down"}, headers=FAL)
    )

    async def go():
        async with make_client(handler, retry=RetryPolicy(3, 0.001, 0.001)) as client:
            with pytest.raises(RateLimitError):
                await client.submit("fal-ai/flux/dev", {})
        async with make_client(
            lambda r: httpx.Response(503, json={"detail": "GPU error"}, headers=FAL)
        ) as c:
            with pytest.raises(ServerError):
                await c.status(c.handle_for("fal-ai/flux/dev", "r"))

    run(go())
    assert len(calls) == 3


def test_a_streaming_run_that_fails_after_it_was_sent_says_fal_may_have_it():
    calls, handler = count_calls(lambda r: httpx.Response(502, text="Bad Gateway"))

    async def go():
        async with make_client(handler) as client:
            with pytest.raises(ServerError) as info:
                async for _ in client.stream("fal-ai/flux/dev", {"prompt": "x"}):
                    pass
            return info.value

    assert "fal may have received the job, so it was not sent again" in run(go()).user_message
    assert len(calls) == 1
