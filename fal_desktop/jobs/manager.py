"""The Qt side of jobs: a QObject that owns the engine and turns its updates into signals.

Signals (all delivered on the GUI thread):
    job_added(JobRecord): a new or resumed job appeared.
    job_updated(JobUpdate): something about a job changed (one emit per update, in order).
    jobs_updated(list[JobUpdate]): the same updates, a batch at a time, right after their
        ``job_updated`` emits. Connect here to redraw once per batch instead of once per update.

Updates cross to the GUI thread at most once per frame (``FRAME_SECONDS``): 200 jobs
streaming logs would otherwise wake the GUI thread, and make it take Python's lock,
thousands of times a second. None is dropped, merged or reordered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from fal_desktop.api import FalClient
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs.engine import LoopThread
from fal_desktop.jobs.events import JobUpdate
from fal_desktop.jobs.runner import JobContext, cancel_job, run_job

__all__ = ["JobManager", "FRAME_SECONDS"]

FRAME_SECONDS = 1 / 60  # the most often updates are handed to the GUI thread


class JobManager(QObject):
    job_added = Signal(object)
    job_updated = Signal(object)
    jobs_updated = Signal(object)
    _batch_ready = Signal(object)  # loop thread → GUI thread (queued)

    def __init__(
        self,
        store: JobStore,
        client_factory: Callable[[], FalClient],
        outputs_dir: Path,
        *,
        max_in_flight: int = 16,
        max_input_bytes: Callable[[str], int | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._max_input_bytes = max_input_bytes or (lambda endpoint_id: None)
        self.store = store
        self._client_factory = client_factory
        self._outputs_dir = Path(outputs_dir)
        self._max_in_flight = max_in_flight
        self._loop = LoopThread().start()
        self._jobs: dict[str, JobRecord] = {}
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._closed = False
        self._pending: list[JobUpdate] = []  # loop thread only
        self._last_flush = 0.0
        self._flush_scheduled = False
        self._batch_ready.connect(self._deliver)
        self._ctx: JobContext = self._loop.submit(self._make_context()).result()

    async def _make_context(self) -> JobContext:
        self._slots = asyncio.Semaphore(self._max_in_flight)
        self._go = asyncio.Event()
        self._go.set()
        return JobContext(self._client_factory(), self.store, self._outputs_dir, self._emit,
                          self._max_input_bytes)

    def _emit(self, update: JobUpdate) -> None:
        """Loop thread: note the update; it reaches the GUI with the next batch."""
        self._pending.append(update)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            wait = self._last_flush + FRAME_SECONDS - time.monotonic()
            asyncio.get_running_loop().call_later(max(0.0, wait), self._flush)

    def _flush(self) -> None:
        """Loop thread: hand everything pending to the GUI thread in one queued signal."""
        batch, self._pending = self._pending, []
        self._flush_scheduled = False
        self._last_flush = time.monotonic()
        if batch:
            self._batch_ready.emit(batch)  # queued to the GUI thread by Qt

    def _deliver(self, batch: list[JobUpdate]) -> None:
        """GUI thread: a job's state changes when its update arrives, so widgets agree with it."""
        for update in batch:
            job = self._jobs.get(update.job_id)
            if job is not None:
                job.state = update.state
            self.job_updated.emit(update)
        self.jobs_updated.emit(batch)

    # -- public, GUI thread ----------------------------------------------------------

    def job(self, job_id: str) -> JobRecord | None:
        return self._jobs.get(job_id)

    def submit(self, endpoint_id: str, inputs: dict[str, Any], *, label: str = "",
               session_id: str | None = None, group_id: str | None = None) -> JobRecord:
        return self.submit_many(endpoint_id, [(inputs, label)], session_id=session_id,
                                group_id=group_id)[0]

    def submit_many(self, endpoint_id: str, items: list[tuple[dict[str, Any], str]], *,
                    session_id: str | None = None, group_id: str | None = None) -> list[JobRecord]:
        """Record several jobs in one write, then start them all."""
        return self.submit_runs([(endpoint_id, inputs, label) for inputs, label in items],
                                session_id=session_id, group_id=group_id)

    def submit_runs(self, runs: list[tuple[str, dict[str, Any], str]], *,
                    session_id: str | None = None, group_id: str | None = None) -> list[JobRecord]:
        """Several (endpoint, inputs, label) jobs, possibly on different models, in one write."""
        jobs = [JobRecord(endpoint_id, inputs, label=label, session_id=session_id, group_id=group_id)
                for endpoint_id, inputs, label in runs]
        self.store.save_many(jobs)
        for job in jobs:
            self._start(job)
        return jobs

    def resume_unfinished(self) -> list[JobRecord]:
        """Follow jobs that were in flight when the app last stopped (never resubmits)."""
        jobs = self.store.unfinished()
        for job in jobs:
            self._start(job)
        return jobs

    def retry(self, job_id: str) -> JobRecord | None:
        old = self._jobs.get(job_id) or self.store.get(job_id)
        if old is None:
            return None
        return self.submit(old.endpoint_id, old.inputs, label=old.label, session_id=old.session_id,
                           group_id=old.group_id)

    def cancel(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.state.finished:
            return
        self._loop.call(self._cancel_on_loop, job_id)

    def pause(self) -> None:
        """Hold back jobs that have not been sent yet (running ones go on)."""
        self._loop.call(self._go.clear)

    def resume(self) -> None:
        self._loop.call(self._go.set)

    def forget(self, job_id: str) -> None:
        """Stop listing a finished job (it was deleted)."""
        job = self._jobs.get(job_id)
        if job is not None and job.state.finished:
            del self._jobs[job_id]

    def clear_finished(self) -> list[str]:
        gone = [jid for jid, job in self._jobs.items() if job.state.finished]
        for jid in gone:
            del self._jobs[jid]
        return gone

    def shutdown(self) -> None:
        """Stop following jobs; unfinished ones stay in the store and resume next start."""
        if self._closed:
            return
        self._closed = True
        client = self._ctx.client
        self._loop.submit(self._cancel_tasks()).result(10)
        self._loop.submit(self._flush_async()).result(10)  # nothing pending is lost
        try:
            self._loop.submit(client.aclose()).result(10)
        except Exception:
            pass
        self._loop.stop()

    # -- loop thread -------------------------------------------------------------

    def _start(self, job: JobRecord) -> None:
        self._jobs[job.id] = job
        self.job_added.emit(job)
        self._loop.call(self._start_on_loop, job)

    def _start_on_loop(self, job: JobRecord) -> None:
        async def guarded() -> None:
            if job.state is JobState.PENDING:  # not sent yet: wait while paused, then for a slot
                await self._go.wait()
            async with self._slots:
                if job.state is JobState.PENDING:
                    await self._go.wait()
                await run_job(self._ctx, job)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks[job.id] = task
        task.add_done_callback(lambda _t, jid=job.id: self._tasks.pop(jid, None))

    def _cancel_on_loop(self, job_id: str) -> None:
        task = self._tasks.pop(job_id, None)
        if task is not None:
            task.cancel()
        job = self._jobs.get(job_id)
        if job is not None:
            asyncio.get_running_loop().create_task(cancel_job(self._ctx, job))

    async def _flush_async(self) -> None:
        self._flush()

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no job task is running (tests and shutdown)."""
        async def idle() -> None:
            while self._tasks:
                await asyncio.sleep(0.02)

        future: Future[None] = self._loop.submit(idle())
        try:
            future.result(timeout)
            return True
        except Exception:
            return False
