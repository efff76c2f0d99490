"""The compare view with its bar: mode, zoom, sizes, factor, model and time taken."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.ui.results.compare_view import CompareView, MipImage
from fal_desktop.ui.results.image_view import read_image
from fal_desktop.widgets.background import Background
from fal_desktop.widgets.elided_label import ElidedLabel

__all__ = ["ComparePane"]


#: The before and after images as mip pyramids (``None``: no such image).
Mips = tuple[MipImage | None, MipImage | None]


def load_pair(before: str | None, after: str) -> tuple[QSize | None, QSize, Mips]:
    """(before's own size, after's size, (before, after) mip pyramids) for a worker thread;
    the before image is decoded at the after image's size so their pixels line up."""
    size = QImageReader(after).size()
    if not size.isValid():
        return None, QSize(), (None, None)
    mip_after = MipImage.from_file(after, size, read_image)
    mip_before = MipImage.from_file(before, size, read_image) if before else None
    original = QImageReader(before).size() if before else None
    return original, size, (mip_before, mip_after)


class ComparePane(QWidget):
    drag_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        self.mode_buttons = QButtonGroup(self)
        for mode, text in (("split", "Split"), ("side", "Side by side"), ("toggle", "Toggle")):
            button = QPushButton(text, self)
            button.setCheckable(True)
            button.setProperty("mode", mode)
            button.setChecked(mode == "split")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays the view's: it flips
            self.mode_buttons.addButton(button)
            bar.addWidget(button)
        self.mode_buttons.buttonClicked.connect(self._mode_clicked)
        bar.addSpacing(12)
        self.fit_button = QPushButton("Fit", self)
        self.one_button = QPushButton("1:1", self)
        self.zoom_out = QPushButton("−", self)
        self.zoom_in = QPushButton("+", self)
        for button in (self.fit_button, self.one_button, self.zoom_out, self.zoom_in):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMaximumWidth(44)
            bar.addWidget(button)
        self.zoom_label = QLabel("", self)
        self.zoom_label.setMinimumWidth(48)
        bar.addWidget(self.zoom_label)
        bar.addStretch(1)
        self.drag_button = QPushButton("Drag out", self)
        self.drag_button.setToolTip(
            "Press and drag to put the result file into another app or folder"
        )
        self.drag_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.drag_button.pressed.connect(self.drag_requested)
        bar.addWidget(self.drag_button)
        layout.addLayout(bar)
        # Sizes, factor, model and time get a row of their own: beside nine buttons they were cut.
        self.info_label = ElidedLabel("", self)
        self.info_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.info_label.setContentsMargins(10, 0, 10, 4)
        layout.addWidget(self.info_label)
        self.view = CompareView(self)
        self.view.setToolTip(
            "Drag the line to compare, drag elsewhere to pan, wheel to zoom.\n"
            "Keys: ←/→ split, +/− zoom, F fit, 1 for 1:1, Space flips in Toggle mode."
        )
        layout.addWidget(self.view, 1)
        self.fit_button.clicked.connect(self.view.fit)
        self.one_button.clicked.connect(lambda: self.view.set_zoom(1.0))
        self.zoom_in.clicked.connect(lambda: self.view.set_zoom(self.view.zoom * 1.25))
        self.zoom_out.clicked.connect(lambda: self.view.set_zoom(self.view.zoom / 1.25))
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.view.mode_changed.connect(self._mode_shown)
        self.work = Background(self)
        self._token: object = None
        self._info: tuple[str, float | None] = ("", None)

    def _mode_clicked(self, button: QPushButton) -> None:
        self.view.set_mode(button.property("mode"))
        self.view.setFocus()  # the keys (Space, arrows, zoom) now act on what was chosen

    def _mode_shown(self, mode: str) -> None:
        for button in self.mode_buttons.buttons():
            button.setChecked(button.property("mode") == mode)

    def show_pair(
        self, before: str | None, after: str, model: str = "", seconds: float | None = None
    ) -> None:
        """Load both images off the GUI thread, then show them."""
        self._token = object()
        self._info = (model, seconds)
        self.info_label.setText("Loading…")
        token = self._token
        self.work.run(load_pair, before, after, done=lambda loaded: self._on_loaded(token, *loaded))

    def _on_loaded(self, token: object, before: QSize | None, after: QSize, mips: Mips) -> None:
        if token is not self._token:
            return  # another pair was asked for since
        self.view.set_mips(*mips)
        self.set_info(before, after, *self._info)

    def set_info(
        self, before: QSize | None, after: QSize, model: str, seconds: float | None
    ) -> None:
        parts = []
        if before is not None and before.isValid():
            factor = after.width() / max(1, before.width())
            parts.append(
                f"{before.width()}×{before.height()} → {after.width()}×{after.height()}  (×{factor:.1f})"
            )
        elif after.isValid():
            parts.append(f"{after.width()}×{after.height()}")
        else:
            parts.append("The result could not be read as an image.")
        if model:
            parts.append(model)
        if seconds is not None:
            parts.append(f"{seconds:.1f} s")
        self.info_label.setText("   ·   ".join(parts))

    def wait_idle(self, ms: int = 20000) -> None:
        self.work.wait(ms)

    def stop(self, ms: int = 5000) -> None:
        """Drop decodes not started yet and wait for the one under way (closing the window)."""
        self.work.stop(ms)
