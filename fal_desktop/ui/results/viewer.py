"""The full-window viewer: one result as large as the screen, ←/→ through the session's
results, zoom (wheel, +/−), F to fit, 1 for 1:1, drag to pan; Esc, Enter or F11 close it.

Pictures are decoded off the GUI thread (every zoom level at its own size, as the compare
view does), so a large result never freezes the window.

Signals:
    current_changed(int): the shown item's position in the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QImageReader, QKeyEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from fal_desktop.ui.results.compare_view import CompareView, MipImage
from fal_desktop.ui.results.image_view import read_image
from fal_desktop.widgets.background import Background
from fal_desktop.widgets.elided_label import ElidedLabel

__all__ = ["ResultViewer", "ViewerItem"]


@dataclass(frozen=True)
class ViewerItem:
    path: str
    caption: str  # prompt, model, seed: what tells this result apart


def _dark(palette: QPalette) -> QPalette:
    palette = QPalette(palette)
    for role, colour in (
        (QPalette.ColorRole.Window, "#1b1b1b"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def _load(path: str) -> tuple[str, MipImage | None, QSize]:
    size = QImageReader(path).size()
    if not size.isValid():
        return path, None, QSize()
    return path, MipImage.from_file(path, size, read_image), size


class ResultViewer(QWidget):
    current_changed = Signal(int)

    def __init__(
        self, items: Sequence[ViewerItem], start: int = 0, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("fal desktop — result")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.items = list(items)
        self.position = min(max(start, 0), max(len(self.items) - 1, 0))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.view = CompareView(self, empty_text="Loading…")
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the viewer takes the keys: ←/→ browse
        layout.addWidget(self.view, 1)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 6, 12, 6)
        bar.setSpacing(18)
        self.counter = QLabel(self)
        self.caption = ElidedLabel("", self)
        self.zoom_label = QLabel(self)
        self.hint = QLabel("←/→ browse · wheel or +/− zoom · F fit · 1 for 1:1 · Esc close", self)
        self.hint.setStyleSheet("color: #9a9a9a;")
        for widget, stretch in (
            (self.counter, 0),
            (self.caption, 1),
            (self.zoom_label, 0),
            (self.hint, 0),
        ):
            bar.addWidget(widget, stretch)
        layout.addLayout(bar)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setPalette(_dark(self.palette()))  # a picture looks best on a dark surround
        self.setAutoFillBackground(True)
        self.work = Background(self, threads=1)  # in order: the last one asked for is shown last
        self._show()

    @property
    def current(self) -> ViewerItem | None:
        return self.items[self.position] if self.items else None

    def go(self, step: int) -> None:
        """Show the next (``+1``) or previous (``-1``) result, stopping at the ends."""
        position = min(max(self.position + step, 0), len(self.items) - 1)
        if position != self.position:
            self.position = position
            self._show()

    def _show(self) -> None:
        item = self.current
        if item is None:
            self.counter.setText("")
            self.caption.setText("No results in this session yet.")
            return
        self.counter.setText(f"{self.position + 1} / {len(self.items)}")
        self.caption.setText(item.caption)
        self.view.empty_text = "Loading…"
        self.view.set_mips(None, None)
        self.work.clear()  # pictures passed on the way are not decoded
        self.work.run(_load, item.path, done=self._loaded)
        self.current_changed.emit(self.position)

    def _loaded(self, answer: tuple[str, MipImage | None, QSize]) -> None:
        path, mip, _size = answer
        if self.current is None or path != self.current.path:
            return
        if mip is None:
            self.view.empty_text = (
                "This result could not be shown: it is not an image this app can read."
            )
        self.view.set_mips(None, mip)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.go(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space):
            self.go(+1)
        elif key == Qt.Key.Key_Home:
            self.go(-len(self.items))
        elif key == Qt.Key.Key_End:
            self.go(len(self.items))
        elif key in (
            Qt.Key.Key_Plus,
            Qt.Key.Key_Equal,
            Qt.Key.Key_Minus,
            Qt.Key.Key_0,
            Qt.Key.Key_F,
            Qt.Key.Key_1,
        ):
            self.view.keyPressEvent(event)  # the view's own zoom keys
        else:
            super().keyPressEvent(event)

    def wait_idle(self, ms: int = 20000) -> None:
        self.work.wait(ms)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.work.stop()
        super().closeEvent(event)
