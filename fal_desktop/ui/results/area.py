"""The results area: one job's result large (the image, the before/after view of an upscale, or
a run's images as a grid) or what the job is doing while it has none yet.

Signals: shown(row) after a job's result (or None) was put on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from fal_desktop.ui.jobs.table import JobRow, local_input_image
from fal_desktop.ui.jobs.waiting import waiting_text
from fal_desktop.ui.results.compare_pane import ComparePane
from fal_desktop.ui.results.image_view import ImageView
from fal_desktop.ui.results.run_grid import RunGrid

__all__ = ["ResultsArea"]

EMPTY_TEXT = "Run a model to see its result here,\nor drop images anywhere to upscale them."


class ResultsArea(QStackedWidget):
    shown = Signal(object)  # JobRow | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result_view = ImageView(None, EMPTY_TEXT)
        self.compare = ComparePane(None)
        self.run_grid = RunGrid(None)  # every image of a run of several
        self.run_grid.picked.connect(self._enlarge)
        self.result_view.clicked.connect(self._back_to_grid)
        self.addWidget(self.result_view)
        self.addWidget(self.compare)
        self.addWidget(self.run_grid)
        self.setMinimumSize(240, 240)  # the compare bar may be clipped, the form never
        self.shown_file: str | None = None
        self.shown_row: JobRow | None = None

    def show_result(self, row: JobRow | None, index: int | None = None) -> None:
        """Show a job's result large (its ``index``-th file): the compare view for an upscale,
        else the image; a run of several images without ``index`` shows them all as a grid;
        a job with no result yet says what it is doing."""
        after = row.files[min(index or 0, len(row.files) - 1)] if row and row.files else None
        self.shown_file = after
        self.shown_row = row
        before = local_input_image(row.job) if row is not None and after else None
        if index is None and row is not None and len(row.files) > 1 and not before:
            self.setCurrentWidget(self.run_grid)
            self.run_grid.show_files(list(row.files))
        elif row is not None and after and before:
            self.setCurrentWidget(self.compare)
            seconds = row.elapsed() if row.ended else None
            self.compare.show_pair(before, after, row.job.endpoint_id, seconds)
        else:
            self.setCurrentWidget(self.result_view)
            self.result_view.show_file(after, waiting_text(row) if row else None)
        self.shown.emit(row)

    def shown_index(self, row: JobRow) -> int:
        """Which of the run's images is on screen (the first if none of them is)."""
        shown = self.shown_file
        return row.files.index(shown) if shown is not None and shown in row.files else 0

    def _enlarge(self, index: int) -> None:
        """A click on one image of the grid: that image large (the viewer and Save as… act on it)."""
        if self.shown_row is not None:
            self.show_result(self.shown_row, index)

    def _back_to_grid(self) -> None:
        """A click on an enlarged image of a run of several: all of them again."""
        row = self.shown_row
        if row is not None and len(row.files) > 1 and self.currentWidget() is self.result_view:
            self.show_result(row)

    def stop(self) -> None:
        """The window closes: a decode under way would signal a deleted window."""
        self.compare.stop()
        self.result_view.stop()
        self.run_grid.stop()
