"""What a running job tells the rest of the app: small immutable updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.core.jobstore import JobState

__all__ = ["FRAME_SECONDS", "JobUpdate", "LogEntry"]

FRAME_SECONDS = 1 / 60  # the most often updates are handed on (jobs/scheduler.py)


@dataclass(frozen=True)
class LogEntry:
    message: str
    level: str = "INFO"
    timestamp: str = ""


@dataclass(frozen=True)
class JobUpdate:
    """A change in one job. Fields left ``None`` did not change."""

    job_id: str
    state: JobState
    message: str | None = None
    queue_position: int | None = None
    progress: float | None = None
    new_logs: tuple[LogEntry, ...] = ()
    error: str | None = None
    error_detail: str | None = None
    #: Why it failed, stopped or waits (with ``error``; or alone: a key fal refused while the
    #: job waits). Everything the app decides about a failure reads this, never the sentence.
    error_kind: ErrorKind | None = None
    field_errors: tuple[Any, ...] = ()
    files: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def auth_failed(self) -> bool:
        """fal refused the key (the job waits for one it accepts, or failed on a 403)."""
        return self.error_kind is ErrorKind.AUTH
