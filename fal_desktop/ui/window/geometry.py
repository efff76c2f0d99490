"""The window's first size: what it would like, but never more than the screen has room for."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["available_screen", "fit_to_screen"]

#: Room kept for the window's frame and title bar, which are not part of its geometry.
_FRAME = QSize(8, 36)


def available_screen(window: QWidget) -> QRect:
    """The screen's area without panels and docks (tests replace this)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def fit_to_screen(window: QWidget, wanted: QSize, *, restored: bool) -> None:
    """Keep a restored geometry only if it fits the screen; else ``wanted`` shrunk to fit,
    centred on the screen."""
    room = available_screen(window)
    if not room.isValid():
        return
    inside = room.adjusted(0, 0, -_FRAME.width(), -_FRAME.height())
    if restored and window.width() <= inside.width() and window.height() <= inside.height():
        if not room.intersects(window.geometry()):  # fits, but on a screen no longer there
            window.move(room.topLeft())
        return
    size = wanted.boundedTo(inside.size())
    window.resize(size)
    window.move(
        room.x() + (room.width() - size.width() - _FRAME.width()) // 2,
        room.y() + (room.height() - size.height() - _FRAME.height()) // 2,
    )
