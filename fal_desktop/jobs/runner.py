"""One job from start to finish: upload → submit → follow → result → download.

Pure asyncio and no Qt. Every step is written to the job store before it is taken, so a
crash at any point can be resumed from the store without paying twice:

- a job that has a request id is followed again (status → result → download) until it ends
  *at fal*: completed with its files on disk, failed, cancelled or expired at fal. A failure
  on our side after fal finished (download, disk full, result URL gone) stops it as
  ``not_fetched``: Retry fetches again, it is never sent again. fal out of reach (or failing)
  while it has the job is waited out, for up to an hour (its retention), not a stop;
- a job that may have reached fal without its request id being recorded is *not* resent;
- no key (or a refused one) is a wait, not a failure: the job goes on when a key is given;
- an account out of credit holds the jobs fal did not take (``held``) until Retry.

The steps are in ``submit`` (upload, submit), ``following`` (follow through fal's outages,
fetch) and ``result_download`` (download, check); this module runs them and turns every stop
into data on the job.
"""

from __future__ import annotations

import asyncio
import time

from fal_desktop.api import AuthError, BalanceExhaustedError, ErrorKind, FalError, ValidationError
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.following import fetch
from fal_desktop.jobs.job_context import JobContext, KeyRefused, Stopped
from fal_desktop.jobs.submit import submit

__all__ = ["run_job", "WAITING_FOR_KEY"]

WAITING_FOR_KEY = "Waiting for your fal key"


def _fail(
    ctx: JobContext, job: JobRecord, error: FalError | Exception, state: JobState = JobState.FAILED
) -> None:
    if isinstance(error, FalError):
        message, detail, kind = error.user_message, error.detail_text, error.kind
    else:
        message, detail = "Something went wrong inside fal-desktop.", repr(error)
        kind = ErrorKind.INTERNAL
    if state is JobState.NOT_FETCHED:
        message = (
            f"The result of this paid job is not fetched yet: {message} "
            "Retry fetches it (no new job)."
        )
    elif state is JobState.HELD:
        message = (
            f"{message} fal has this job; Retry follows it once you have topped up."
            if job.request_id
            else f"{message} Nothing was charged; Retry sends it once you have topped up."
        )
    ctx.store.update(
        job.id,
        state=state,
        error=message,
        error_detail=detail,
        error_kind=kind,
        finished_at=time.time(),
    )
    job.state = state
    ctx.emit(
        JobUpdate(
            job.id,
            state,
            message=message,
            error=message,
            error_detail=detail,
            error_kind=kind,
            field_errors=tuple(error.field_errors) if isinstance(error, ValidationError) else (),
        )
    )


async def _run_once(ctx: JobContext, job: JobRecord) -> None:
    if job.state is JobState.SUBMITTING and not job.request_id:
        raise FalError(
            "fal-desktop stopped while sending this job, so it may or may not have "
            "reached fal. It was not sent again, so you are not charged twice; retry it "
            "if no result appears.",
            kind=ErrorKind.MAYBE_SENT,
        )
    if job.request_id:
        handle = ctx.client.handle_for(job.endpoint_id, job.request_id)
        ctx.emit(
            JobUpdate(
                job.id,
                job.state,
                message="Reconnecting to fal",
                extra={"request_id": job.request_id},
            )
        )
    else:
        try:
            handle = await submit(ctx, job)
        except AuthError as exc:
            if exc.status_code == 403:  # the key works but may not use this model: not a wait
                raise
            raise KeyRefused(exc) from None  # fal took nothing: send it once a key is given
        except BalanceExhaustedError as exc:
            raise Stopped(JobState.HELD, exc) from None
    files = await fetch(ctx, job, handle)
    ctx.store.update(
        job.id,
        state=JobState.COMPLETED,
        finished_at=time.time(),
        error=None,
        error_detail=None,
        error_kind=None,
    )
    message = (
        "Done (fal finished it before the cancel arrived; the result is kept)"
        if job.id in ctx.cancels
        else "Done"
    )
    ctx.emit(
        JobUpdate(
            job.id,
            JobState.COMPLETED,
            message=message,
            progress=1.0,
            files=tuple(files),
            extra={"billable_units": job.billable_units} if job.billable_units else {},
        )
    )


async def _wait_for_key(ctx: JobContext, job: JobRecord, refused: FalError | None) -> None:
    if refused is not None and job.state is JobState.SUBMITTING:
        job.state = JobState.PENDING  # fal refused the submit: it has not got the job
        ctx.store.update(job.id, state=JobState.PENDING)
    logs = (
        (
            LogEntry(
                f"fal refused the key: {refused.user_message} {refused.detail_text}".strip(), "WARN"
            ),
        )
        if refused is not None
        else ()
    )
    ctx.emit(
        JobUpdate(
            job.id,
            job.state,
            message=WAITING_FOR_KEY,
            new_logs=logs,
            error_kind=refused.kind if refused is not None else None,
            extra={"waiting": "key"},
        )
    )
    await ctx.keys.wait()


async def run_job(ctx: JobContext, job: JobRecord) -> None:
    """Run (or resume) one job until it ends, or stops for the user (not fetched, held).
    Waits (does not fail) while there is no key or fal refuses it. Never raises except on cancel."""
    try:
        while True:
            if not ctx.keys.has_key():
                await _wait_for_key(ctx, job, None)
                continue
            try:
                await _run_once(ctx, job)
                return
            except KeyRefused as refused:
                await _wait_for_key(ctx, job, refused.error)
    except asyncio.CancelledError:
        raise
    except Stopped as stop:
        if stop.state is JobState.CANCELLED:
            ctx.store.update(job.id, state=JobState.CANCELLED, finished_at=time.time())
            ctx.emit(JobUpdate(job.id, JobState.CANCELLED, message="Cancelled at fal"))
        else:
            _fail(ctx, job, stop.error, stop.state)
    except Exception as exc:  # every failure becomes data on the job
        # One fal has is never ended by a failure of ours: Retry follows it again.
        _fail(ctx, job, exc, JobState.NOT_FETCHED if job.request_id else JobState.FAILED)
    finally:
        ctx.cancels.discard(job.id)
        ctx.cancels_delivered.discard(job.id)
