"""Draw mask…: the mask painter's window, and the way from a mask field to it and back.

The image painted over is the form's image field (a local file), else the result on screen
(which then goes into the image field), else one the user picks. The mask is written as a PNG
of the image's size (white = change, black = keep) into the app's data folder, so the job that
uploads it, and Reuse later, still find it.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QImageReader, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.paths import is_local_file
from fal_desktop.forms.fields import IMAGE_FILTER, FieldWidget
from fal_desktop.forms.mask_canvas import MAX_SIZE, MIN_SIZE, MaskCanvas, mask_from_file
from fal_desktop.forms.spec import mask_base_image

__all__ = ["MaskEditor", "open_mask_editor", "masks_folder", "load_upright"]

HINT = (
    "Paint what the model should change. [ and ] change the brush size, the wheel zooms, "
    "the middle button or Space+drag pans."
)
# The tool in use stands out in light and dark palettes alike.
CHECKED_TOOL = (
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(highlight); border-radius: 3px; padding: 3px 5px; }"
)


def load_upright(path: str) -> QImage:
    """The image as it is uploaded: turned upright by its orientation tag."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    return reader.read()


def masks_folder(widget: QWidget) -> Path:
    """Where masks are kept: ``masks`` in the app's data folder (the window's ``paths``)."""
    paths = getattr(widget.window(), "paths", None)
    data = getattr(paths, "data", None)
    base = Path(data) if data is not None else Path(tempfile.gettempdir()) / "fal-desktop"
    folder = base / "masks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class MaskEditor(QDialog):
    """A brush and an eraser over the image, with invert, clear, undo/redo, zoom and pan."""

    def __init__(self, image: QImage, mask: QImage | None, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Draw mask — {title}")
        self.canvas = MaskCanvas(image, mask, self)
        tools = QHBoxLayout()
        self.brush_button = self._tool("Brush", "Paint what should change (B)", tools)
        self.eraser_button = self._tool("Eraser", "Take paint away (E)", tools)
        self.brush_button.setChecked(True)
        self.brush_button.toggled.connect(lambda on: setattr(self.canvas, "eraser", not on))
        self.eraser_button.toggled.connect(lambda on: self.brush_button.setChecked(not on))
        self.brush_button.toggled.connect(lambda on: self.eraser_button.setChecked(not on))
        tools.addSpacing(12)
        tools.addWidget(QLabel("Size", self))
        self.size_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.size_slider.setRange(
            MIN_SIZE, max(16, min(MAX_SIZE, max(image.width(), image.height()) // 2))
        )
        self.size_slider.setValue(self.canvas.brush_size)
        self.size_slider.setMinimumWidth(120)
        self.size_slider.setToolTip("Brush size in image pixels ([ smaller, ] larger)")
        self.size_slider.valueChanged.connect(self.canvas.set_brush_size)
        self.canvas.size_changed.connect(self._size_shown)
        tools.addWidget(self.size_slider)
        self.size_label = QLabel(self)
        self.size_label.setMinimumWidth(48)
        tools.addWidget(self.size_label)
        tools.addSpacing(12)
        self.invert_button = self._button("Invert", "Swap painted and kept (I)", tools)
        self.invert_button.clicked.connect(self.canvas.invert)
        self.clear_button = self._button("Clear", "Paint nothing", tools)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button = self._button("Undo", "Undo (Ctrl+Z)", tools)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.redo_button = self._button("Redo", "Redo (Ctrl+Shift+Z)", tools)
        self.redo_button.clicked.connect(self.canvas.redo)
        tools.addStretch(1)
        self.fit_button = self._button("Fit", "The whole image (Ctrl+0)", tools)
        self.fit_button.clicked.connect(self.canvas.fit)
        self.actual_button = self._button("1:1", "One image pixel per screen pixel (Ctrl+1)", tools)
        self.actual_button.clicked.connect(lambda: self.canvas.set_zoom(1.0))
        self.zoom_label = QLabel(self)
        self.zoom_label.setMinimumWidth(44)
        tools.addWidget(self.zoom_label)
        self.canvas.changed.connect(self._history_shown)
        self.canvas.view_changed.connect(self._zoom_shown)
        hint = QLabel(HINT, self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        buttons = QDialogButtonBox(self)
        self.use_button = buttons.addButton("Use mask", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.canvas, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self._size_shown(self.canvas.brush_size)
        self._history_shown()
        self._zoom_shown()
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(960, int(screen.width() * 0.9)), min(720, int(screen.height() * 0.9)))
        self.canvas.setFocus()

    def _button(self, text: str, tip: str, row: QHBoxLayout) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        row.addWidget(button)
        return button

    def _tool(self, text: str, tip: str, row: QHBoxLayout) -> QToolButton:
        button = self._button(text, tip, row)
        button.setCheckable(True)
        button.setStyleSheet(CHECKED_TOOL)
        return button

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """The painter's keys, wherever the focus is inside the window."""
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ctrl = Qt.KeyboardModifier.ControlModifier
        shift_ctrl = ctrl | Qt.KeyboardModifier.ShiftModifier
        if key == Qt.Key.Key_BracketLeft:
            self.step_size(-1)
        elif key == Qt.Key.Key_BracketRight:
            self.step_size(1)
        elif (key == Qt.Key.Key_Z and mods == shift_ctrl) or event.matches(
            QKeySequence.StandardKey.Redo
        ):
            self.canvas.redo()
        elif event.matches(QKeySequence.StandardKey.Undo):
            self.canvas.undo()
        elif key == Qt.Key.Key_0 and mods == ctrl:
            self.canvas.fit()
        elif key == Qt.Key.Key_1 and mods == ctrl:
            self.canvas.set_zoom(1.0)
        elif mods == Qt.KeyboardModifier.NoModifier and key in (Qt.Key.Key_B, Qt.Key.Key_E):
            self.eraser_button.setChecked(key == Qt.Key.Key_E)
        elif mods == Qt.KeyboardModifier.NoModifier and key == Qt.Key.Key_I:
            self.canvas.invert()
        else:
            super().keyPressEvent(event)

    def step_size(self, direction: int) -> None:
        """``[`` / ``]``: about 20 % smaller or larger, at least one pixel."""
        size = self.canvas.brush_size
        change = max(1, round(size * 0.2))
        self.size_slider.setValue(size + direction * change)

    def _size_shown(self, size: int) -> None:
        self.size_label.setText(f"{size} px")
        if self.size_slider.value() != size:
            self.size_slider.setValue(size)

    def _history_shown(self) -> None:
        self.undo_button.setEnabled(self.canvas.can_undo())
        self.redo_button.setEnabled(self.canvas.can_redo())

    def _zoom_shown(self) -> None:
        self.zoom_label.setText(f"{self.canvas.zoom * 100:.0f} %")


def _siblings(field: FieldWidget) -> dict[str, FieldWidget]:
    """The fields beside ``field``: the form's, or those of the object it is part of."""
    parent = field.parentWidget()
    while parent is not None:
        fields = getattr(parent, "fields", None)
        if isinstance(fields, dict) and fields.get(field.spec.name) is field:
            return fields
        parent = parent.parentWidget()
    return {field.spec.name: field}


def _base_image(field: FieldWidget) -> tuple[str, FieldWidget | None] | None:
    """The local image to paint over, and the image field it belongs in; asks if there is none."""
    siblings = _siblings(field)
    images = [n for n, f in siblings.items() if f.spec.kind == "image"]
    base_name = mask_base_image(field.spec.name, images)
    base = siblings.get(base_name) if base_name else None
    value = base.value() if base is not None else None
    if is_local_file(value):
        return str(value), base
    shown = getattr(field.window(), "shown_file", None)
    typed = isinstance(value, str) and value.strip()  # a URL there is not replaced unasked
    if is_local_file(shown) and not typed:
        return str(shown), base
    path, _ = QFileDialog.getOpenFileName(
        field, "Choose the image to draw a mask on", "", IMAGE_FILTER
    )
    return (path, base) if path else None


def open_mask_editor(field: FieldWidget) -> MaskEditor | None:
    """Open the painter for a mask field; on "Use mask" the PNG goes into the field."""
    found = _base_image(field)
    if found is None:
        return None
    path, base = found
    image = load_upright(path)
    if image.isNull():
        QMessageBox.warning(
            field, "Draw mask", f"{Path(path).name} is not an image this app can read."
        )
        return None
    current = field.value()
    mask = mask_from_file(str(current), image.size()) if is_local_file(current) else None
    editor = MaskEditor(image, mask, Path(path).name, field)
    editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def use() -> None:
        target = masks_folder(field) / f"mask-{Path(path).stem[:40]}-{uuid.uuid4().hex[:8]}.png"
        if not editor.canvas.mask_image().save(str(target)):  # PNG, by its name
            QMessageBox.warning(field, "Draw mask", f"The mask could not be written to {target}.")
            return
        if base is not None and base.value() != path:
            base.set_value(path)  # the mask fits this image: it is the one sent
        field.set_value(str(target))

    editor.accepted.connect(use)
    editor.open()
    return editor
