"""Request handles, statuses and log lines, as fal's queue describes them.

``EndpointId`` lives in ``endpoint.py`` and is re-exported here for older imports.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fal_desktop.api.endpoint import EndpointId, request_url

__all__ = [
    "EndpointId",
    "RequestHandle",
    "LogLine",
    "Queued",
    "InProgress",
    "Completed",
    "Status",
    "LogDeltas",
    "parse_status",
    "progress_from_logs",
]


@dataclass(frozen=True)
class RequestHandle:
    """A submitted request: enough to follow, fetch or cancel it, also after a restart."""

    endpoint_id: str
    request_id: str
    status_url: str
    response_url: str
    cancel_url: str
    queue_position: int | None = None

    @classmethod
    def build(cls, queue_base: str, endpoint_id: str, request_id: str) -> RequestHandle:
        """The handle of an earlier request, from its endpoint id and request id alone."""
        base = request_url(queue_base, endpoint_id, request_id)
        return cls(
            str(EndpointId.parse(endpoint_id)), request_id, f"{base}/status", base, f"{base}/cancel"
        )


@dataclass(frozen=True)
class LogLine:
    message: str
    level: str = "INFO"
    source: str = ""
    timestamp: str = ""

    @classmethod
    def parse(cls, item: Any) -> LogLine:
        if not isinstance(item, dict):
            return cls(str(item))
        raw_labels = item.get("labels")
        labels: dict[str, Any] = raw_labels if isinstance(raw_labels, dict) else {}
        return cls(
            str(item.get("message", "")),
            str(item.get("level") or labels.get("level") or "INFO"),
            str(item.get("source") or labels.get("source") or ""),
            str(item.get("timestamp") or ""),
        )


@dataclass(frozen=True)
class Queued:
    position: int
    new_logs: tuple[LogLine, ...] = ()


@dataclass(frozen=True)
class InProgress:
    logs: tuple[LogLine, ...] = ()
    new_logs: tuple[LogLine, ...] = ()


@dataclass(frozen=True)
class Completed:
    logs: tuple[LogLine, ...] = ()
    new_logs: tuple[LogLine, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None


Status = Queued | InProgress | Completed


def parse_status(body: Any) -> Status:
    """A status body from fal (polled or streamed). Raises ``ValueError`` if it is not one."""
    if not isinstance(body, dict):
        raise ValueError("a status must be a JSON object")
    kind = body.get("status")
    raw_logs = body.get("logs")
    logs = tuple(LogLine.parse(i) for i in raw_logs) if isinstance(raw_logs, list) else ()
    if kind == "IN_QUEUE":
        position = body.get("queue_position")
        return Queued(position if isinstance(position, int) and position >= 0 else 0)
    if kind == "IN_PROGRESS":
        return InProgress(logs)
    if kind == "COMPLETED":
        raw_metrics = body.get("metrics")
        metrics: dict[str, Any] = raw_metrics if isinstance(raw_metrics, dict) else {}
        error = body.get("error")
        return Completed(logs, (), metrics, str(error) if error else None, body.get("error_type"))
    raise ValueError(f"unknown status {kind!r}")


class LogDeltas:
    """Picks the log lines not seen before, whether fal sent every line so far (polling) or
    only new ones (the status stream), and across switches and reconnects between the two.

    A line is known by (timestamp, message, level); counts keep repeated lines apart, so a
    cumulative batch that repeats a line twice yields it twice, once.
    """

    def __init__(self) -> None:
        self._seen: Counter[tuple[str, str, str]] = Counter()

    def new(self, logs: Iterable[LogLine]) -> tuple[LogLine, ...]:
        in_batch: Counter[tuple[str, str, str]] = Counter()
        fresh = []
        for line in logs:
            key = (line.timestamp, line.message, line.level)
            in_batch[key] += 1
            if in_batch[key] > self._seen[key]:
                self._seen[key] += 1
                fresh.append(line)
        return tuple(fresh)

    def annotate(self, status: Status) -> Status:
        """The same status with ``new_logs`` filled in."""
        if isinstance(status, Queued):
            return status
        new = self.new(status.logs)
        if isinstance(status, InProgress):
            return InProgress(status.logs, new)
        return Completed(status.logs, new, status.metrics, status.error, status.error_type)


# "Step 3/10", "3/10", "tile 3 / 10" – but not dates or paths such as 2024/11/24.
_FRACTION = re.compile(r"(?<![\d/.])(\d+)\s*/\s*(\d+)(?![\d/])")
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*%")


def _progress_of(message: str) -> float | None:
    for match in reversed(list(_PERCENT.finditer(message))):
        value = float(match.group(1))
        if value <= 100:
            percent = value / 100
            break
    else:
        percent = None
    for match in reversed(list(_FRACTION.finditer(message))):
        done, total = int(match.group(1)), int(match.group(2))
        if total > 0 and done <= total:
            return done / total
    return percent


def progress_from_logs(messages: Iterable[str | LogLine]) -> float | None:
    """The latest "Step i/N", "i/N" or "NN%" in the log, as 0..1 (``None`` if there is none)."""
    texts = [m.message if isinstance(m, LogLine) else str(m) for m in messages]
    for message in reversed(texts[-50:]):
        progress = _progress_of(message)
        if progress is not None:
            return progress
    return None
