"""The jobs panel's batch line: a group of jobs' overall progress, Pause, Cancel the rest and
what the batch cost so far (:class:`~fal_desktop.ui.jobs.panel.JobsPanel` extends it)."""

from __future__ import annotations

import html
from collections import Counter

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.batch_bar import BatchBar, batch_text
from fal_desktop.ui.jobs.table import JobsModel

__all__ = ["BatchProgress"]


class BatchProgress(QWidget):
    """The batch part of the jobs panel; the panel builds the widgets named below."""

    cancel_requested = Signal(str)
    pause_toggled = Signal(bool)

    model: JobsModel
    batch_bar: BatchBar
    batch_label: QLabel
    pause_button: QPushButton
    cancel_rest_button: QPushButton
    _batch_ends: dict[str, JobState]
    _batch_members: set[str]

    def start_batch(self, job_ids: list[str]) -> None:
        """Show overall progress for a group of jobs (one upscale drop)."""
        if len(job_ids) < 2:
            return
        self._batch = list(job_ids)
        self._batch_members = set(job_ids)
        self._batch_ends = {}  # outcomes, kept when rows are cleared
        for widget in (
            self.batch_bar,
            self.batch_label,
            self.pause_button,
            self.cancel_rest_button,
        ):
            widget.show()
        self._update_batch()

    def _update_batch(self, job_ids: list[str] | None = None) -> None:
        """Count the batch's ends: of ``job_ids`` (the jobs that just changed), or of all."""
        batch = getattr(self, "_batch", [])
        if not batch:
            return
        if job_ids is not None:
            members = self._batch_members
            job_ids = [job_id for job_id in job_ids if job_id in members]
        for job_id in batch if job_ids is None else job_ids:
            row = self.model.row_for(job_id)
            if row is not None and row.state.finished:
                self._batch_ends[job_id] = row.state
            elif row is None:  # cleared or deleted: it had finished
                self._batch_ends.setdefault(job_id, JobState.COMPLETED)
            else:  # retried: held or not fetched no more
                self._batch_ends.pop(job_id, None)
        ends = Counter(self._batch_ends.values())
        text = batch_text(len(batch), ends, self.palette())
        if getattr(self, "_batch_cost", ""):
            text += f" · cost {html.escape(self._batch_cost)}"
        self.batch_label.setText(text)
        self.batch_bar.set_counts(len(batch), ends)
        if sum(ends.values()) == len(batch):
            for widget in (self.pause_button, self.cancel_rest_button):
                widget.hide()
            self.pause_button.setChecked(False)

    def show_paused(self, paused: bool) -> None:
        """Paused from outside (the spend limit): the Pause button shows it and can resume."""
        self.pause_button.show()
        self.pause_button.setChecked(paused)

    def batch_ids(self) -> list[str]:
        return list(getattr(self, "_batch", []))

    def batch_completed(self) -> list[str]:
        """The batch's jobs that ended with a result (kept as they end: not a walk over the
        whole batch, asked after every finished job)."""
        if not getattr(self, "_batch", []):
            return []
        return [i for i, state in self._batch_ends.items() if state is JobState.COMPLETED]

    def set_batch_cost(self, text: str) -> None:
        """What the batch's finished jobs cost so far (ui/jobs/spending.py)."""
        if text != getattr(self, "_batch_cost", ""):
            self._batch_cost = text
            self._update_batch()

    def _pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_toggled.emit(paused)

    def cancel_rest(self) -> None:
        for job_id in getattr(self, "_batch", []):
            row = self.model.row_for(job_id)
            if row is not None and not row.state.finished:
                self.cancel_requested.emit(job_id)
