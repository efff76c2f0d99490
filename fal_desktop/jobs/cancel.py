"""Cancelling a job fal has."""

from __future__ import annotations

from fal_desktop.api import FalError
from fal_desktop.core.jobstore import JobRecord
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.job_context import JobContext

__all__ = ["send_cancel"]


async def send_cancel(ctx: JobContext, job: JobRecord) -> None:
    """Ask fal to cancel a job it has. The job is still followed until fal ends it: a result
    that comes anyway is kept. A cancel that cannot be sent is said in the job's log."""
    if not job.request_id:
        return
    try:
        answer = await ctx.client.cancel(ctx.client.handle_for(job.endpoint_id, job.request_id))
    except FalError as exc:
        _warn(
            ctx,
            job,
            f"The cancel did not reach fal ({exc.user_message}); the job is followed until it ends.",
        )
        return
    ctx.cancels_delivered.add(job.id)
    if answer == "ALREADY_COMPLETED":
        ctx.emit(
            JobUpdate(job.id, job.state, message="fal had already finished it: fetching the result")
        )
    elif answer == "NOT_FOUND":
        _warn(ctx, job, "fal no longer knows this job, so there is nothing to cancel.")


def _warn(ctx: JobContext, job: JobRecord, text: str) -> None:
    """A warning in the job's log."""
    ctx.emit(JobUpdate(job.id, job.state, new_logs=(LogEntry(text, "WARN"),)))
