"""Pieces of a window that is shown before it is ready: placeholders, held actions, queued
user actions, and a hook for "the window has been painted once".

Imports only PySide6, so the main window can be shown before the protocol layer, Pillow,
keyring and the forms are loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

__all__ = ["EARLY", "ActionQueue", "Banner", "Placeholder", "after_first_paint", "hold_actions"]

EARLY = (
    "usable_before_ready"  # set this property on an action that works before the window is ready
)
FALLBACK_MS = 1000  # run the callbacks anyway if no paint arrives (e.g. started minimised)


class Banner(QWidget):
    """A strip across the top of the window with a message and an optional action.

    ``show_message(text, info=True)`` is for good news: a calm colour, gone after a while. A
    problem (the default) stays, in the banner's own colour, until something replaces it."""

    INFO_COLOURS = ("#dfe9f7", "#16324f")
    INFO_SECONDS = 8

    def __init__(self, colour: str, text_colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._colours = (colour, text_colour)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.button = QPushButton(self)
        self.button.hide()
        row.addWidget(self.button)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(lambda: self.show_message(""))
        self._paint(*self._colours)
        self.hide()

    def _paint(self, colour: str, text_colour: str) -> None:
        self.setStyleSheet(
            f"#banner {{ background: {colour}; }} QLabel {{ color: {text_colour};"
            " font-weight: 600; }"
        )

    def show_message(self, text: str, action: str | None = None, *, info: bool = False) -> None:
        self.info = info
        self._paint(*(self.INFO_COLOURS if info else self._colours))
        self.label.setText(text)
        self.button.setText(action or "")
        self.button.setVisible(bool(action))
        self.setVisible(bool(text))
        if info and text:
            self._fade.start(self.INFO_SECONDS * 1000)
        else:
            self._fade.stop()


class Placeholder(QLabel):
    """A light "Loading…" stand-in where a panel will be."""

    def __init__(self, text: str = "Loading…", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setEnabled(False)  # drawn greyed out by the style


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], object]) -> None:
        super().__init__(widget)
        self.callback: Callable[[], object] | None = callback
        widget.installEventFilter(self)
        QTimer.singleShot(FALLBACK_MS, self, self.fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            # Queued, so the callback runs once this paint has reached the screen.
            QTimer.singleShot(0, self, self.fire)
        return False

    def fire(self) -> None:
        callback, self.callback = self.callback, None
        if callback is not None:
            watched = self.parent()
            if watched is not None:
                watched.removeEventFilter(self)
            callback()


def after_first_paint(widget: QWidget, callback: Callable[[], object]) -> None:
    """Call ``callback`` from the event loop once ``widget`` has been painted the first time."""
    _FirstPaint(widget, callback)


def hold_actions(window: QWidget) -> Callable[[], None]:
    """Disable the window's actions, except those marked ``EARLY``; returns what re-enables them."""
    held = [
        a
        for a in window.findChildren(QAction)
        if a.isEnabled() and not a.isSeparator() and a.menu() is None and not a.property(EARLY)
    ]
    for action in held:
        action.setEnabled(False)

    def release() -> None:
        for action in held:
            action.setEnabled(True)

    return release


class ActionQueue:
    """What the user asked for before the window was ready, done in order once it is."""

    def __init__(self) -> None:
        self._pending: list[Callable[[], object]] = []

    def add(self, action: Callable[[], object]) -> None:
        self._pending.append(action)

    def release(self) -> None:
        """Run what was queued, in order."""
        pending, self._pending = self._pending, []
        for action in pending:
            action()
