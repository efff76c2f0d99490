"""The jobs panel: every job in a table, the selected job's live log, and job actions.

Signals:
    cancel_requested(str), retry_requested(str), run_again_requested(str), clear_requested():
        the user asked for it. Retry carries on with the same job (fetches a paid result again,
        sends a held job); Run again starts a new paid job with the same input.
    job_selected(object): the selected :class:`JobRow`, or None (when the user selects one,
        not when the window ``reveal_job``s the job it shows).
    folded_changed(bool): the panel was folded to its title line, or unfolded.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.jobstore import JobState
from fal_desktop.jobs.events import JobUpdate
from fal_desktop.ui.jobs.batch_bar import BatchBar
from fal_desktop.ui.jobs.batch_progress import BatchProgress
from fal_desktop.ui.jobs.columns import ColumnFitter
from fal_desktop.ui.jobs.job_texts import RETRY_REJECTED_TIP, RUN_AGAIN_TIP, log_text, retry_tip
from fal_desktop.ui.jobs.table import JobRow, JobsModel
from fal_desktop.widgets.empty_hint import EmptyHint

__all__ = ["JOBS_EMPTY", "JobsPanel"]

JOBS_EMPTY = "No jobs yet: run a model or drop images to upscale"

FOLDED_KEY = "jobs/folded"


class JobsPanel(BatchProgress):
    # cancel_requested and pause_toggled: BatchProgress's
    retry_requested = Signal(str)
    run_again_requested = Signal(str)
    clear_requested = Signal()
    job_selected = Signal(object)
    folded_changed = Signal(bool)

    def __init__(
        self, model: JobsModel, parent: QWidget | None = None, settings: QSettings | None = None
    ) -> None:
        """``settings``: where the folded state is remembered (none: not remembered)."""
        super().__init__(parent)
        self.model = model
        self._settings = settings
        self._batch_ends: dict[str, JobState] = {}
        self._batch_members: set[str] = set()
        self._revealing = False  # selecting the shown job's row: not the user's choice
        self._unfolded_height = 0
        layout = self._column = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)

        bar = QHBoxLayout()
        # The title folds the panel to this one line (the table and log go) and back.
        self.fold_button = QToolButton(self)
        self.fold_button.setCheckable(True)
        self.fold_button.setAutoRaise(True)
        self.fold_button.setText("Jobs")
        self.fold_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.fold_button.setArrowType(Qt.ArrowType.DownArrow)
        self.fold_button.setToolTip("Fold the jobs panel to one line (click again to unfold)")
        font = self.fold_button.font()
        font.setBold(True)
        self.fold_button.setFont(font)
        self.fold_button.toggled.connect(self.set_folded)
        bar.addWidget(self.fold_button)
        self.summary = QLabel(self)  # what the folded panel says about its jobs
        self.summary.hide()
        bar.addWidget(self.summary)
        # The count is a label beside a thin bar: drawn on the bar, the fill ran through it.
        self.batch_bar = BatchBar(self)
        self.batch_label = QLabel(self)
        self.batch_label.setToolTip(
            "Finished: made a result. Select a failed job to see why in its log."
        )
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_rest_button = QPushButton("Cancel the rest", self)
        self.cancel_rest_button.clicked.connect(self.cancel_rest)
        for widget in (
            self.batch_bar,
            self.batch_label,
            self.pause_button,
            self.cancel_rest_button,
        ):
            bar.addWidget(widget)
            widget.hide()
        bar.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.retry_button = QPushButton("Retry", self)
        self.run_again_button = QPushButton("Run again", self)
        self.clear_button = QPushButton("Clear finished", self)
        for button in (
            self.cancel_button,
            self.retry_button,
            self.run_again_button,
            self.clear_button,
        ):
            bar.addWidget(button)
        layout.addLayout(bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableView(self.splitter)
        self.table.setModel(model)
        self.empty_hint = EmptyHint(self.table, JOBS_EMPTY)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 120), (3, 56), (4, 56), (5, 66), (6, 70)):
            self.table.setColumnWidth(column, width)
        self.columns = ColumnFitter(self.table, model)
        self.log_view = QPlainTextEdit(self.splitter)
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setPlaceholderText("The selected job's log appears here.")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.log_view.setFont(mono)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)

        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button.clicked.connect(self._retry)
        self.run_again_button.clicked.connect(self._run_again)
        self.clear_button.clicked.connect(self.clear_requested)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        model.rowsInserted.connect(lambda *_: self._update_buttons())
        model.modelReset.connect(self._update_buttons)
        self._update_buttons()
        if settings is not None and settings.value(FOLDED_KEY, False, type=bool):
            self.fold_button.setChecked(True)

    # -- folding ----------------------------------------------------------------------

    @property
    def folded(self) -> bool:
        return self.fold_button.isChecked()

    def set_folded(self, folded: bool) -> None:
        """Fold the panel to its title line (the batch bar and buttons stay), or unfold it."""
        if self.fold_button.isChecked() != folded:
            self.fold_button.setChecked(folded)  # comes back here through toggled
            return
        if folded == self.splitter.isHidden():
            return
        outer = self.parentWidget()
        if folded:
            self._unfolded_height = self.height()
        self.splitter.setVisible(not folded)
        self.fold_button.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
        self._update_summary()
        self.summary.setVisible(folded)
        if folded:  # no taller than its line: the splitter above gets the rest
            line = self._column.sizeHint().height()
            self.setMaximumHeight(line)
            if isinstance(outer, QSplitter) and (mine := outer.indexOf(self)) >= 0:
                sizes = outer.sizes()
                other = mine - 1 if mine else mine + 1
                sizes[other] += sizes[mine] - line
                sizes[mine] = line
                outer.setSizes(sizes)
        else:
            self.setMaximumHeight(16777215)
            if isinstance(outer, QSplitter):  # back to the height it had (or a sensible one)
                sizes = outer.sizes()
                mine = outer.indexOf(self)
                want = max(self._unfolded_height, 160)
                if mine >= 0 and sizes[mine] < want:
                    sizes[mine - 1 if mine else mine + 1] -= want - sizes[mine]
                    sizes[mine] = want
                    outer.setSizes(sizes)
        if self._settings is not None:
            self._settings.setValue(FOLDED_KEY, folded)
        self.folded_changed.emit(folded)

    def _update_summary(self) -> None:
        rows = (self.model.row_at(i) for i in range(self.model.rowCount()))
        states = Counter(row.state for row in rows if row is not None)
        active = sum(n for state, n in states.items() if not state.finished)
        failed = states[JobState.FAILED]
        parts = [f"{active} in progress" if active else "idle"]
        if failed:
            parts.append(f"{failed} failed")
        self.summary.setText(" · ".join(parts))

    # -- selection and the log --------------------------------------------------------

    def selected_row(self) -> JobRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _row_number(self, job_id: str) -> int:
        for i in range(self.model.rowCount()):
            row = self.model.row_at(i)
            if row is not None and row.job.id == job_id:
                return i
        return -1

    def select_job(self, job_id: str) -> None:
        """Select a job's row (the window shows it) and scroll to it."""
        number = self._row_number(job_id)
        if number >= 0:
            self.table.selectRow(number)
            self.table.scrollTo(self.model.index(number, 0))

    def reveal_job(self, job_id: str | None) -> None:
        """The window shows this job (a gallery tile, a result): select its row and scroll to it
        without announcing it back; a job the table does not list leaves no row selected."""
        number = -1 if job_id is None else self._row_number(job_id)
        selection = self.table.selectionModel()
        current = self.selected_row()
        if current is not None and current.job.id == job_id:
            return  # selected already (a result refreshed): the table stays where it is scrolled
        self._revealing = True
        try:
            if number < 0:
                selection.clearSelection()
            else:
                selection.setCurrentIndex(
                    self.model.index(number, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(self.model.index(number, 0))
        finally:
            self._revealing = False

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, *_: object) -> None:
        row = self.selected_row()
        self.log_view.setPlainText(log_text(row) if row else "")
        self._update_buttons()
        if not self._revealing:
            self.job_selected.emit(row)

    def on_update(self, update: JobUpdate) -> None:
        """Called with a job update (after the model has applied it)."""
        self.on_updates([update])

    def on_updates(self, updates: list[JobUpdate]) -> None:
        """Called with a batch of updates, in order, after the model has applied them all."""
        if any(update.state.finished or update.job_id in self._batch_ends for update in updates):
            self._update_batch([update.job_id for update in updates])
        if self.folded:
            self._update_summary()
        row = self.selected_row()
        if row is None:
            return
        mine = [update for update in updates if update.job_id == row.job.id]
        if not mine:
            return
        if any(update.error is not None or update.state.finished for update in mine):
            self.log_view.setPlainText(log_text(row))
        else:
            lines = [entry.message for update in mine for entry in update.new_logs]
            if lines:  # one paragraph per line, as one append each would give
                self.log_view.appendPlainText("\n".join(lines))
        self._update_buttons()

    # -- actions -----------------------------------------------------------------

    @staticmethod
    def _can_cancel(row: JobRow | None) -> bool:
        return row is not None and (not row.state.finished or row.state is JobState.HELD)

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.cancel_button.setEnabled(self._can_cancel(row))
        rejected = row is not None and row.input_rejected  # the same input would fail the same way
        tip = retry_tip(row)
        self.retry_button.setEnabled(tip is not None)
        if tip is None and row is not None and row.job.request_id and row.state.final:
            tip = "fal ran this job to its end: Run again starts a new paid job"
        self.retry_button.setToolTip(RETRY_REJECTED_TIP if rejected else tip or "")
        self.run_again_button.setEnabled(row is not None and row.state.finished and not rejected)
        self.run_again_button.setToolTip(RETRY_REJECTED_TIP if rejected else RUN_AGAIN_TIP)
        self.clear_button.setEnabled(self.model.rowCount() > 0)

    def _context_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        row = self.selected_row()
        if row is None:
            return
        menu = QMenu(self)
        retry = menu.addAction("Retry", self._retry)
        retry.setEnabled(retry_tip(row) is not None)
        retry.setToolTip(retry_tip(row) or "")
        again = menu.addAction("Run again (new paid job)", self._run_again)
        again.setEnabled(row.state.finished and not row.input_rejected)
        cancel = menu.addAction("Cancel", self._cancel)
        cancel.setEnabled(self._can_cancel(row))
        menu.setToolTipsVisible(True)
        self._menu = menu  # tests look at it; it stays until the next one
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _cancel(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.cancel_requested.emit(row.job.id)

    def _retry(self) -> None:
        row = self.selected_row()
        if row is not None and retry_tip(row) is not None:
            self.retry_requested.emit(row.job.id)

    def _run_again(self) -> None:
        row = self.selected_row()
        if row is not None and row.state.finished:
            self.run_again_requested.emit(row.job.id)
