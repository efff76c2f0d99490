"""All the images of a run of several at once, each whole (fitted, letterboxed) in its cell.

Signals:
    picked(int): the user clicked the image with this index (show it large).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from fal_desktop.ui.results.image_view import ImageView

__all__ = ["RunGrid", "grid_shape"]


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, columns) for ``count`` images: as square as possible, wider than tall."""
    columns = max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / columns)), columns


class RunGrid(QWidget):
    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(6)
        self.cells: list[ImageView] = []
        self.files: list[str] = []

    def show_files(self, files: list[str]) -> None:
        """One cell per file; cells are reused, so showing a run again decodes only new files."""
        self.files = list(files)
        while len(self.cells) < len(files):
            cell = ImageView(self)
            cell.setMargin(2)
            cell.setMinimumSize(60, 60)
            cell.setCursor(Qt.CursorShape.PointingHandCursor)
            index = len(self.cells)
            cell.clicked.connect(lambda n=index: self.picked.emit(n))
            self.cells.append(cell)
        for cell in self.cells:
            self._layout.removeWidget(cell)
        rows, columns = grid_shape(len(files))
        for index, cell in enumerate(self.cells):
            if index < len(files):
                self._layout.addWidget(cell, index // columns, index % columns)
                cell.setToolTip(f"Image {index + 1} of {len(files)}: click to enlarge it")
                if cell.path != files[index]:
                    cell.show_file(files[index])
                cell.show()
            else:
                cell.hide()
                cell.show_file(None)
        for row in range(self._layout.rowCount()):
            self._layout.setRowStretch(row, 1 if row < rows else 0)
        for column in range(self._layout.columnCount()):
            self._layout.setColumnStretch(column, 1 if column < columns else 0)

    def wait_idle(self, ms: int = 10000) -> None:
        for cell in self.cells:
            cell.wait_idle(ms)

    def stop(self) -> None:
        for cell in self.cells:
            cell.stop()
