"""The submit step: the job's local input files prepared and uploaded, then the job sent to
fal. Each step is written to the job store before it is taken (see ``runner``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from fal_desktop.api import ErrorKind, FalError, RequestHandle
from fal_desktop.core.inputs import IMAGE_SUFFIXES, InputProblem, prepare_image
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.core.paths import is_local_file
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.job_context import JobContext

__all__ = ["local_files_in", "submit"]


def _looks_local(value: str) -> bool:
    if "\n" in value or value.startswith(("http://", "https://", "data:")):
        return False
    path = Path(value)
    if not path.is_absolute():
        return False
    # An existing file, or a missing one that is clearly meant as an image (so it gets a
    # "could not be read" message instead of being sent to fal as text).
    if is_local_file(value):
        return True
    try:
        return path.suffix.lower() in IMAGE_SUFFIXES and path.parent.is_dir()
    except (OSError, ValueError):
        return False


def local_files_in(value: Any) -> list[str]:
    """Absolute paths of local files anywhere in an input value."""
    found: list[str] = []
    if isinstance(value, dict):
        for item in value.values():
            found += local_files_in(item)
    elif isinstance(value, list):
        for item in value:
            found += local_files_in(item)
    elif isinstance(value, str) and _looks_local(value):
        found.append(value)
    return found


def _replace_strings(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


async def _upload_inputs(ctx: JobContext, job: JobRecord) -> dict[str, Any]:
    files = list(dict.fromkeys(local_files_in(job.inputs)))
    if not files:
        return job.inputs
    urls: dict[str, str] = {}
    for number, path in enumerate(files, start=1):
        try:
            prepared = await asyncio.to_thread(
                prepare_image,
                Path(path),
                ctx.outputs_dir / job.id / "input",
                max_bytes=ctx.max_input_bytes(job.endpoint_id),
            )
        except InputProblem as problem:
            raise FalError(str(problem), kind=ErrorKind.LOCAL_INPUT) from None
        if prepared.notes:
            ctx.emit(
                JobUpdate(
                    job.id,
                    JobState.PENDING,
                    new_logs=tuple(LogEntry(note, "WARN") for note in prepared.notes),
                )
            )
        ctx.emit(
            JobUpdate(
                job.id,
                JobState.PENDING,
                message=f"Uploading {Path(path).name} ({number}/{len(files)})",
            )
        )
        urls[path] = await ctx.client.upload_file(prepared.path)
    payload: dict[str, Any] = _replace_strings(job.inputs, urls)
    return payload


async def submit(ctx: JobContext, job: JobRecord) -> RequestHandle:
    payload = await _upload_inputs(ctx, job)
    ctx.store.record_sending(job.id, payload)
    job.state = JobState.SUBMITTING
    ctx.emit(JobUpdate(job.id, JobState.SUBMITTING, message="Sending to fal"))
    handle = await ctx.client.submit(job.endpoint_id, payload)
    ctx.store.record_request_id(job.id, handle.request_id, time.time())
    job.request_id, job.state = handle.request_id, JobState.QUEUED
    ctx.emit(
        JobUpdate(
            job.id,
            JobState.QUEUED,
            message="In queue",
            queue_position=handle.queue_position,
            extra={"request_id": handle.request_id},
        )
    )
    return handle
