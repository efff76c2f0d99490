"""The messages between the window and the jobs engine process: one JSON object per line.

Every message is ``{"type": ..., ...}``. The window's first line is ``configure`` (with
``protocol``); the engine answers ``hello`` with its own ``protocol``, and each side stops
with a clear error on a number it does not speak. Plain JSON, not pickle: nothing a peer
sends can run code, and a mismatch is a sentence, not a crash.

Window → engine: ``configure``, ``key``, ``start`` (job ids with their input limits: the
records are read from the shared job store), ``cancel``, ``max_in_flight`` (``count``: how many
jobs to follow at once from now on), ``pause``, ``resume``, ``shutdown``.
Engine → window: ``hello``, ``updates`` (a frame's worth of :class:`JobUpdate`), ``alive``
(every ``ALIVE_SECONDS``), ``error``, ``bye``.
"""

from __future__ import annotations

import json
from typing import Any

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.api.openapi import FieldError
from fal_desktop.core.jobstore import JobState
from fal_desktop.jobs.events import JobUpdate, LogEntry

__all__ = [
    "PROTOCOL",
    "WireError",
    "LineReader",
    "encode",
    "update_to_wire",
    "update_from_wire",
    "MAX_LINE_BYTES",
]

PROTOCOL = 1
ALIVE_SECONDS = (
    5.0  # the engine says "alive" this often, so a stuck one can be told from a quiet one
)
MAX_LINE_BYTES = 64 * 1024 * 1024  # a frame of updates is kilobytes; more is a broken peer


class WireError(ValueError):
    """A peer sent something that is not a message of this protocol."""


def encode(kind: str, **fields: Any) -> bytes:
    return (
        json.dumps({"type": kind, **fields}, ensure_ascii=False, separators=(",", ":")).encode()
        + b"\n"
    )


class LineReader:
    """Bytes in, whole messages out (a line can arrive in pieces).

    Errors never quote what was received: the window's first line carries the API key.
    """

    def __init__(self) -> None:
        self._partial = bytearray()  # the start of a line whose end has not arrived

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        end = data.rfind(b"\n")  # only the new bytes are searched: long lines stay linear
        if end < 0:
            self._partial += data
            if len(self._partial) > MAX_LINE_BYTES:
                raise WireError(
                    f"a message longer than the protocol allows ({len(self._partial)} bytes)"
                )
            return []
        lines = bytes(self._partial) + data[:end]
        self._partial = bytearray(data[end + 1 :])
        messages = []
        for line in lines.split(b"\n"):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                raise WireError(f"a message longer than the protocol allows ({len(line)} bytes)")
            try:
                message = json.loads(line)
            except ValueError:
                raise WireError(f"a line that is not JSON ({len(line)} bytes)") from None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise WireError(f"JSON that is not a message ({len(line)} bytes)")
            messages.append(message)
        return messages


_OPTIONAL = ("message", "queue_position", "progress", "error", "error_detail")


def update_to_wire(update: JobUpdate) -> dict[str, Any]:
    """Only what the update says (fields left at their defaults are left out)."""
    data: dict[str, Any] = {"job": update.job_id, "state": update.state.value}
    for name in _OPTIONAL:
        value = getattr(update, name)
        if value is not None:
            data[name] = value
    if update.new_logs:
        data["logs"] = [[e.message, e.level, e.timestamp] for e in update.new_logs]
    if update.field_errors:
        data["field_errors"] = [[list(e.loc), e.msg, e.type] for e in update.field_errors]
    if update.files:
        data["files"] = list(update.files)
    if update.error_kind is not None:
        data["error_kind"] = update.error_kind.value
    if update.extra:
        data["extra"] = update.extra
    return data


def update_from_wire(data: dict[str, Any]) -> JobUpdate:
    try:
        return JobUpdate(
            str(data["job"]),
            JobState(data["state"]),
            **{name: data[name] for name in _OPTIONAL if data.get(name) is not None},
            new_logs=tuple(
                LogEntry(str(m), str(level), str(ts)) for m, level, ts in data.get("logs", ())
            ),
            field_errors=tuple(
                FieldError(tuple(loc), str(msg), str(kind))
                for loc, msg, kind in data.get("field_errors", ())
            ),
            files=tuple(str(f) for f in data.get("files", ())),
            error_kind=ErrorKind.parse(data.get("error_kind")),
            extra=dict(data.get("extra", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"not a job update ({exc}): {str(data)[:80]}") from None
