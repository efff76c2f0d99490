"""What runs jobs on the engine process's asyncio loop (``jobs/engine_process.py``).

- :class:`JobScheduler` starts, holds back (pause), cancels and waits for job tasks, at most
  ``max_in_flight`` at a time (:class:`Slots`: the limit can change while jobs run).
- :class:`UpdateBatcher` collects the updates jobs emit and hands them on at most once per
  frame: 200 jobs streaming logs would otherwise wake the GUI thousands of times a second.
  None is dropped, merged or reordered.

Why one loop rather than a pool of threads: a job spends nearly all its life waiting on the
network (queue position, a status stream, a download). A thousand of them on one loop cost a
thousand small tasks and sockets, where a thread each would cost a thousand stacks and blocking
calls that cannot be cancelled; cancelling is ``task.cancel()``. No Qt here.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.jobs.cancel import send_cancel
from fal_desktop.jobs.events import FRAME_SECONDS, JobUpdate
from fal_desktop.jobs.job_context import JobContext
from fal_desktop.jobs.runner import run_job

__all__ = ["FRAME_SECONDS", "JobScheduler", "Slots", "UpdateBatcher", "SUBMIT_GRACE_SECONDS"]

#: At a stop, the longest a submit on the wire is given to bring fal's answer (the request id).
#: Well inside the engine's exit grace and the window's wait for it (``jobs/process_manager``).
SUBMIT_GRACE_SECONDS = 5.0


class UpdateBatcher:
    """``emit(update)`` from the loop; ``send(batch)`` is called with the updates of a frame."""

    def __init__(
        self, send: Callable[[list[JobUpdate]], None], frame: float = FRAME_SECONDS
    ) -> None:
        self._send = send
        self._frame = frame
        self._pending: list[JobUpdate] = []
        self._last = 0.0
        self._scheduled = False

    def emit(self, update: JobUpdate) -> None:
        self._pending.append(update)
        if not self._scheduled:
            self._scheduled = True
            wait = self._last + self._frame - time.monotonic()
            asyncio.get_running_loop().call_later(max(0.0, wait), self.flush)

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        self._scheduled = False
        self._last = time.monotonic()
        if batch:
            self._send(batch)


class Slots:
    """At most ``limit`` holders at once (``async with slots:``), first come first served, and
    the limit may change at any time: raised, waiters get the new slots at once; lowered, the
    holders keep theirs (nothing is interrupted) and nobody else gets one until fewer than the
    limit hold one. Create and use it on one event loop."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, int(limit))
        self.held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        return self._limit

    def set_limit(self, limit: int) -> None:
        self._limit = max(1, int(limit))
        self._hand_out()

    async def __aenter__(self) -> None:
        if self.held < self._limit and not self._waiters:
            self.held += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # given a slot as it was cancelled
                self._release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        self.held -= 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._waiters and self.held < self._limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self.held += 1


class JobScheduler:
    """Job tasks on the running loop. Create it, and call everything, on the loop."""

    def __init__(self, ctx: JobContext, max_in_flight: int = 16) -> None:
        self.ctx = ctx
        self._slots = Slots(max_in_flight)
        self._go = asyncio.Event()
        self._go.set()
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._jobs: dict[str, JobRecord] = {}

    def start(self, job: JobRecord) -> None:
        """Run the job (a job already running is not started twice)."""
        if job.id in self._tasks:
            return

        async def guarded() -> None:
            if job.state is JobState.PENDING:  # not sent yet: wait while paused, then for a slot
                await self._go.wait()
            async with self._slots:
                if job.state is JobState.PENDING:
                    await self._go.wait()
                await run_job(self.ctx, job)

        self._jobs[job.id] = job
        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks[job.id] = task
        task.add_done_callback(functools.partial(self._done, job.id))

    def _done(self, job_id: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
            self._jobs.pop(job_id, None)

    def cancel(self, job_id: str, job: JobRecord | None = None) -> None:
        """Cancel a job. One fal has (or may have: its submit is in flight) is cancelled *at fal*
        and followed until fal ends it, so a result that comes anyway is kept and nothing runs
        and bills unseen; one fal has not got is cancelled here."""
        task = self._tasks.get(job_id)
        stored = self.ctx.store.get(job_id)
        if stored is None or stored.state.final:
            return
        if stored.state is JobState.NOT_FETCHED and stored.output is not None:
            return  # fal finished it (a cancel that came too late): Retry fetches its files
        job = self._jobs.get(job_id) or stored
        in_flight = stored.state is JobState.SUBMITTING and task is not None  # fal answers soon
        if stored.state is JobState.SUBMITTING and not stored.request_id and task is None:
            self.start(stored)  # an engine died while sending it: it ends saying fal may have it
            return
        if not stored.request_id and not in_flight:
            if task is not None:
                del self._tasks[job_id]
                self._jobs.pop(job_id, None)
                task.cancel()
            if self.ctx.store.finish_unless_finished(job_id, JobState.CANCELLED, time.time()):
                self.ctx.emit(JobUpdate(job_id, JobState.CANCELLED, message="Cancelled"))
            return
        self.ctx.cancels.add(job_id)
        self.ctx.emit(
            JobUpdate(
                job_id,
                stored.state,
                message=(
                    "Cancelling at fal"
                    if stored.request_id
                    else "Cancelling: waiting for fal's answer to the submit, then cancelling it there"
                ),
                extra={} if self.ctx.keys.has_key() else {"waiting": "key"},
            )
        )  # sent once a key is given
        if task is None:  # not followed (held, not fetched, or a restarted engine): follow it
            stored.state = JobState.QUEUED if stored.state.finished else stored.state
            self.start(stored)
        elif stored.request_id:
            job.request_id = stored.request_id
            asyncio.get_running_loop().create_task(send_cancel(self.ctx, job))

    def set_max_in_flight(self, count: int) -> None:
        """Follow at most ``count`` jobs at once from now on: more starts waiting jobs at once;
        fewer lets the running ones finish (none is cancelled) and starts no other until the
        running ones are fewer than ``count``."""
        self._slots.set_limit(count)

    def pause(self) -> None:
        """Hold back jobs that have not been sent yet (running ones go on)."""
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    async def stop_all(self, submit_grace: float = SUBMIT_GRACE_SECONDS) -> None:
        """Stop following every job; what is unfinished stays so in the store (resumable).

        A submit on the wire may already be a job at fal: its answer (the request id) is waited
        for, up to ``submit_grace`` seconds, so the next start follows it instead of ending it
        as "may have reached fal". Every other job stops at once (none is sent meanwhile)."""
        tasks = list(self._tasks.values())
        sending = {
            task: self._jobs[job_id]
            for job_id, task in self._tasks.items()
            if self._jobs[job_id].state is JobState.SUBMITTING
        }
        for task in tasks:
            if task not in sending:
                task.cancel()
        deadline = time.monotonic() + submit_grace
        while time.monotonic() < deadline and any(
            not task.done() and job.state is JobState.SUBMITTING for task, job in sending.items()
        ):
            await asyncio.sleep(0.02)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
