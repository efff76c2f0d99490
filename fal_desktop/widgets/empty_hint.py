"""A quiet line of text at the top of an item view while it has no rows: "No jobs yet…",
"No session has those words…". It is a label on the view's viewport that lets clicks and
drops through, and follows the view's model."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel

__all__ = ["EmptyHint"]

MARGIN = 8


class EmptyHint(QLabel):
    """Shown while ``view`` has no rows and the hint has text (``setText("")`` hides it)."""

    def __init__(self, view: QAbstractItemView, text: str = "") -> None:
        super().__init__(text, view.viewport())
        self.view = view
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self.update_shown)
        self.update_shown()

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.update_shown()

    def update_shown(self, *_args) -> None:
        empty = self.view.model() is not None and self.view.model().rowCount() == 0
        self.setVisible(empty and bool(self.text()))
        self._place()

    def _place(self) -> None:
        width = max(0, self.view.viewport().width() - 2 * MARGIN)
        self.setGeometry(MARGIN, MARGIN, width, self.heightForWidth(width) if width else 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False
