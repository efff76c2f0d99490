"""One job from start to finish: upload → submit → follow → result → download.

Pure asyncio and no Qt. Every step is written to the job store before it is taken, so a
crash at any point can be resumed from the store without paying twice:

- a job that has a request id is followed again (status → result → download);
- a job that may have reached fal without its request id being recorded is *not* resent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fal_desktop.api import (
    AuthError,
    Completed,
    FalClient,
    FalError,
    InProgress,
    Queued,
    RequestHandle,
    ValidationError,
    progress_from_logs,
)
from fal_desktop.core.inputs import IMAGE_SUFFIXES, InputProblem, prepare_image
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.paths import is_local_file
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.outputs import find_output_files, kind_of_bytes, safe_file_name, with_suffix_of_bytes

__all__ = ["JobContext", "run_job", "local_files_in", "MAX_OUTPUT_BYTES"]

MAX_OUTPUT_BYTES = 512 * 1024 * 1024  # one output file; an 8192² PNG is well under this

Emit = Callable[[JobUpdate], None]


@dataclass
class JobContext:
    client: FalClient
    store: JobStore
    outputs_dir: Path
    emit: Emit
    #: The largest input file an endpoint takes (from its schema), or None.
    max_input_bytes: Callable[[str], int | None] = lambda endpoint_id: None


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


def _fail(ctx: JobContext, job: JobRecord, error: FalError | Exception) -> None:
    if isinstance(error, FalError):
        message, detail = error.user_message, error.detail_text
    else:
        message, detail = "Something went wrong inside fal-desktop.", repr(error)
    ctx.store.update(job.id, state=JobState.FAILED, error=message, error_detail=detail,
                     finished_at=time.time())
    ctx.emit(JobUpdate(
        job.id, JobState.FAILED, message=message, error=message, error_detail=detail,
        field_errors=tuple(error.field_errors) if isinstance(error, ValidationError) else (),
        auth_failed=isinstance(error, AuthError),
    ))


async def _upload_inputs(ctx: JobContext, job: JobRecord) -> dict[str, Any]:
    files = list(dict.fromkeys(local_files_in(job.inputs)))
    if not files:
        return job.inputs
    urls: dict[str, str] = {}
    for number, path in enumerate(files, start=1):
        try:
            prepared = await asyncio.to_thread(prepare_image, Path(path), ctx.outputs_dir / job.id / "input",
                                               max_bytes=ctx.max_input_bytes(job.endpoint_id))
        except InputProblem as problem:
            raise FalError(str(problem)) from None
        if prepared.notes:
            ctx.emit(JobUpdate(job.id, JobState.PENDING,
                               new_logs=tuple(LogEntry(note, "WARN") for note in prepared.notes)))
        ctx.emit(JobUpdate(job.id, JobState.PENDING,
                           message=f"Uploading {Path(path).name} ({number}/{len(files)})"))
        urls[path] = await ctx.client.upload_file(prepared.path)
    return _replace_strings(job.inputs, urls)


async def _submit(ctx: JobContext, job: JobRecord) -> RequestHandle:
    payload = await _upload_inputs(ctx, job)
    ctx.store.update(job.id, state=JobState.SUBMITTING, payload=payload)
    ctx.emit(JobUpdate(job.id, JobState.SUBMITTING, message="Sending to fal"))
    handle = await ctx.client.submit(job.endpoint_id, payload)
    ctx.store.update(job.id, state=JobState.QUEUED, request_id=handle.request_id,
                     submitted_at=time.time())
    job.request_id = handle.request_id
    ctx.emit(JobUpdate(job.id, JobState.QUEUED, message="In queue",
                       queue_position=handle.queue_position,
                       extra={"request_id": handle.request_id}))
    return handle


async def _follow(ctx: JobContext, job: JobRecord, handle: RequestHandle) -> Completed:
    logs: list[str] = []
    running = False
    async for status in ctx.client.watch(handle):
        if isinstance(status, Queued):
            ctx.emit(JobUpdate(job.id, JobState.QUEUED, queue_position=status.position,
                               message=f"In queue, position {status.position + 1}"))
            continue
        new = tuple(LogEntry(l.message, l.level, l.timestamp) for l in status.new_logs)
        logs += [entry.message for entry in new]
        progress = progress_from_logs(logs)
        if isinstance(status, InProgress):
            if not running:
                running = True
                ctx.store.update(job.id, state=JobState.RUNNING)
            ctx.emit(JobUpdate(job.id, JobState.RUNNING, message="Running", new_logs=new,
                               progress=progress))
        elif isinstance(status, Completed):
            if new:
                ctx.emit(JobUpdate(job.id, JobState.RUNNING, new_logs=new, progress=progress))
            return status
    raise FalError("fal stopped reporting on this job before it finished.")


async def _download(ctx: JobContext, job: JobRecord, output: Any) -> list[str]:
    ctx.store.update(job.id, state=JobState.DOWNLOADING, output=output)
    files = find_output_files(output)
    folder = ctx.outputs_dir / job.id
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    for index, file in enumerate(files):
        inline = file.url.startswith("data:")  # sent inline (sync mode): decoded, not downloaded
        ctx.emit(JobUpdate(job.id, JobState.DOWNLOADING,
                           message=f"{'Decoding inline' if inline else 'Downloading'} result "
                                   f"{index + 1} of {len(files)}"))
        target = folder / safe_file_name(file, index)
        await ctx.client.download_to(file.url, target, max_bytes=MAX_OUTPUT_BYTES)
        target, head = await asyncio.to_thread(_named_by_bytes, target)
        if (kind_of_bytes(head) or (file.content_type or "").startswith("image/")
                or target.suffix.lower() in IMAGE_SUFFIXES):
            problem = await asyncio.to_thread(_not_an_image, target)
            if problem:
                target.unlink(missing_ok=True)
                raise FalError(f"fal sent a result that is not a valid image ({file.url[:80]}).",
                               detail=problem)
        saved.append(str(target))
        ctx.store.update(job.id, files=saved)
    return saved


def _named_by_bytes(path: Path) -> tuple[Path, bytes]:
    """The file renamed so its suffix says what its bytes are (never what the URL or the
    declared content type claimed), and its first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    name = with_suffix_of_bytes(path.name, head)
    if name == path.name:
        return path, head
    renamed = path.with_name(name)
    path.replace(renamed)
    return renamed, head


