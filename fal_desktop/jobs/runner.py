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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fal_desktop.api import (
    AuthError,
    BalanceExhaustedError,
    Completed,
    ErrorKind,
    FalClient,
    FalError,
    InProgress,
    LogDeltas,
    Queued,
    RequestHandle,
    ValidationError,
    progress_from_logs,
)
from fal_desktop.core.inputs import IMAGE_SUFFIXES, InputProblem, prepare_image
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.paths import is_local_file
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.outputs import (
    find_output_files,
    kind_of_bytes,
    safe_file_name,
    with_suffix_of_bytes,
)

__all__ = [
    "JobContext",
    "KeyGate",
    "run_job",
    "send_cancel",
    "local_files_in",
    "MAX_OUTPUT_BYTES",
    "EXPIRED_SENTENCE",
    "WAITING_FOR_KEY",
]

MAX_OUTPUT_BYTES = 512 * 1024 * 1024  # one output file; an 8192² PNG is well under this
#: Seconds between tries while fal cannot be reached (or fails) for a job it has, by how many
#: tries failed in a row. Such a job is never left: its result would expire unseen at fal.
RECONNECT_DELAYS = (2.0, 5.0, 10.0, 30.0)
#: After this long without a word from fal the job stops as not fetched (Retry follows it): by
#: then fal's retention (1 hour at most) has passed for a job that had finished.
RECONNECT_GIVE_UP = 3900.0

Emit = Callable[[JobUpdate], None]
_T = TypeVar("_T")

#: fal's retention rule (reference §7), said where a request is gone.
RETENTION = (
    "fal keeps a result for 1 hour after the job finishes, or 6 minutes if it is 10 KB or larger"
)
EXPIRED_SENTENCE = (
    f"fal no longer keeps this result ({RETENTION}). Run again starts a new paid job."
)
WAITING_FOR_KEY = "Waiting for your fal key"


