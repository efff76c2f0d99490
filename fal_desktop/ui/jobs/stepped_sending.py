"""A batch of thousands (a big folder dropped) sent without freezing the window: the runs and
their estimates made on a worker, asked about once, every job recorded in one write on a
worker, then started a few milliseconds' worth per turn of the event loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.money_questions import HELD_REASON
from fal_desktop.widgets.background import Background

if TYPE_CHECKING:
    from fal_desktop.core.jobstore import JobRecord
    from fal_desktop.jobs.manager import BaseJobManager
    from fal_desktop.ui.jobs.cost_estimates import Estimate
    from fal_desktop.ui.window.shell import Banner

__all__ = ["SEND_STEP", "STEPPED_BATCH", "STEP_MS", "BatchPlanner", "SteppedSending"]

#: A folder of more images than this is made into jobs and recorded off the GUI thread, then
#: started in steps: ``SEND_STEP`` jobs first, then as many as take about ``STEP_MS`` of the GUI
#: thread per turn of the event loop.
STEPPED_BATCH = 500
SEND_STEP = 50
STEP_MS = 3.0

#: (endpoint id, inputs, label) of each job to send.
Runs = list[tuple[str, dict[str, Any], str]]


class BatchPlanner(Protocol):
    """What the stepped sending asks of the spending (``ui/jobs/spending.Spending``)."""

    manager: BaseJobManager
    notice: Banner

    def estimator(self, endpoint_ids: Iterable[str]) -> Estimate: ...

    def plan(
        self,
        runs: list[tuple[str, dict[str, Any]]],
        *,
        folder: bool = False,
        ask: bool = True,
        estimates: list[float | None] | None = None,
    ) -> int | None: ...

    def say_held(self, held: int) -> None: ...


class SteppedSending(QObject):
    def __init__(self, planner: BatchPlanner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.planner = planner
        self._recorder: Background | None = None  # made with the first batch

    def send(
        self,
        make_runs: Callable[[], Runs],
        endpoint_ids: list[str],
        *,
        session_id: str | None,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
    ) -> None:
        """``make_runs()`` (the runs, on models among ``endpoint_ids``) and their estimates
        are made on a worker; asked about as the planner's ``plan`` (on the GUI thread);
        recorded in one write on a worker; then started a few milliseconds' worth of jobs per
        turn of the event loop (``start(jobs)`` each time; ``done(all jobs)`` after the last),
        so the window keeps drawing. Every job is recorded before the first is sent, and each
        is started once. Nothing is sent when the user cancels."""
        if self._recorder is None:
            self._recorder = Background(self, threads=1, bulk=True)  # thousands of jobs
        estimate = self.planner.estimator(endpoint_ids)

        def made() -> tuple[Runs, list[float | None]]:
            runs = make_runs()
            return runs, [estimate(e, inputs) for e, inputs, _ in runs]

        self._recorder.run(
            made,
            done=lambda answer: self._record(answer[0], answer[1], session_id, start, done),
            failed=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.planner.notice.show_message(f"The jobs could not be recorded, so none was sent: {exc}")

    def _record(
        self,
        runs: Runs,
        estimates: list[float | None],
        session_id: str | None,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
    ) -> None:
        planner = self.planner
        fit = planner.plan([(e, inputs) for e, inputs, _ in runs], folder=True, estimates=estimates)
        if fit is None or self._recorder is None:
            return
        held = len(runs) - fit
        manager = planner.manager
        self._recorder.run(
            lambda: manager.record_runs(
                runs,
                session_id=session_id,
                hold_from=fit if held else None,
                hold_reason=HELD_REASON,
            ),
            done=lambda jobs: self._start(jobs, 0, start, done),
            failed=self._failed,
        )

    def _start(
        self,
        jobs: list[JobRecord],
        at: int,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
        step: int = 0,
    ) -> None:
        """``step`` jobs now (``SEND_STEP`` first); the next step, sized to take about
        ``STEP_MS`` by how long this one took, after the window has had its turn (timers,
        painting)."""
        step = step or SEND_STEP
        began = time.perf_counter()
        start(jobs[at : at + step])
        at += step
        if at < len(jobs):
            took = max((time.perf_counter() - began) * 1000, 0.1)
            following = max(1, min(4 * step, int(step * STEP_MS / took)))
            QTimer.singleShot(1, self, lambda: self._start(jobs, at, start, done, following))
            return
        self.planner.say_held(sum(1 for job in jobs if job.state is JobState.HELD))
        QTimer.singleShot(1, self, lambda: done(jobs))  # in a turn of its own, as each step
