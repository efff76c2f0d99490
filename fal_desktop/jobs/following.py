"""Following a job fal has to its end there, through fal's outages (the reconnect policy),
then fetching its result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fal_desktop.api import (
    AuthError,
    BalanceExhaustedError,
    Completed,
    ErrorKind,
    FalError,
    InProgress,
    LogDeltas,
    Queued,
    RequestHandle,
    progress_from_logs,
)
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.jobs.cancel import send_cancel
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.job_context import JobContext, KeyRefused, Stopped
from fal_desktop.jobs.result_download import download

__all__ = ["fetch", "EXPIRED_SENTENCE", "RETENTION"]

_T = TypeVar("_T")

#: fal's retention rule (reference §7), said where a request is gone.
RETENTION = (
    "fal keeps a result for 1 hour after the job finishes, or 6 minutes if it is 10 KB or larger"
)
EXPIRED_SENTENCE = (
    f"fal no longer keeps this result ({RETENTION}). Run again starts a new paid job."
)


@dataclass
class _Followed:
    """What following one job has seen so far, kept across reconnects: no log line twice."""

    deltas: LogDeltas = field(default_factory=LogDeltas)
    logs: list[str] = field(default_factory=list)
    running: bool = False
    heard: float = 0.0  # when fal last answered (time.monotonic())
    cancel_again: bool = False  # fal was out of reach: send a cancel it may have missed


async def _follow(
    ctx: JobContext, job: JobRecord, handle: RequestHandle, seen: _Followed | None = None
) -> Completed:
    seen = seen or _Followed()
    logs = seen.logs
    async for status in ctx.client.watch(handle, deltas=seen.deltas):
        seen.heard = time.monotonic()
        if seen.cancel_again:
            seen.cancel_again = False
            if job.id in ctx.cancels and job.id not in ctx.cancels_delivered:
                await send_cancel(ctx, job)  # the user's cancel did not get through: again
        if isinstance(status, Queued):
            ctx.emit(
                JobUpdate(
                    job.id,
                    JobState.QUEUED,
                    queue_position=status.position,
                    message=f"In queue, position {status.position + 1}",
                )
            )
            continue
        new = tuple(LogEntry(line.message, line.level, line.timestamp) for line in status.new_logs)
        logs += [entry.message for entry in new]
        progress = progress_from_logs(logs)
        if isinstance(status, InProgress):
            if not seen.running:
                seen.running = True
                ctx.store.update(job.id, state=JobState.RUNNING)
                job.state = JobState.RUNNING
            ctx.emit(
                JobUpdate(
                    job.id, JobState.RUNNING, message="Running", new_logs=new, progress=progress
                )
            )
        elif isinstance(status, Completed):
            if new:
                ctx.emit(JobUpdate(job.id, JobState.RUNNING, new_logs=new, progress=progress))
            return status
    raise FalError("fal stopped reporting on this job before it finished.", kind=ErrorKind.PROTOCOL)


async def fetch(ctx: JobContext, job: JobRecord, handle: RequestHandle) -> list[str]:
    """Follow a job fal has to its end there, then fetch its result (raises :class:`Stopped`)."""
    if job.id in ctx.cancels:  # cancelled while the submit was in flight: now fal has it
        await send_cancel(ctx, job)
    if job.state in (JobState.DOWNLOADING, JobState.NOT_FETCHED) and job.output is not None:
        output = job.output  # fetched before: only the files are missing
    else:
        seen = _Followed()
        completed = await _reconnecting(ctx, job, lambda: _follow(ctx, job, handle, seen), seen)
        if completed.error:
            state = (
                JobState.CANCELLED
                if job.id in ctx.cancels or completed.error_type == "request_cancelled"
                else JobState.FAILED
            )
            # the result carries the full error (422 details included)
            raise Stopped(state, await ctx.client.failure(handle, completed))
        output, units = await _reconnecting(ctx, job, lambda: ctx.client.result_and_units(handle))
        if units is not None:  # what fal bills for it: the cost is worked out from this
            ctx.store.update(job.id, billable_units=units)
            job.billable_units = units
    try:
        return await download(ctx, job, output)
    except FalError as exc:
        raise Stopped(JobState.NOT_FETCHED, exc) from None
    except OSError as exc:  # disk full, folder gone
        raise Stopped(
            JobState.NOT_FETCHED,
            FalError(
                f"The result could not be written to disk ({exc.strerror or exc}).",
                detail=repr(exc),
                kind=ErrorKind.DISK,
            ),
        ) from None


# Failures that pass: fal unreachable, slow, busy or failing for a moment.
_PASSING = frozenset(
    {ErrorKind.NETWORK, ErrorKind.TIMEOUT, ErrorKind.SERVER, ErrorKind.RATE_LIMITED}
)


async def _reconnecting(
    ctx: JobContext,
    job: JobRecord,
    step: Callable[[], Awaitable[_T]],
    seen: _Followed | None = None,
) -> _T:
    """``step()`` (following or fetching a job fal has) until fal answers; raises what the
    failure means for the job (:func:`_following_error`) when it does not pass, or when fal
    said nothing for ``reconnect_give_up`` seconds (``seen.heard``: when it last did)."""
    failures, since = 0, time.monotonic()
    while True:
        try:
            return await step()
        except FalError as exc:
            if seen is not None and seen.heard > since:  # fal answered in between: a new spell
                failures, since = 0, seen.heard
            passing = exc.kind in _PASSING and not isinstance(
                exc, (AuthError, BalanceExhaustedError)
            )
            if not passing or time.monotonic() - since > ctx.reconnect_give_up:
                raise _following_error(exc) from None
            delays = ctx.reconnect_delays
            delay = delays[min(failures, len(delays) - 1)]
            failures += 1
            message = f"fal is out of reach; trying again in {delay:.0f} s (the job goes on at fal)"
            why = f"{exc.user_message} {exc.detail_text}".strip()
            ctx.emit(
                JobUpdate(
                    job.id,
                    job.state,
                    message=message,
                    new_logs=(LogEntry(f"{message}: {why}", "WARN"),),
                )
            )
            await asyncio.sleep(delay)
            if seen is not None:
                seen.cancel_again = True  # a cancel that did not get through: once fal answers


def _following_error(exc: FalError) -> Exception:
    """What a failure to follow or fetch a job fal has means for the job."""
    if isinstance(exc, AuthError):
        return KeyRefused(exc)
    if isinstance(exc, BalanceExhaustedError):
        return Stopped(JobState.HELD, exc)
    if exc.kind is ErrorKind.NOT_FOUND:
        return Stopped(
            JobState.EXPIRED,
            FalError(
                EXPIRED_SENTENCE,
                detail=exc.detail,
                status_code=404,
                request_id=exc.request_id,
                kind=ErrorKind.EXPIRED,
            ),
        )
    return Stopped(JobState.NOT_FETCHED, exc)
