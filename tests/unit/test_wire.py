"""The window ↔ jobs-engine protocol: JSON lines, updates carried whole, broken input refused."""

from __future__ import annotations

import json

import pytest

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.api.openapi import FieldError
from fal_desktop.core.jobstore import JobState
from fal_desktop.jobs import wire
from fal_desktop.jobs.events import JobUpdate, LogEntry


def test_an_update_with_every_field_crosses_unchanged():
    update = JobUpdate(
        "job-1",
        JobState.FAILED,
        message="Invalid input",
        queue_position=3,
        progress=0.5,
        new_logs=(LogEntry("Step 1/5", "INFO", "2026-12-01T10:00:00"), LogEntry("slow", "WARN")),
        error="fal rejected the input.",
        error_detail='{"detail": []}',
        field_errors=(FieldError(("image_size", "width"), "must be ≤ 14142", "less_than_equal"),),
        files=("/out/a.png", "/out/b.png"),
        error_kind=ErrorKind.REJECTED_INPUT,
        extra={"request_id": "r-1"},
    )
    [message] = wire.LineReader().feed(
        wire.encode("updates", updates=[wire.update_to_wire(update)])
    )
    assert message["type"] == "updates"
    assert wire.update_from_wire(message["updates"][0]) == update


def test_an_error_kind_this_version_does_not_know_is_read_as_other():
    data = {"job": "job-1", "state": "failed", "error": "x", "error_kind": "from_the_future"}
    assert wire.update_from_wire(data).error_kind is ErrorKind.OTHER
    assert (
        wire.update_to_wire(JobUpdate("j", JobState.RUNNING, error_kind=ErrorKind.AUTH))[
            "error_kind"
        ]
        == "auth"
    )


def test_fields_left_at_their_defaults_are_not_sent():
    data = wire.update_to_wire(JobUpdate("job-1", JobState.RUNNING, progress=0.0))
    assert data == {"job": "job-1", "state": "running", "progress": 0.0}
    assert wire.update_from_wire(data) == JobUpdate("job-1", JobState.RUNNING, progress=0.0)


def test_messages_split_anywhere_come_out_whole_and_in_order():
    data = b"".join(
        wire.encode("updates", updates=[{"job": str(i), "state": "queued"}]) for i in range(50)
    )
    reader = wire.LineReader()
    out = []
    for start in range(0, len(data), 7):
        out += reader.feed(data[start : start + 7])
    assert [m["updates"][0]["job"] for m in out] == [str(i) for i in range(50)]


def test_one_message_is_one_line_even_with_newlines_in_text():
    line = wire.encode("key", key="a\nb")
    assert line.count(b"\n") == 1 and json.loads(line)["key"] == "a\nb"


@pytest.mark.parametrize(
    "line", [b"not json\n", b"[1, 2]\n", b'{"no": "type"}\n', b'{"type": 3}\n']
)
def test_what_is_not_a_message_is_refused(line):
    with pytest.raises(wire.WireError):
        wire.LineReader().feed(line)


def test_a_line_that_never_ends_is_refused(monkeypatch):
    monkeypatch.setattr(wire, "MAX_LINE_BYTES", 1000)
    reader = wire.LineReader()
    reader.feed(b"x" * 900)
    with pytest.raises(wire.WireError):
        reader.feed(b"x" * 200)


@pytest.mark.parametrize(
    "data",
    [
        {"state": "running"},
        {"job": "1", "state": "exploded"},
        {"job": "1", "state": "running", "logs": [[1]]},
    ],
)
def test_an_update_that_is_not_one_is_refused(data):
    with pytest.raises(wire.WireError):
        wire.update_from_wire(data)


def test_errors_never_quote_what_was_received():
    """The window's first line carries the API key; a broken line must not put it in a log."""
    with pytest.raises(wire.WireError) as caught:
        wire.LineReader().feed(b'{"type": "configure", "key": "secret-key-1234"\n')
    assert "secret" not in str(caught.value)


def test_a_long_line_in_many_pieces_comes_out_whole():
    body = json.dumps({"type": "updates", "updates": [], "pad": "x" * 8_000_000}).encode() + b"\n"
    reader = wire.LineReader()
    out = []
    for i in range(0, len(body), 4096):
        out += reader.feed(body[i : i + 4096])
    assert len(out) == 1 and len(out[0]["pad"]) == 8_000_000
