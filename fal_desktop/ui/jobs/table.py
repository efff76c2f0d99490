"""A table model of jobs: model, what it is, state, queue position, elapsed, progress."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.core.costs import cost_text
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.core.paths import is_local_file
from fal_desktop.jobs.events import JobUpdate, LogEntry

__all__ = ["JobRow", "JobsModel", "COLUMNS", "local_input_image", "row_of"]

COLUMNS = ("Model", "Input", "State", "Queue", "Elapsed", "Progress", "Cost")

_STATE_TEXT = {
    JobState.PENDING: "Not sent yet",
    JobState.SUBMITTING: "Sending",
    JobState.QUEUED: "Queued",
    JobState.RUNNING: "Running",
    JobState.DOWNLOADING: "Downloading",
    JobState.COMPLETED: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
    JobState.EXPIRED: "Expired",
    JobState.NOT_FETCHED: "Not fetched",
    JobState.HELD: "Held",
}


#: The State cell's tooltip: what the state means (two of them looked alike).
_STATE_TIP = {
    JobState.PENDING: "Not sent to fal yet: fal desktop keeps a limited number of jobs at fal at once "
    "(16), so this one goes when another finishes, or when its paused batch resumes.",
    JobState.SUBMITTING: "Being sent to fal (with its input files).",
    JobState.QUEUED: "Sent: waiting in fal's queue for a free machine. Its place in the queue is shown as #1, #2…",
    JobState.RUNNING: "Running at fal.",
    JobState.DOWNLOADING: "Finished at fal; the result is being downloaded.",
    JobState.COMPLETED: "Done: the result is saved in the app's data folder.",
    JobState.CANCELLED: "Cancelled.",
    JobState.EXPIRED: "fal no longer keeps this request's result. Run again starts a new paid job.",
    JobState.NOT_FETCHED: "fal finished this paid job, but its result is not on disk yet: Retry fetches "
    "it again (no new job).",
    JobState.HELD: "fal did not take this job: your fal balance is used up. Nothing was charged; "
    "top up at fal.ai/dashboard/billing, then Retry.",
}


def describe_inputs(inputs: dict[str, Any]) -> str:
    """A short text for a job: its prompt, or the name of its input image."""
    prompt = inputs.get("prompt")
    if isinstance(prompt, str) and prompt.strip():
        text = " ".join(prompt.split())
        return text if len(text) <= 60 else text[:57] + "…"
    for key, value in inputs.items():
        if isinstance(value, str) and ("image" in key or key.endswith("_url")) and value:
            if value.startswith("data:"):
                return "pasted image"
            return value.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1][:60]
    return ""


@dataclass
class JobRow:
    job: JobRecord
    message: str = ""
    queue_position: int | None = None
    progress: float | None = None
    logs: list[LogEntry] = field(default_factory=list)
    files: tuple[str, ...] = ()
    #: Wall-clock times (``time.time()``), from the store: elapsed times survive a restart.
    started: float = field(default_factory=time.time)
    ended: float | None = None
    error: str | None = None
    error_detail: str | None = None
    error_kind: ErrorKind | None = None  # why it failed or stopped: what every decision reads
    field_errors: tuple[Any, ...] = ()  # fal said these input values are invalid (a 422)
    waiting: str | None = None  # what the job waits for ("key"), if anything

    @property
    def waiting_for_key(self) -> bool:
        return self.waiting == "key" and not self.state.finished

    @property
    def state(self) -> JobState:
        return self.job.state

    @property
    def input_rejected(self) -> bool:
        """Failed because fal rejected a value: the same input would fail again."""
        return self.state is JobState.FAILED and (
            bool(self.field_errors)
            or (self.error_kind is not None and self.error_kind.same_input_fails)
        )

    @property
    def maybe_at_fal(self) -> bool:
        """It failed while being sent: fal may have it (sending it again may charge twice)."""
        return self.state is JobState.FAILED and self.error_kind is ErrorKind.MAYBE_SENT

    def elapsed(self) -> float:
        """Seconds from when the job was made to when it ended (or now)."""
        return max(0.0, (self.ended or time.time()) - self.started)

    @property
    def cost(self) -> float | None:
        """What the job cost in USD (fal's billable units × unit price), None when unknown."""
        return self.job.cost


def cost_tip(job: JobRecord) -> str:
    if job.cost is not None:
        return (
            f"fal billed {job.billable_units} unit(s) of {job.endpoint_id}: {cost_text(job.cost)}"
        )
    if job.billable_units:
        return (
            f"fal billed {job.billable_units} unit(s); the unit price is not known, "
            "so the cost is unknown"
        )
    return "fal did not say what this job cost (no billable units in its answer)"


def local_input_image(job: JobRecord) -> str | None:
    """The local input image of an upscale job (its "before"), if it had one."""
    return next((v for k, v in job.inputs.items() if "image" in k and is_local_file(v)), None)


def row_of(job: JobRecord) -> JobRow:
    """A job from the store as a row (for showing, saving, copying), its times as recorded."""
    row = JobRow(
        job,
        files=tuple(job.files),
        error=job.error,
        error_detail=job.error_detail,
        error_kind=job.error_kind,
        started=job.created_at,
    )
    if job.state.finished:
        row.ended = job.finished_at or job.created_at
    return row


class JobsModel(QAbstractTableModel):
    """Rows of :class:`JobRow`, newest last; updated from :class:`JobUpdate`s."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[JobRow] = []
        self._index: dict[str, int] = {}
        #: A narrow table hides the Queue and Progress columns; the State column says them.
        self.compact = False
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()

    # -- Qt model API --------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.error:
                return f"{row.error}\n\n{row.error_detail or ''}".strip()
            if column == "Cost" and row.state is JobState.COMPLETED:
                return cost_tip(row.job)
            if column == "State":
                tip = _STATE_TIP.get(row.state, "")
                if row.message and row.message.rstrip(".").lower() not in tip.lower():
                    tip = f"{tip}\n\n{row.message}"
                return tip
            return row.message or None
        if role == Qt.ItemDataRole.UserRole:
            return row
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == "State"
            and row.state in (JobState.FAILED, JobState.NOT_FETCHED, JobState.HELD)
        ):
            from PySide6.QtGui import QColor

            return QColor("#c62828")
        return None

    def _display(self, row: JobRow, column: str) -> str:
        if column == "Model":
            return row.job.endpoint_id.removeprefix("fal-ai/")
        if column == "Input":
            return row.job.label or describe_inputs(row.job.inputs)
        if column == "State":
            text = _STATE_TEXT[row.state]
            if row.state is JobState.FAILED and row.error:
                return f"Failed: {row.error}"
            if row.waiting_for_key:
                return "Waiting for key"
            if self.compact and (more := self._display(row, "Queue") or self._progress(row)):
                return f"{text} {more}"
            return text
        if column == "Queue":
            if row.state is JobState.QUEUED and row.queue_position is not None:
                return f"#{row.queue_position + 1}"
            return ""
        if column == "Elapsed":
            seconds = int(row.elapsed())
            return f"{seconds // 60}:{seconds % 60:02d}"
        if column == "Progress":  # a figure only while it runs, and once it is done
            return "100%" if row.state is JobState.COMPLETED else self._progress(row)
        if column == "Cost":
            return cost_text(row.cost) if row.state is JobState.COMPLETED else ""
        return ""

    @staticmethod
    def _progress(row: JobRow) -> str:
        if row.state.finished or row.progress is None:
            return ""
        return f"{row.progress * 100:.0f}%"

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            if self._rows:
                state = COLUMNS.index("State")
                self.dataChanged.emit(self.index(0, state), self.index(len(self._rows) - 1, state))

    # -- updates ---------------------------------------------------------------------

    def row_for(self, job_id: str) -> JobRow | None:
        index = self._index.get(job_id)
        return self._rows[index] if index is not None else None

    def newest_with_files(self) -> JobRow | None:
        """The newest row that has a result (a walk over the list, no call per row: Save's
        enablement asks after every change, with thousands of rows waiting)."""
        return next((row for row in reversed(self._rows) if row.files), None)

    def row_at(self, row: int) -> JobRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def add_job(self, job: JobRecord) -> None:
        self.add_jobs([job])

    def add_jobs(self, jobs: list[JobRecord]) -> None:
        """New rows at the end, announced once (a batch of thousands redraws once)."""
        jobs = [job for job in dict((j.id, j) for j in jobs).values() if job.id not in self._index]
        if not jobs:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(jobs) - 1)
        for job in jobs:
            self._index[job.id] = len(self._rows)
            self._rows.append(row_of(job))  # its times as recorded (kept across restarts)
        self.endInsertRows()

    def add_older(self, job: JobRecord) -> None:
        """A job from before the rows loaded at start (shown from a session): it joins the
        table where its time puts it, so the table can select it."""
        if job.id in self._index:
            return
        at = next(
            (i for i, row in enumerate(self._rows) if row.job.created_at > job.created_at),
            len(self._rows),
        )
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, row_of(job))
        self._index = {r.job.id: i for i, r in enumerate(self._rows)}
        self.endInsertRows()

    def apply(self, update: JobUpdate) -> JobRow | None:
        rows = self.apply_many([update])
        return rows[0] if rows else None

    def apply_many(self, updates: list[JobUpdate]) -> list[JobRow]:
        """Apply updates in order and announce the changed rows with one ``dataChanged``."""
        changed: list[JobRow] = []
        first = last = -1
        for update in updates:
            index = self._index.get(update.job_id)
            if index is None:
                continue
            changed.append(self._apply_to(self._rows[index], update))
            first = index if first < 0 else min(first, index)
            last = max(last, index)
        if changed:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        return changed

    @staticmethod
    def _apply_to(row: JobRow, update: JobUpdate) -> JobRow:
        row.job.state = update.state
        if update.message is not None or update.state.finished:  # not on a mere log line
            row.waiting = update.extra.get("waiting")
        request_id = update.extra.get("request_id")
        if request_id:
            row.job.request_id = request_id
        if update.extra.get("billable_units"):
            row.job.billable_units = str(update.extra["billable_units"])
        if update.message is not None:
            row.message = update.message
        if update.queue_position is not None:
            row.queue_position = update.queue_position
        if update.progress is not None:
            row.progress = update.progress
        if update.new_logs:
            row.logs.extend(update.new_logs)
        if update.files:
            row.files = update.files
        if update.error is not None:  # "" clears (a retry)
            row.error, row.error_detail = update.error or None, update.error_detail or None
            row.error_kind = update.error_kind
            if not update.error:
                row.field_errors = ()
        if update.field_errors:
            row.field_errors = tuple(update.field_errors)
        if update.state.finished and row.ended is None:
            row.ended = time.time()
        elif not update.state.finished:
            row.ended = None  # retried: it runs again
        return row

    def rows_changed(self, job_ids: list[str]) -> None:
        """These jobs' rows changed outside an update (a cost filled in): redraw them."""
        indexes = [i for job_id in job_ids if (i := self._index.get(job_id)) is not None]
        if indexes:
            last = len(COLUMNS) - 1
            self.dataChanged.emit(self.index(min(indexes), 0), self.index(max(indexes), last))

    def remove_job(self, job_id: str) -> None:
        index = self._index.get(job_id)
        if index is None:
            return
        self.beginRemoveRows(QModelIndex(), index, index)
        del self._rows[index]
        self._index = {r.job.id: i for i, r in enumerate(self._rows)}
        self.endRemoveRows()

    def remove_finished(self) -> list[str]:
        """Rows of jobs that ended (held and not-fetched jobs stay: they wait for Retry)."""
        keep = [r for r in self._rows if not r.state.final]
        gone = [r.job.id for r in self._rows if r.state.final]
        if gone:
            self.beginResetModel()
            self._rows = keep
            self._index = {r.job.id: i for i, r in enumerate(keep)}
            self.endResetModel()
        return gone

    def _tick(self) -> None:
        column = COLUMNS.index("Elapsed")
        running = [i for i, row in enumerate(self._rows) if not row.state.finished]
        if running:  # one signal for the span: a view repaints the cells, not each row alone
            self.dataChanged.emit(self.index(running[0], column), self.index(running[-1], column))
