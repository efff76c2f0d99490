"""The batch bar: a thin bar of a batch's jobs, done and failed parts in their colours, and
its count in words ("3 done · 1 failed · 2 to go")."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from fal_desktop.core.jobstore import JobState

__all__ = ["BatchBar", "DONE_COLOUR", "FAILED_COLOUR", "batch_text"]

DONE_COLOUR = "#2e7d32"
FAILED_COLOUR = "#c62828"
_ON_DARK = {DONE_COLOUR: "#66bb6a", FAILED_COLOUR: "#ef5350"}  # readable on a dark theme
OTHER_COLOUR = "#8a8a8a"  # cancelled, held, not fetched, expired: stopped, not failed
_WORDS = (
    (JobState.FAILED, "failed", FAILED_COLOUR),
    (JobState.CANCELLED, "cancelled", None),
    (JobState.HELD, "held", None),
    (JobState.NOT_FETCHED, "not fetched", None),
    (JobState.EXPIRED, "expired", None),
)


def colour_for(colour: str, palette: QPalette | None = None) -> str:
    """The colour as drawn on this palette (lighter on a dark theme)."""
    dark = palette is not None and palette.color(QPalette.ColorRole.Window).lightness() < 128
    return _ON_DARK.get(colour, colour) if dark else colour


def batch_text(total: int, ends: Counter[JobState], palette: QPalette | None = None) -> str:
    """Rich text: "3 done · 1 failed" (each in its colour), and how many are still to go."""
    done = colour_for(DONE_COLOUR, palette)
    parts = [f"<span style='color:{done}'>{ends[JobState.COMPLETED]} done</span>"]
    for state, word, colour in _WORDS:
        if ends[state]:
            text = f"{ends[state]} {word}"
            if colour:
                text = f"<span style='color:{colour_for(colour, palette)}'>{text}</span>"
            parts.append(text)
    left = total - sum(ends.values())
    if left:
        parts.append(f"{left} to go")
    return " · ".join(parts)


class BatchBar(QWidget):
    """Segments in batch order of size: done (green), failed (red), stopped (grey), to go."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.total = 0
        self.ends: Counter[JobState] = Counter()
        self.setFixedSize(120, 10)

    def set_counts(self, total: int, ends: Counter[JobState]) -> None:
        self.total, self.ends = total, Counter(ends)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, 10)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(frame, 3, 3)
        if self.total <= 0:
            return
        inner = frame.adjusted(1, 1, -1, -1)
        failed = self.ends[JobState.FAILED]
        done = self.ends[JobState.COMPLETED]
        other = sum(self.ends.values()) - failed - done
        x = inner.left()
        painter.setPen(Qt.PenStyle.NoPen)
        for count, colour in ((done, DONE_COLOUR), (failed, FAILED_COLOUR), (other, OTHER_COLOUR)):
            if not count:
                continue
            width = inner.width() * count / self.total
            painter.setBrush(QColor(colour_for(colour, palette)))
            painter.drawRect(QRectF(x, inner.top(), width, inner.height()))
            x += width
