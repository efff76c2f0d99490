"""watch(): the status stream first, polling when it fails, each log line exactly once."""

from __future__ import annotations

import json

import httpx
import pytest

from fal_desktop.api import AuthError, Completed, InProgress, ProtocolError, Queued
from tests.unit.api_fixtures import log, make_client, run, sse, sse_response


def follow(handler, **kw):
    async def go():
        async with make_client(handler) as client:
            handle = client.handle_for("fal-ai/flux/dev", "r1")
            return [s async for s in client.watch(handle, **kw)]

    return run(go())


def messages(statuses):
    return [line.message for s in statuses for line in getattr(s, "new_logs", ())]


def status(kind, logs=None, **extra):
    body = {"status": kind, **extra}
    if kind != "IN_QUEUE":
        body["logs"] = logs if logs is not None else []
    return body


@pytest.mark.parametrize("cumulative", [True, False])
def test_stream_statuses_carry_each_line_once(cumulative):
    events = [status("IN_QUEUE", queue_position=1)]
    for i in range(1, 4):
        events.append(
            status("IN_PROGRESS", [log(j) for j in range(1, i + 1)] if cumulative else [log(i)])
        )
    events.append(
        status(
            "COMPLETED",
            [log(j) for j in range(1, 4)] if cumulative else [],
            metrics={"inference_time": 0.5},
        )
    )
    seen = []

    def handler(request):
        seen.append(request.url)
        assert request.url.path == "/fal-ai/flux/requests/r1/status/stream"
        assert request.url.params["logs"] == "1"
        assert request.headers["accept"] == "text/event-stream"
        return sse_response(*events)

    statuses = follow(handler)
    assert isinstance(statuses[0], Queued) and statuses[0].position == 1
    assert messages(statuses) == ["Step 1/9", "Step 2/9", "Step 3/9"]
    assert isinstance(statuses[-1], Completed) and statuses[-1].metrics == {"inference_time": 0.5}
    assert len(seen) == 1  # no polling when the stream works


def test_a_stream_that_breaks_midway_is_reopened_without_losing_or_repeating_lines():
    opened = []

    def handler(request):
        if request.url.path.endswith("/stream"):
            opened.append(1)
            if len(opened) == 1:

                async def broken():
                    yield sse(status("IN_PROGRESS", [log(1)]), status("IN_PROGRESS", [log(2)]))
                    raise httpx.ReadError("connection reset", request=request)

                return httpx.Response(
                    200, content=broken(), headers={"content-type": "text/event-stream"}
                )
            # reopened: the first event has every line so far, then deltas
            return sse_response(
                status("IN_PROGRESS", [log(1), log(2), log(3), log(4)]),
                status("IN_PROGRESS", [log(5)]),
                status("COMPLETED", []),
            )
        # the catch-up poll between the two: cumulative
        return httpx.Response(202, json=status("IN_PROGRESS", [log(1), log(2), log(3)]))

    statuses = follow(handler)
    assert messages(statuses) == [f"Step {i}/9" for i in range(1, 6)]
    assert len(opened) == 2 and isinstance(statuses[-1], Completed)


def test_a_stream_that_ends_early_is_caught_up_by_a_poll():
    def handler(request):
        if request.url.path.endswith("/stream"):
            return sse_response(status("IN_PROGRESS", [log(1)]))  # closes before COMPLETED
        return httpx.Response(200, json=status("COMPLETED", [log(1), log(2)]))

    statuses = follow(handler)
    assert messages(statuses) == ["Step 1/9", "Step 2/9"] and isinstance(statuses[-1], Completed)


@pytest.mark.parametrize(
    "stream_answer",
    [
        httpx.Response(200, text="not a stream", headers={"content-type": "text/plain"}),
        httpx.Response(404, json={"detail": "Path not found"}),
        httpx.Response(405, json={"detail": "Method not allowed"}),
    ],
)
def test_no_stream_means_polling_straight_away(stream_answer):
    polls = iter(
        [
            status("IN_QUEUE", queue_position=0),
            status("IN_PROGRESS", [log(1)]),
            status("COMPLETED", [log(1), log(2)]),
        ]
    )
    streams = []

    def handler(request):
        if request.url.path.endswith("/stream"):
            streams.append(1)
            return stream_answer
        return httpx.Response(200, json=next(polls))

    statuses = follow(handler)
    assert len(streams) == 1 and [type(s) for s in statuses] == [Queued, InProgress, Completed]
    assert messages(statuses) == ["Step 1/9", "Step 2/9"]