class KeyGate:
    """Whether there is a key, and a way to wait until it changes. Use on the jobs' loop."""

    def __init__(self, has_key: Callable[[], bool] = lambda: True) -> None:
        self.has_key = has_key
        self._changed = asyncio.Event()

    def changed(self) -> None:
        """The key was set, replaced or removed: every waiting job tries again."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self) -> None:
        await self._changed.wait()


@dataclass
class JobContext:
    client: FalClient
    store: JobStore
    outputs_dir: Path
    emit: Emit
    #: The largest input file an endpoint takes (from its schema), or None.
    max_input_bytes: Callable[[str], int | None] = lambda endpoint_id: None
    keys: KeyGate = field(default_factory=KeyGate)
    #: Jobs the user cancelled that fal has (or may have, while the submit is in flight):
    #: they are followed until fal ends them, and a result that arrives anyway is kept.
    cancels: set[str] = field(default_factory=set)
    #: Of those, the ones whose cancel fal answered (one that did not get through is sent again
    #: once fal answers).
    cancels_delivered: set[str] = field(default_factory=set)
    #: Waits between tries while fal is out of reach for a job it has (see ``_reconnecting``).
    reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS
    reconnect_give_up: float = RECONNECT_GIVE_UP


class _KeyRefused(Exception):
    def __init__(self, error: FalError | None) -> None:
        super().__init__(error.user_message if error else "no key")
        self.error = error


class _Stopped(Exception):
    """The job stops in ``state`` (a final state at fal, or one Retry resumes)."""

    def __init__(self, state: JobState, error: FalError | Exception) -> None:
        super().__init__(str(error))
        self.state, self.error = state, error


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


async def _submit(ctx: JobContext, job: JobRecord) -> RequestHandle:
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


async def _download(ctx: JobContext, job: JobRecord, output: Any) -> list[str]:
    ctx.store.update(job.id, state=JobState.DOWNLOADING, output=output)
    job.state, job.output = JobState.DOWNLOADING, output
    files = find_output_files(output)
    folder = ctx.outputs_dir / job.id
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    for index, file in enumerate(files):
        inline = file.url.startswith("data:")  # sent inline (sync mode): decoded, not downloaded
        ctx.emit(
            JobUpdate(
                job.id,
                JobState.DOWNLOADING,
                message=f"{'Decoding inline' if inline else 'Downloading'} result "
                f"{index + 1} of {len(files)}",
            )
        )
        target = folder / safe_file_name(file, index)
        await ctx.client.download_to(file.url, target, max_bytes=MAX_OUTPUT_BYTES)
        target, head = await asyncio.to_thread(_named_by_bytes, target)
        problem = await asyncio.to_thread(_broken_image, target, head, file.content_type)
        if problem:
            target.unlink(missing_ok=True)
            raise FalError(
                f"fal sent a result that is not a valid image ({file.url[:80]}).",
                detail=problem,
                kind=ErrorKind.PROTOCOL,
            )
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


def _broken_image(path: Path, head: bytes, content_type: str | None) -> str | None:
    """Why a downloaded file that must be an image is not a readable one (``None``: it is, or
    it need not be). It must be when its bytes say so, or its type (else its name) declares a
    format the app reads. A declared image kind no raster reader opens (the SVG of a vector
    model, billed like any result) is kept as fal sent it."""
    if not kind_of_bytes(head):
        declared = (content_type or "").split(";")[0].strip().lower()
        if declared.startswith("image/"):
            from PIL import Image

            Image.init()
            if declared not in Image.MIME.values() and declared != "image/jpg":
                return None
        elif path.suffix.lower() not in IMAGE_SUFFIXES:
            return None
    return _not_an_image(path)


def _not_an_image(path: Path) -> str | None:
    """Why a downloaded file is not a readable image, or ``None`` if it is one."""
    from PIL import Image, UnidentifiedImageError

    try:  # the header only: a full verify of an 8192² PNG would hold the GIL for a long time
        with Image.open(path) as image:
            image.size  # noqa: B018
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


async def _fetch(ctx: JobContext, job: JobRecord, handle: RequestHandle) -> list[str]:
    """Follow a job fal has to its end there, then fetch its result (raises :class:`_Stopped`)."""
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
            raise _Stopped(state, await ctx.client.failure(handle, completed))
        output, units = await _reconnecting(ctx, job, lambda: ctx.client.result_and_units(handle))
        if units is not None:  # what fal bills for it: the cost is worked out from this
            ctx.store.update(job.id, billable_units=units)
            job.billable_units = units
    try:
        return await _download(ctx, job, output)
    except FalError as exc:
        raise _Stopped(JobState.NOT_FETCHED, exc) from None
    except OSError as exc:  # disk full, folder gone
        raise _Stopped(
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
        return _KeyRefused(exc)
    if isinstance(exc, BalanceExhaustedError):
        return _Stopped(JobState.HELD, exc)
    if exc.kind is ErrorKind.NOT_FOUND:
        return _Stopped(
            JobState.EXPIRED,
            FalError(
                EXPIRED_SENTENCE,
                detail=exc.detail,
                status_code=404,
                request_id=exc.request_id,
                kind=ErrorKind.EXPIRED,
            ),
        )
    return _Stopped(JobState.NOT_FETCHED, exc)


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
            handle = await _submit(ctx, job)
        except AuthError as exc:
            if exc.status_code == 403:  # the key works but may not use this model: not a wait
                raise
            raise _KeyRefused(exc) from None  # fal took nothing: send it once a key is given
        except BalanceExhaustedError as exc:
            raise _Stopped(JobState.HELD, exc) from None
    files = await _fetch(ctx, job, handle)
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
            except _KeyRefused as refused:
                await _wait_for_key(ctx, job, refused.error)
    except asyncio.CancelledError:
        raise
    except _Stopped as stop:
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


async def send_cancel(ctx: JobContext, job: JobRecord) -> None:
    """Ask fal to cancel a job it has. The job is still followed until fal ends it: a result
    that comes anyway is kept. A cancel that cannot be sent is said in the job's log."""
    if not job.request_id:
        return
    try:
        answer = await ctx.client.cancel(ctx.client.handle_for(job.endpoint_id, job.request_id))
    except FalError as exc:
        ctx.emit(
            JobUpdate(
                job.id,
                job.state,
                new_logs=(
                    LogEntry(
                        f"The cancel did not reach fal ({exc.user_message}); the job is followed until it ends.",
                        "WARN",
                    ),
                ),
            )
        )
        return
    ctx.cancels_delivered.add(job.id)
    if answer == "ALREADY_COMPLETED":
        ctx.emit(
            JobUpdate(job.id, job.state, message="fal had already finished it: fetching the result")
        )
    elif answer == "NOT_FOUND":
        ctx.emit(
            JobUpdate(
                job.id,
                job.state,
                new_logs=(
                    LogEntry(
                        "fal no longer knows this job, so there is nothing to cancel.", "WARN"
                    ),
                ),
            )
        )
