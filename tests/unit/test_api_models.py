"""Status parsing, log de-duplication across polling and streams, progress from log lines."""

from __future__ import annotations

import pytest

from fal_desktop.api import (
    Completed,
    InProgress,
    LogDeltas,
    LogLine,
    Queued,
    parse_status,
    progress_from_logs,
)
from tests.unit.api_fixtures import log


def lines(*numbers: int) -> tuple[LogLine, ...]:
    return tuple(LogLine.parse(log(i)) for i in numbers)


def test_each_status_parses_to_its_type():
    assert parse_status({"status": "IN_QUEUE", "queue_position": 4}) == Queued(4)
    running = parse_status({"status": "IN_PROGRESS", "logs": [log(1)]})
    assert isinstance(running, InProgress)
    assert running.logs[0] == LogLine(
        "Step 1/9", "INFO", "USER", "2026-11-24T10:00:01.000000+00:00"
    )
    done = parse_status(
        {
            "status": "COMPLETED",
            "logs": None,
            "metrics": {"inference_time": 1.5},
            "error": "Request timed out",
            "error_type": "request_timeout",
        }
    )
    assert done == Completed(
        (), (), {"inference_time": 1.5}, "Request timed out", "request_timeout"
    )
    assert parse_status({"status": "COMPLETED", "logs": []}) == Completed()


def test_older_log_shape_with_labels_is_read():
    status = parse_status(
        {
            "status": "IN_PROGRESS",
            "logs": [{"message": "hi", "labels": {"level": "WARN", "source": "USER"}}],
        }
    )
    assert status.logs == (LogLine("hi", "WARN", "USER", ""),)


@pytest.mark.parametrize("body", [None, [], "COMPLETED", {"status": "FAILED"}, {"no": "status"}])
def test_anything_else_is_refused(body):
    with pytest.raises(ValueError):
        parse_status(body)


def test_cumulative_batches_give_each_line_once():
    deltas = LogDeltas()
    assert deltas.new(lines(1)) == lines(1)
    assert deltas.new(lines(1, 2, 3)) == lines(2, 3)
    assert deltas.new(lines(1, 2, 3)) == ()
    assert deltas.new(lines(1, 2, 3, 4)) == lines(4)


def test_delta_batches_give_each_line_once():
    deltas = LogDeltas()
    assert [deltas.new(lines(i)) for i in (1, 2, 3)] == [lines(1), lines(2), lines(3)]
    assert deltas.new(()) == ()


def test_switching_from_deltas_to_cumulative_and_back_loses_and_repeats_nothing():
    deltas = LogDeltas()
    got = deltas.new(lines(1)) + deltas.new(lines(2))  # stream: deltas
    got += deltas.new(lines(1, 2, 3))  # stream dropped; a poll: cumulative
    got += deltas.new(lines(1, 2, 3, 4))  # reopened stream: first event is all so far
    got += deltas.new(lines(5))  # then deltas again
    assert got == lines(1, 2, 3, 4, 5)


def test_a_line_repeated_on_purpose_is_kept_both_times():
    same = LogLine("tick", "INFO", "USER", "t1")
    deltas = LogDeltas()
    assert deltas.new((same,)) == (same,)
    assert deltas.new((same, same)) == (same,)  # cumulative: the second one is new
    assert deltas.new((same, same)) == ()


def test_annotate_fills_new_logs_only():
    deltas = LogDeltas()
    first = deltas.annotate(InProgress(lines(1, 2)))
    last = deltas.annotate(Completed(lines(1, 2, 3), (), {"inference_time": 2.0}))
    assert first.new_logs == lines(1, 2) and first.logs == lines(1, 2)
    assert (
        isinstance(last, Completed)
        and last.new_logs == lines(3)
        and last.metrics["inference_time"] == 2.0
    )
    assert deltas.annotate(Queued(2)) == Queued(2)


@pytest.mark.parametrize(
    "messages, expected",
    [
        (["loading", "Step 3/10"], 0.3),
        (["Step 3/10", "loading weights"], 0.3),
        (["42% done"], 0.42),
        (["12/12 tiles"], 1.0),
        (["50%|#####     | 5/10 [00:01<00:01, 4.2it/s]"], 0.5),
        (["2026/11/24 10:00 started"], None),
        (["7/3 is not progress"], None),
        (["hello"], None),
        ([], None),
    ],
)
def test_progress_from_logs(messages, expected):
    assert progress_from_logs(messages) == expected
    assert progress_from_logs([LogLine(m) for m in messages]) == expected
