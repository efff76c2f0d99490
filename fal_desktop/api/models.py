"""Endpoint ids, request handles, statuses and log lines, as fal's queue describes them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EndpointId", "RequestHandle", "LogLine", "Queued", "InProgress", "Completed", "Status",
    "parse_status", "progress_from_logs",
]

_LEGACY = re.compile(r"^([0-9]+)-([a-zA-Z0-9-]+)$")
NAMESPACES = ("workflows", "comfy")


@dataclass(frozen=True)
class EndpointId:
    """``owner/alias[/path]``, optionally under the ``workflows/`` or ``comfy/`` namespace."""

    owner: str
    alias: str
    path: str = ""
    namespace: str = ""

    @classmethod
    def parse(cls, text: str) -> "EndpointId":
        parts = [p for p in text.strip().strip("/").split("/") if p]
        if len(parts) == 1:
            match = _LEGACY.match(parts[0])
            if not match:
                raise ValueError(
                    f"Invalid endpoint id: {text!r}. It looks like owner/model, e.g. fal-ai/flux/dev."
                )
            parts = [match.group(1), match.group(2)]
        if not parts:
            raise ValueError("The endpoint id is empty.")
        namespace = ""
        if parts[0] in NAMESPACES:
            if len(parts) < 3:
                raise ValueError(f"Invalid endpoint id: {text!r}.")
            namespace, parts = parts[0], parts[1:]
        return cls(parts[0], parts[1], "/".join(parts[2:]), namespace)

    @property
    def app(self) -> str:
        """``[ns/]owner/alias``: what status, result and cancel URLs use."""
        return "/".join(p for p in (self.namespace, self.owner, self.alias) if p)

    def __str__(self) -> str:
        return "/".join(p for p in (self.app, self.path) if p)


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
    def build(cls, queue_base: str, endpoint_id: str, request_id: str) -> "RequestHandle":
        base = f"{queue_base.rstrip('/')}/{EndpointId.parse(endpoint_id).app}/requests/{request_id}"
        return cls(endpoint_id, request_id, f"{base}/status", base, f"{base}/cancel")


@dataclass(frozen=True)
class LogLine:
    message: str
    level: str = "INFO"
    source: str = ""
    timestamp: str = ""

    @classmethod
    def parse(cls, item: Any) -> "LogLine":
        if not isinstance(item, dict):
            return cls(str(item))
        labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
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
        metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
        error = body.get("error")
        return Completed(logs, (), metrics, str(error) if error else None, body.get("error_type"))
    raise ValueError(f"unknown status {kind!r}")


_STEP = re.compile(r"(?:step\s*)?(\d+)\s*/\s*(\d+)", re.IGNORECASE)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")


def progress_from_logs(messages: list[str]) -> float | None:
    """The latest "i/N", "Step i/N" or "NN%" in the log, as 0..1 (``None`` if none)."""
    for message in reversed(messages[-50:]):
        match = _STEP.search(message)
        if match and 0 < int(match.group(2)) and int(match.group(1)) <= int(match.group(2)):
            return int(match.group(1)) / int(match.group(2))
        match = _PERCENT.search(message)
        if match and float(match.group(1)) <= 100:
            return float(match.group(1)) / 100
    return None
