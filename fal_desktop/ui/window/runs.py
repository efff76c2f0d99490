"""The window's jobs: runs and upscales sent from the form, Retry, Run again, Clear, and the
job manager's updates handed to every part that shows them (the table, the log, the notices,
the sessions, the costs, the result on screen, the form's field errors and last seed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer

from fal_desktop.ui.window.prefs import DEFAULT_UPSCALER

if TYPE_CHECKING:
    from fal_desktop.core.form_memory import FormMemory
    from fal_desktop.core.jobstore import JobRecord
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.jobs.manager import BaseJobManager
    from fal_desktop.ui.jobs.notices import JobNotices
    from fal_desktop.ui.jobs.panel import JobsPanel
    from fal_desktop.ui.jobs.spending import Spending
    from fal_desktop.ui.jobs.table import JobRow, JobsModel
    from fal_desktop.ui.models.panel import ModelPanel
    from fal_desktop.ui.results.area import ResultsArea
    from fal_desktop.ui.sessions.controller import SessionController
    from fal_desktop.ui.window.key_gate import KeyGate
    from fal_desktop.ui.window.shell import Banner

__all__ = ["JobRuns", "RunsHost"]


class RunsHost(Protocol):
    """The window's parts the jobs go through (named here, not imported: the window builds
    this). ``spending`` and ``job_notices`` are built last; they are reached only once the
    window is ready."""

    notice: Banner
    memory: FormMemory
    manager: BaseJobManager
    model_panel: ModelPanel
    jobs_model: JobsModel
    jobs_panel: JobsPanel
    results: ResultsArea
    session_ui: SessionController
    key_gate: KeyGate
    spending: Spending
    job_notices: JobNotices
    closed: bool


T = TypeVar("T")


class JobRuns(QObject):
    def __init__(self, window: RunsHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self._adding: list[JobRecord] | None = None  # a batch being submitted, added at once
        manager = window.manager
        manager.job_added.connect(self._added)
        manager.jobs_updated.connect(self.on_updates)
        panel = window.jobs_panel
        panel.cancel_requested.connect(manager.cancel)
        panel.retry_requested.connect(self.retry)
        panel.run_again_requested.connect(self.run_again)
        panel.clear_requested.connect(self.clear_finished)
        panel.pause_toggled.connect(lambda paused: manager.pause() if paused else manager.resume())

    def _added(self, job: JobRecord) -> None:
        if self._adding is None:
            self.window.jobs_model.add_job(job)
        else:
            self._adding.append(job)

    # -- what the user starts ----------------------------------------------------------

    def submit(self, endpoint_id: str, inputs: dict[str, Any]) -> None:
        window = self.window
        if not window.key_gate.has_key(lambda: self.submit(endpoint_id, inputs)):
            return
        earlier = window.spending.same_call(endpoint_id, inputs)
        if earlier is not None:  # the very same call finished before: its result, for free
            window.jobs_model.add_job(earlier)
            window.jobs_panel.select_job(earlier.id)
            window.results.show_result(window.jobs_model.row_for(earlier.id))
            return
        window.session_ui.leave_row()  # a new run: its result is shown, not the last row's
        jobs = window.spending.send(
            [(endpoint_id, inputs, "")], session_id=window.session_ui.session_id
        )
        if not jobs:
            return
        window.session_ui.submitted(jobs)
        window.jobs_panel.select_job(jobs[0].id)

    def upscale(
        self, inputs: list[str], upscaler: str | None = None, *, ask: bool = True
    ) -> list[str]:
        """One job per input with the chosen upscaler (``upscaler``, else the current model if
        it takes an image, else the last-used upscaler) and the current form values. Several
        ask first with their estimated total, unless ``ask`` is False (files named on a command
        line); the spend limit applies to all. The window calls it once it is ready, with at
        least one input."""
        window = self.window
        panel = window.model_panel
        if upscaler is not None and panel.endpoint_id != upscaler:
            panel.select_model(upscaler)
        if panel.image_field() is None:
            panel.select_model(window.memory.get("__app__").get("upscaler") or DEFAULT_UPSCALER)
        field = panel.image_field()
        if field is None or panel.form is None:
            window.notice.show_message("Pick an upscaler first: this model takes no image.")
            return []
        if not window.key_gate.has_key(lambda: self.upscale(inputs, upscaler, ask=ask)):
            return []
        values = panel.form.value()
        window.session_ui.leave_row()
        endpoint_id = panel.form.schema.endpoint_id

        def make_runs() -> list[tuple[str, dict[str, Any], str]]:
            return [
                (endpoint_id, {**values, field: value}, value.rstrip("/").rsplit("/", 1)[-1])
                for value in inputs
            ]

        from fal_desktop.ui.jobs.stepped_sending import STEPPED_BATCH

        if ask and len(inputs) > STEPPED_BATCH:  # thousands: made on a worker, sent in steps
            window.spending.in_steps.send(
                make_runs,
                [endpoint_id],
                session_id=window.session_ui.session_id,
                start=lambda jobs: self._add_rows(lambda: window.manager.start_recorded(jobs)),
                done=self._batch_sent_in_turns,
            )
            return []
        runs = make_runs()
        jobs = self._add_rows(  # many images: the estimated total is asked about first
            lambda: window.spending.send(
                runs, folder=len(runs) > 1, ask=ask, session_id=window.session_ui.session_id
            )
        )
        return self._batch_sent(jobs)

    def _add_rows(self, submit: Callable[[], T]) -> T:
        """``submit()``'s new jobs join the jobs table in one insert (thousands of rows)."""
        self._adding = []
        try:
            return submit()
        finally:
            added, self._adding = self._adding, None
            self.window.jobs_model.add_jobs(added)

    def _batch_sent(self, jobs: list[JobRecord]) -> list[str]:
        """An upscale batch was sent: the session remembers it, the jobs panel follows it."""
        if not jobs:
            return []
        window = self.window
        window.session_ui.submitted(jobs)
        ids = [job.id for job in jobs]
        window.jobs_panel.start_batch(ids)
        window.jobs_panel.select_job(ids[0])  # its result (the before/after view) shows when done
        return ids

    def _batch_sent_in_turns(self, jobs: list[JobRecord]) -> None:
        """:meth:`_batch_sent` for thousands: the session, the batch bar (it counts every
        job) and the selection each in a turn of the event loop of its own."""
        if not jobs:
            return
        window = self.window
        window.session_ui.submitted(jobs)
        ids = [job.id for job in jobs]

        def batch() -> None:
            window.jobs_panel.start_batch(ids)
            QTimer.singleShot(1, self, lambda: window.jobs_panel.select_job(ids[0]))

        QTimer.singleShot(1, self, batch)

    def retry(self, job_id: str) -> None:
        """Carry on with the same job (fetch its paid result again, or send a held one)."""
        job = self.window.manager.retry(job_id)
        if job is not None:
            self.window.jobs_panel.select_job(job.id)

    def run_again(self, job_id: str) -> None:
        """A new paid job with the same input."""
        job = self.window.manager.run_again(job_id)
        if job is not None:
            self.window.notice.show_message(
                "Started a new paid job with the same input.", info=True
            )
            self.window.jobs_panel.select_job(job.id)

    def clear_finished(self) -> None:
        self.window.manager.clear_finished()
        self.window.jobs_model.remove_finished()

    def forget_job(self, job_id: str) -> None:
        """A deleted run leaves the jobs list too."""
        self.window.manager.forget(job_id)
        self.window.jobs_model.remove_job(job_id)

    # -- what the jobs do --------------------------------------------------------------

    def on_updates(self, updates: list[JobUpdate]) -> None:
        """A batch of job updates (one per frame at most): the table and log redraw once."""
        from fal_desktop.core.jobstore import JobState

        window = self.window
        if window.closed:
            return  # the app is quitting; the jobs go on in the store and resume next start
        window.jobs_model.apply_many(updates)
        window.jobs_panel.on_updates(updates)
        window.job_notices.on_updates(updates)
        window.session_ui.on_updates(updates)
        window.spending.on_updates(updates)
        form = window.model_panel.form
        completed: list[JobRow] = []
        for update in updates:
            row = window.jobs_model.row_for(update.job_id)
            if row is None:
                continue
            if update.auth_failed:  # the job waits for a key fal accepts (or failed, on a 403)
                window.key_gate.open_dialog(
                    f"{update.error} {update.error_detail or ''}".strip()
                    if update.error
                    else "\n".join(e.message for e in update.new_logs) or "fal refused the key."
                )
            if (
                update.field_errors
                and form is not None
                and form.schema.endpoint_id == row.job.endpoint_id
            ):
                form.show_field_errors(list(update.field_errors))
            if update.state is JobState.COMPLETED:
                completed.append(row)
        self._remember_seed(completed)
        self._show_on_screen(completed, updates)

    def _remember_seed(self, completed: list[JobRow]) -> None:
        """The form's seed field offers the seed of the newest run that finished."""
        form = self.window.model_panel.form
        seed_field = form.fields.get("seed") if form is not None else None
        set_last_seed = getattr(seed_field, "set_last_seed", None)
        if set_last_seed is None:
            return
        for row in reversed(completed):
            output = self.window.manager.store.get(row.job.id)  # the newest wins, as one by one
            seed = output.output.get("seed") if output and isinstance(output.output, dict) else None
            if isinstance(seed, int):
                set_last_seed(seed)
                break

    def _show_on_screen(self, completed: list[JobRow], updates: list[JobUpdate]) -> None:
        """A finished job's result (the selected one's, if one is selected) comes on screen; the
        selected job without a result shows its state, progress or error in its place."""
        window = self.window
        results = window.results
        selected = window.jobs_panel.selected_row()
        shown = [row for row in completed if selected is None or selected.job.id == row.job.id]
        if shown and results.currentWidget() is not window.session_ui.row:
            results.show_result(shown[-1])  # each would replace the one before: show the last
        elif (
            selected is not None
            and not selected.files
            and results.currentWidget() is results.result_view
            and window.session_ui.current is not None
            and window.session_ui.current.id == selected.job.id
            and any(u.job_id == selected.job.id for u in updates)
        ):
            results.show_result(selected)