def _not_an_image(path: Path) -> str | None:
    """Why a downloaded file is not a readable image, or ``None`` if it is one."""
    from PIL import Image, UnidentifiedImageError

    try:  # the header only: a full verify of an 8192² PNG would hold the GIL for a long time
        with Image.open(path) as image:
            image.size  # noqa: B018
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


async def run_job(ctx: JobContext, job: JobRecord) -> None:
    """Run (or resume) one job to a finished state. Never raises except on cancel."""
    try:
        if job.state is JobState.SUBMITTING and not job.request_id:
            raise FalError(
                "fal-desktop stopped while sending this job, so it may or may not have "
                "reached fal. It was not sent again, so you are not charged twice; retry it "
                "if no result appears."
            )
        if job.request_id:
            handle = ctx.client.handle_for(job.endpoint_id, job.request_id)
            ctx.emit(JobUpdate(job.id, job.state, message="Reconnecting to fal",
                               extra={"request_id": job.request_id}))
        else:
            handle = await _submit(ctx, job)
        if job.state is not JobState.DOWNLOADING or job.output is None:
            completed = await _follow(ctx, job, handle)
            if completed.error:
                # The result carries the full error (422 details included).
                await ctx.client.result(handle)
                raise FalError(completed.error)
            output = await ctx.client.result(handle)
        else:
            output = job.output
        files = await _download(ctx, job, output)
        ctx.store.update(job.id, state=JobState.COMPLETED, finished_at=time.time(),
                         error=None, error_detail=None)
        ctx.emit(JobUpdate(job.id, JobState.COMPLETED, message="Done", progress=1.0,
                           files=tuple(files)))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # every failure becomes data on the job
        _fail(ctx, job, exc)


async def cancel_job(ctx: JobContext, job: JobRecord) -> None:
    """Ask fal to cancel (when it has the job) and mark the job cancelled, unless it finished
    first: a Cancel that arrives just after the result never throws the result away."""
    stored = ctx.store.get(job.id)
    if stored is None or stored.state.finished:
        return
    if job.request_id:
        try:
            await ctx.client.cancel(ctx.client.handle_for(job.endpoint_id, job.request_id))
        except FalError:
            pass  # already finished or gone: the job is still cancelled for the user
    if ctx.store.finish_unless_finished(job.id, JobState.CANCELLED, time.time()):
        ctx.emit(JobUpdate(job.id, JobState.CANCELLED, message="Cancelled"))
