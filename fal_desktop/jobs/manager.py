"""The Qt side of jobs: QObjects that run the engine and turn its updates into signals.

Signals (all delivered on the GUI thread):
    job_added(JobRecord): a new or resumed job appeared.
    job_updated(JobUpdate): something about a job changed (one emit per update, in order).
    jobs_updated(list[JobUpdate]): the same updates, a batch at a time, right after their
        ``job_updated`` emits. Connect here to redraw once per batch instead of once per update.
    problem(str): the engine itself is in trouble (it stopped and is being restarted).

Updates reach the GUI thread at most once per frame (``FRAME_SECONDS``, see
``jobs/scheduler.py``). :class:`BaseJobManager` keeps the jobs the window knows and records new
ones; ``jobs.process_manager.ProcessJobManager`` runs them in the engine process. (An engine on
a thread of this process, once kept for tests and benchmarks, is gone: they use the app's.)
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs.events import FRAME_SECONDS, JobUpdate

__all__ = ["BaseJobManager", "FRAME_SECONDS"]


class BaseJobManager(QObject):
    """The jobs the window knows, and how new ones are recorded; subclasses run them."""

    job_added = Signal(object)
    job_updated = Signal(object)
    jobs_updated = Signal(object)
    problem = Signal(str)  # the engine itself is in trouble: a plain sentence for the banner
    recovered = Signal(str)  # ... and is fine again (a calm notice)

    def __init__(self, store: JobStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._jobs: dict[str, JobRecord] = {}
        self._closed = False

    def _deliver(self, batch: list[JobUpdate]) -> None:
        """GUI thread: a job's state changes when its update arrives, so widgets agree with it."""
        for update in batch:
            job = self._jobs.get(update.job_id)
            if job is not None:
                job.state = update.state
                request_id = update.extra.get("request_id")
                if request_id:
                    job.request_id = request_id
            self.job_updated.emit(update)
        self.jobs_updated.emit(batch)

    def _launch(self, jobs: list[JobRecord]) -> None:
        """Start following these (already stored) jobs."""
        raise NotImplementedError

    # -- public, GUI thread ----------------------------------------------------------

    def job(self, job_id: str) -> JobRecord | None:
        return self._jobs.get(job_id)

    def submit(
        self,
        endpoint_id: str,
        inputs: dict[str, Any],
        *,
        label: str = "",
        session_id: str | None = None,
        group_id: str | None = None,
    ) -> JobRecord:
        return self.submit_many(
            endpoint_id, [(inputs, label)], session_id=session_id, group_id=group_id
        )[0]

    def submit_many(
        self,
        endpoint_id: str,
        items: list[tuple[dict[str, Any], str]],
        *,
        session_id: str | None = None,
        group_id: str | None = None,
    ) -> list[JobRecord]:
        """Record several jobs in one write, then start them all."""
        return self.submit_runs(
            [(endpoint_id, inputs, label) for inputs, label in items],
            session_id=session_id,
            group_id=group_id,
        )

    def submit_runs(
        self,
        runs: list[tuple[str, dict[str, Any], str]],
        *,
        session_id: str | None = None,
        group_id: str | None = None,
        hold_from: int | None = None,
        hold_reason: str = "",
    ) -> list[JobRecord]:
        """Several (endpoint, inputs, label) jobs, possibly on different models, in one write.
        Jobs from index ``hold_from`` on are recorded ``held`` (not sent; Retry sends them),
        saying ``hold_reason`` — the spend limit holds back what it would pass."""
        jobs = self.record_runs(
            runs,
            session_id=session_id,
            group_id=group_id,
            hold_from=hold_from,
            hold_reason=hold_reason,
        )
        self.start_recorded(jobs)
        return jobs

    def record_runs(
        self,
        runs: list[tuple[str, dict[str, Any], str]],
        *,
        session_id: str | None = None,
        group_id: str | None = None,
        hold_from: int | None = None,
        hold_reason: str = "",
    ) -> list[JobRecord]:
        """The first half of :meth:`submit_runs`, safe on any thread: the jobs made and stored
        in one write, not sent. Each goes to :meth:`start_recorded` once (a job recorded but
        not started when the app stops is sent at its next start, as any unfinished job)."""
        jobs = [
            JobRecord(endpoint_id, inputs, label=label, session_id=session_id, group_id=group_id)
            for endpoint_id, inputs, label in runs
        ]
        for job in jobs[hold_from:] if hold_from is not None else []:
            job.state, job.error, job.finished_at = JobState.HELD, hold_reason, time.time()
        self.store.save_many(jobs)
        return jobs

    def start_recorded(self, jobs: list[JobRecord]) -> None:
        """GUI thread: follow recorded jobs: the held ones are listed, the others sent."""
        held = [job for job in jobs if job.state is JobState.HELD]
        self._start([job for job in jobs if job.state is not JobState.HELD])
        for job in held:
            self._jobs[job.id] = job
            self.job_added.emit(job)

    def resume_unfinished(self) -> list[JobRecord]:
        """Follow jobs that were in flight when the app last stopped (never resubmits)."""
        jobs = self.store.unfinished()
        self._start(jobs)
        return jobs

    def at_fal(self) -> list[JobRecord]:
        """Unfinished jobs fal has: picked up by their request ids at the next start."""
        stored = (self.store.get(job.id) for job in self.unfinished_jobs())
        return [
            job for job in stored if job is not None and job.request_id and not job.state.finished
        ]

    def _start(self, jobs: list[JobRecord]) -> None:
        for job in jobs:
            self._jobs[job.id] = job
            self.job_added.emit(job)
        if jobs:
            self._launch(jobs)

    def retry(self, job_id: str) -> JobRecord | None:
        """Carry on with a job that stopped: one fal has (a request id) is fetched again, never
        sent again; a held one is sent (fal took nothing). A job fal never had (it failed before
        reaching fal) is sent as a new job. ``None`` when Retry does not apply: a job that ended
        at fal (done, failed, cancelled or expired there) only runs again with :meth:`run_again`."""
        stored = self.store.get(job_id)
        old = self._jobs.get(job_id) or stored
        if old is None or stored is None:
            return None
        if stored.state.resumable:
            state = (
                (JobState.DOWNLOADING if stored.output is not None else JobState.QUEUED)
                if stored.request_id
                else JobState.PENDING
            )
            self.store.update(
                job_id,
                state=state,
                error=None,
                error_detail=None,
                error_kind=None,
                finished_at=None,
            )
            stored.state, stored.error, stored.error_detail = state, None, None
            stored.error_kind = None
            job = self._jobs.setdefault(job_id, stored)
            job.state = state
            self._deliver(
                [
                    JobUpdate(
                        job_id,
                        state,
                        message=(
                            "Fetching the result again (no new job)"
                            if stored.request_id
                            else "Sending again"
                        ),
                        error="",
                        error_detail="",
                    )
                ]
            )
            self._launch([stored])
            return job
        if stored.request_id or not stored.state.finished:
            return None
        return self.run_again(job_id)

    def run_again(self, job_id: str) -> JobRecord | None:
        """A new paid job with the same input (the old one stays as it ended)."""
        old = self._jobs.get(job_id) or self.store.get(job_id)
        if old is None:
            return None
        return self.submit(
            old.endpoint_id,
            old.inputs,
            label=old.label,
            session_id=old.session_id,
            group_id=old.group_id,
        )

    def forget(self, job_id: str) -> None:
        """Stop listing a finished job (it was deleted)."""
        job = self._jobs.get(job_id)
        if job is not None and job.state.finished:
            del self._jobs[job_id]

    def clear_finished(self) -> list[str]:
        gone = [jid for jid, job in self._jobs.items() if job.state.final]
        for jid in gone:
            del self._jobs[jid]
        return gone

    def unfinished_jobs(self) -> list[JobRecord]:
        return [job for job in self._jobs.values() if not job.state.finished]

    def cancel(self, job_id: str) -> None:
        raise NotImplementedError

    def key_changed(self) -> None:
        """The key may have changed (engines that hold a copy of it are told)."""

    def set_max_in_flight(self, count: int) -> None:
        """Follow at most ``count`` jobs at once from now on (Preferences → Jobs at once): more
        starts waiting jobs at once; fewer lets running jobs finish, none is cancelled."""
        raise NotImplementedError

    def pause(self) -> None:
        """Hold back jobs that have not been sent yet (running ones go on)."""
        raise NotImplementedError

    def resume(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop following jobs; unfinished ones stay in the store and resume next start."""
        raise NotImplementedError
