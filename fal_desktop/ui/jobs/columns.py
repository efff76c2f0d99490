"""The jobs table's columns on a narrow window: Queue and Progress fold into State, so the
state and the prompt keep room to be read."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

from fal_desktop.ui.jobs.table import COLUMNS, JobsModel

__all__ = ["NARROW_TABLE", "ColumnFitter"]

NARROW_TABLE = 520  # px: below this the table shows the queue and progress inside State
_FOLDED = (COLUMNS.index("Queue"), COLUMNS.index("Progress"))


class ColumnFitter(QObject):
    """Watches the table's width and folds the optional columns in and out."""

    def __init__(self, table: QTableView, model: JobsModel) -> None:
        super().__init__(table)
        self.table, self.model = table, model
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        narrow = self.table.width() < NARROW_TABLE
        for column in _FOLDED:
            self.table.setColumnHidden(column, narrow)
        self.model.set_compact(narrow)
