"""Runs started together, side by side in one row: one prompt on several models, or one
parameter varied. Each cell shows what differs, the image (or the run's state) and its seed
and time; clicking a cell picks that result.

Signals:
    picked(str): the job id of the clicked cell.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.core.saving import seed_of
from fal_desktop.core.sessions import prompt_of
from fal_desktop.ui.results.image_view import ImageView

__all__ = ["ComparisonRow", "headings"]

_STATE = {
    JobState.PENDING: "Waiting…",
    JobState.SUBMITTING: "Sending…",
    JobState.QUEUED: "In queue…",
    JobState.RUNNING: "Running…",
    JobState.DOWNLOADING: "Downloading…",
    JobState.CANCELLED: "Cancelled",
    JobState.EXPIRED: "Expired at fal",
    JobState.NOT_FETCHED: "Not fetched (Retry)",
    JobState.HELD: "Held: out of credit",
}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 28 else text[:27] + "…"


def headings(jobs: list[JobRecord]) -> list[str]:
    """What tells the runs apart: the model, or the parameters whose values differ."""
    if len({job.endpoint_id for job in jobs}) == len(jobs):
        return [job.endpoint_id.removeprefix("fal-ai/") for job in jobs]
    keys = sorted({key for job in jobs for key in job.inputs})
    differing = [
        k for k in keys if len({json.dumps(j.inputs.get(k), sort_keys=True) for j in jobs}) > 1
    ]
    return [
        ", ".join(f"{k} = {_short(job.inputs.get(k, 'default'))}" for k in differing)
        or job.endpoint_id.removeprefix("fal-ai/")
        for job in jobs
    ]


class _Cell(QFrame):
    clicked = Signal(str)

    def __init__(self, job_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.heading = QLabel(self)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setStyleSheet("font-weight: 600;")
        self.heading.setWordWrap(True)  # a long model id or value wraps instead of being cut
        self.image = ImageView(self, "")
        self.image.setMinimumSize(120, 120)
        self.caption = QLabel(self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.caption)
        self.image.installEventFilter(self)  # a click on the image picks the cell too

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.MouseButtonPress:
            self.clicked.emit(self.job_id)
        return False

    def set_selected(self, selected: bool) -> None:
        self.setStyleSheet(
            "_Cell { border: 2px solid palette(highlight); border-radius: 4px; }"
            if selected
            else ""
        )

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.clicked.emit(self.job_id)
        super().mousePressEvent(event)


class ComparisonRow(QWidget):
    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.row = QHBoxLayout()
        self.row.setSpacing(8)
        layout.addLayout(self.row, 1)
        self.cells: dict[str, _Cell] = {}
        self.group_id: str | None = None

    def show_group(self, group_id: str, jobs: list[JobRecord], selected: str | None = None) -> None:
        """Show (or refresh) the row of ``jobs``; cells are reused while the group stays."""
        if group_id != self.group_id or set(self.cells) != {j.id for j in jobs}:
            for cell in self.cells.values():
                cell.setParent(None)
                cell.deleteLater()
            self.cells = {}
            for job in jobs:
                cell = _Cell(job.id, self)
                cell.clicked.connect(self._picked)
                self.cells[job.id] = cell
                self.row.addWidget(cell, 1)
            self.group_id = group_id
        prompt = next((prompt_of(j) for j in jobs if prompt_of(j)), "")
        self.title.setText(
            f"<b>Side by side</b> — {len(jobs)} runs" + (f" of “{prompt[:120]}”" if prompt else "")
        )
        for job, heading in zip(jobs, headings(jobs), strict=False):
            cell = self.cells[job.id]
            cell.heading.setText(heading)
            cell.setToolTip(job.endpoint_id)
            self._fill(cell, job)
            cell.set_selected(job.id == selected)

    @staticmethod
    def _fill(cell: _Cell, job: JobRecord) -> None:
        if job.state is JobState.COMPLETED and job.files:
            if cell.image.path != job.files[0]:
                cell.image.show_file(job.files[0])
            seed = seed_of(job.output, job.inputs)
            took = f"{job.finished_at - job.created_at:.1f} s" if job.finished_at else ""
            # Seed and time each on a line of their own: a narrow cell would break them anywhere.
            cell.caption.setText(
                "\n".join(p for p in (f"seed {seed}" if seed != "" else "", took) if p)
            )
        else:
            cell.image.show_file(None)
            if job.state is JobState.FAILED:
                cell.image.setText("Failed")
                cell.caption.setText(job.error or "")
                cell.caption.setStyleSheet("color: #c62828;")
            else:
                cell.image.setText(_STATE.get(job.state, ""))
                cell.caption.setText("")

    def _picked(self, job_id: str) -> None:
        for jid, cell in self.cells.items():
            cell.set_selected(jid == job_id)
        self.picked.emit(job_id)

    def wait_idle(self) -> None:
        for cell in self.cells.values():
            cell.image.wait_idle()