def test_a_failing_stream_is_given_up_after_three_tries():
    streams, polls = [], []
    answers = iter(
        [status("IN_PROGRESS", [log(1)])] * 3
        + [status("IN_PROGRESS", [log(1), log(2)]), status("COMPLETED", [log(1), log(2)])]
    )

    def handler(request):
        if request.url.path.endswith("/stream"):
            streams.append(1)
            raise httpx.ReadError("reset", request=request)
        polls.append(1)
        return httpx.Response(202, json=next(answers))

    statuses = follow(handler)
    assert len(streams) == 3 and len(polls) == 5
    assert messages(statuses) == ["Step 1/9", "Step 2/9"]


def test_a_refused_key_on_the_stream_is_raised_not_polled_around():
    def handler(request):
        return httpx.Response(401, json={"detail": "Invalid key"})

    with pytest.raises(AuthError):
        follow(handler)


def test_an_unknown_status_in_the_stream_ends_as_a_protocol_error():
    def handler(request):
        if request.url.path.endswith("/stream"):
            return sse_response({"status": "EXPLODED"})
        return httpx.Response(200, json={"status": "EXPLODED"})

    with pytest.raises(ProtocolError):
        follow(handler)


def test_polling_only_with_logs_off_and_its_own_interval(monkeypatch):
    waits = []

    async def no_wait(seconds):
        waits.append(seconds)

    monkeypatch.setattr("fal_desktop.api.status_stream.asyncio.sleep", no_wait)
    polls = iter(
        [
            status("IN_QUEUE", queue_position=2),
            status("IN_PROGRESS", None),
            {"status": "COMPLETED", "logs": None},
        ]
    )
    seen = []

    def handler(request):
        seen.append(request.url)
        return httpx.Response(200, json=next(polls))

    statuses = follow(handler, logs=False, stream=False, poll_interval=0.25)
    assert [type(s) for s in statuses] == [Queued, InProgress, Completed]
    assert all(u.params["logs"] == "0" and u.path.endswith("/status") for u in seen)
    assert waits == [0.25, 0.25]


def test_keepalive_comments_and_empty_events_are_skipped():
    body = (
        b": keepalive\n\n"
        + b"data: \n\n"
        + b"data: "
        + json.dumps(status("COMPLETED", [log(1)])).encode()
        + b"\n\n"
    )

    def handler(request):
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    statuses = follow(handler)
    assert len(statuses) == 1 and messages(statuses) == ["Step 1/9"]


def test_fal_stream_form_ping_comments_and_labelled_naive_log_lines_are_read():
    """The stream as fal sends it (§17): `: ping` comments between events, log lines as
    {timestamp without zone, message, labels} with no level or source, sent incrementally."""

    def line(i):
        return {
            "timestamp": f"2024-12-20T15:37:1{i}.120314",
            "message": f"Step {i}/3",
            "labels": {},
        }

    queued = {
        "status": "IN_QUEUE",
        "request_id": "r1",
        "logs": None,
        "metrics": {},
        "queue_position": 0,
    }
    body = (
        ": ping\n\n"
        + sse(queued).decode()
        + ": ping\n\n"
        + sse(status("IN_PROGRESS", [line(1)]), status("IN_PROGRESS", [line(2)])).decode()
        + ": ping\n\n"
        + sse(status("COMPLETED", [line(3)], metrics={"inference_time": 1.23})).decode()
    )

    statuses = follow(
        lambda request: httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )
    )
    assert isinstance(statuses[0], Queued) and statuses[0].position == 0
    assert messages(statuses) == ["Step 1/3", "Step 2/3", "Step 3/3"]
    lines = [line for s in statuses for line in getattr(s, "new_logs", ())]
    assert {line.level for line in lines} == {"INFO"} and lines[
        0
    ].timestamp == "2024-12-20T15:37:11.120314"
    assert isinstance(statuses[-1], Completed) and statuses[-1].metrics == {"inference_time": 1.23}
