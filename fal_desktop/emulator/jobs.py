"""Jobs in the emulator's queue: a bounded pool of workers, real positions, logs over time."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fal_desktop.api.openapi import EndpointSchema

__all__ = ["EmulatedJob", "JobQueue"]

Work = Callable[["EmulatedJob"], Awaitable[tuple[int, Any]]]


def _now_iso() -> str:
    """A naive UTC timestamp, as fal's recorded log lines carry (no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


@dataclass
class EmulatedJob:
    endpoint: EndpointSchema
    endpoint_id: str
    payload: dict[str, Any]
    priority: str = "normal"
    start_deadline: float | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "IN_QUEUE"
    logs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    error_type: str | None = None
    result_status: int = 200
    result_body: Any = None
    result_headers: dict[str, str] = field(default_factory=dict)
    cancel_requested: bool = False
    inference_time: float = 0.0
    #: ``x-fal-billable-units`` sent with a successful result (None: not sent).
    billable_units: str | None = None
    version: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self) -> None:
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()

    def log(self, message: str) -> None:
        """A log line in the form fal's recorded answers use: no level, no source (§17)."""
        self.logs.append({"timestamp": _now_iso(), "message": message, "labels": {}})
        self.touch()

    def finish(
        self,
        status: int,
        body: Any,
        *,
        error: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = "COMPLETED"
        self.result_status, self.result_body = status, body
        self.result_headers = headers or {}
        self.error, self.error_type = error, error_type
        self.touch()


class JobQueue:
    """Waiting jobs (normal before low priority) and ``workers`` tasks that run them."""

    def __init__(self, work: Work, *, workers: int, steps: int = 5) -> None:
        self._work = work
        self.workers = workers
        self.steps = steps
        self.job_duration = 0.5
        self.jobs: dict[str, EmulatedJob] = {}
        self.waiting: list[EmulatedJob] = []
        self.submissions: Counter[str] = Counter()
        self.completed_at: dict[str, float] = {}
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.get_running_loop().create_task(self._worker()) for _ in range(self.workers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def position(self, job: EmulatedJob) -> int:
        try:
            return self.waiting.index(job)
        except ValueError:
            return 0

    def add(self, job: EmulatedJob) -> None:
        self.jobs[job.id] = job
        self.submissions[job.endpoint_id] += 1
        if job.priority == "low":
            self.waiting.append(job)
        else:
            normal = sum(1 for j in self.waiting if j.priority != "low")
            self.waiting.insert(normal, job)
        for other in self.waiting:
            other.touch()
        self._wakeup.set()

    def complete_now(self, job: EmulatedJob, status: int, body: Any, **kw: Any) -> None:
        """A job that never queues (e.g. invalid input): recorded and finished at once."""
        self.jobs[job.id] = job
        self.submissions[job.endpoint_id] += 1
        job.finish(status, body, **kw)
        self.completed_at[job.id] = time.monotonic()

    def cancel(self, job: EmulatedJob) -> str:
        if job.status == "COMPLETED":
            return "ALREADY_COMPLETED"
        if job in self.waiting:
            self.waiting.remove(job)
            for other in self.waiting:
                other.touch()
            self._finish_cancelled(job)
        else:
            job.cancel_requested = True
        return "CANCELLATION_REQUESTED"

    def _finish_cancelled(self, job: EmulatedJob) -> None:
        job.finish(
            400,
            {"detail": "Request was cancelled."},
            error="Request was cancelled.",
            error_type="request_cancelled",
        )
        self.completed_at[job.id] = time.monotonic()

    async def _next(self) -> EmulatedJob:
        while True:
            now = time.monotonic()
            for job in list(self.waiting):
                if job.start_deadline is not None and now > job.start_deadline:
                    self.waiting.remove(job)
                    job.finish(
                        504,
                        {
                            "detail": "Request timed out before it started.",
                            "error_type": "request_timeout",
                        },
                        error="Request timed out before it started.",
                        error_type="request_timeout",
                        headers={
                            "X-Fal-Request-Timeout-Type": "user",
                            "X-Fal-Error-Type": "request_timeout",
                        },
                    )
                    self.completed_at[job.id] = time.monotonic()
            if self.waiting:
                job = self.waiting.pop(0)
                for other in self.waiting:
                    other.touch()
                return job
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=0.25)
            except TimeoutError:
                pass

    async def _worker(self) -> None:
        while True:
            job = await self._next()
            job.status = "IN_PROGRESS"
            job.touch()
            started = time.monotonic()
            try:
                for step in range(1, self.steps + 1):
                    await asyncio.sleep(self.job_duration / self.steps * random.uniform(0.8, 1.2))
                    if job.cancel_requested:
                        break
                    job.log(f"Step {step}/{self.steps}")
                if job.cancel_requested:
                    self._finish_cancelled(job)
                    continue
                job.inference_time = time.monotonic() - started
                status, body = await self._work(job)
                if status == 200:
                    job.log("Done")
                    units = job.billable_units
                    job.finish(
                        200, body, headers={"x-fal-billable-units": units} if units else None
                    )
                else:
                    detail = body.get("detail") if isinstance(body, dict) else str(body)
                    error_type = body.get("error_type") if isinstance(body, dict) else None
                    job.finish(
                        status,
                        body,
                        error=str(detail),
                        error_type=error_type,
                        headers={"X-Fal-Error-Type": error_type} if error_type else None,
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in the emulator still finishes the job
                job.finish(
                    500,
                    {"detail": f"Internal Server Error: {exc}"},
                    error="Internal Server Error",
                    error_type="internal_error",
                )
            self.completed_at[job.id] = time.monotonic()
