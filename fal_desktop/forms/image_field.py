"""The image input: a local file (picked, dropped or pasted) or a URL, with a thumbnail.

A ``file://`` URL becomes its local path (the runner uploads local files; fal never gets a
``file://`` URL); an ``http(s)`` URL's thumbnail is fetched off the GUI thread, without the key.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QEvent, QSize, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.forms.fields import IMAGE_FILTER, FieldWidget, field_kind
from fal_desktop.forms.spec import FieldSpec, is_mask_field
from fal_desktop.forms.url_thumbnails import local_thumbnail, thumbnails

if TYPE_CHECKING:
    from fal_desktop.forms.mask_editor import MaskEditor

__all__ = ["ImageField", "as_input", "images_from_mime", "pasted_folder", "save_pasted"]

THUMB = 56


def as_input(text: str) -> str:
    """What is sent for a typed, dropped or pasted location: a ``file://`` URL as its path."""
    text = text.strip()
    if text.lower().startswith("file:"):
        return QUrl(text).toLocalFile() or text
    return text


def pasted_folder(widget: QWidget | None) -> Path:
    """Where pasted pictures are kept: ``pasted`` in the app's data folder (the window's
    ``paths``), like masks, so a job's input is still there for Reuse after a restart."""
    paths = getattr(widget.window(), "paths", None) if widget is not None else None
    data = getattr(paths, "data", None)
    base = Path(data) if data is not None else Path(tempfile.gettempdir()) / "fal-desktop"
    return base / "pasted"


def save_pasted(image: QImage, folder: Path) -> str:
    """The picture as a PNG in ``folder``, under a new name (never one already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide6 wants str; stubs say bytes
    data = bytes(buffer.data().data())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    while True:
        path = folder / f"pasted-{stamp}-{uuid.uuid4().hex}.png"
        try:
            with open(path, "xb") as file:  # exclusive: a name in use is never overwritten
                file.write(data)
        except FileExistsError:
            continue
        return str(path)


def images_from_mime(mime, folder: Path | None = None) -> list[str]:
    """The files, URLs or picture (saved as a PNG in ``folder``) in drag or clipboard data."""
    if mime is None:
        return []
    if mime.hasUrls() and mime.urls():
        return [as_input(u.toLocalFile() if u.isLocalFile() else u.toString()) for u in mime.urls()]
    if mime.hasImage():
        image = QImage(mime.imageData())
        if image.isNull():
            return []
        return [save_pasted(image, folder or pasted_folder(None))]
    if mime.hasText() and mime.text().strip():
        return [as_input(line) for line in mime.text().splitlines() if line.strip()]
    return []


@field_kind("image")
class ImageField(FieldWidget):
    """A local image file (picked, dropped, pasted) or a URL, with a thumbnail."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.setAcceptDrops(True)
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(QSize(THUMB, THUMB))
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px dashed palette(mid); border-radius: 4px;")
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Drop or paste an image, or type a URL")
        self.edit.setClearButtonEnabled(not spec.required)
        self.edit.installEventFilter(self)
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self._browse)
        self.edit.textChanged.connect(self._changed)
        self.edit.editingFinished.connect(self._typed)
        for widget in (self.thumb, self.edit, self.browse):
            self.row.addWidget(widget)
        self.draw_button: QPushButton | None = None
        self.mask_editor: MaskEditor | None = None  # the mask painter last opened
        if is_mask_field(
            spec.name, spec.schema
        ):  # inpainting, fill, eraser models: paint the mask here
            self.draw_button = QPushButton("Draw mask…", self)
            self.draw_button.setToolTip("Paint the mask over the image (white = change)")
            self.draw_button.clicked.connect(self._draw_mask)
            self._stack_buttons_under_the_edit(self.draw_button)
        self.row.setStretchFactor(self.edit, 1)
        thumbnails().ready.connect(self._url_thumbnail)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an image", "", IMAGE_FILTER)
        if path:
            self.set_value(path)

    def _stack_buttons_under_the_edit(self, draw_button: QPushButton) -> None:
        """Browse… and Draw mask… below the location, beside the thumbnail: the edit keeps its
        width in a narrow form column."""
        self.row.removeWidget(self.edit)
        self.row.removeWidget(self.browse)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(self.edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.browse)
        buttons.addWidget(draw_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.row.addLayout(column, 1)

    def _draw_mask(self) -> None:
        from fal_desktop.forms.mask_editor import open_mask_editor  # its window, on first use

        editor = open_mask_editor(self)
        if editor is not None:
            self.mask_editor = editor

    def _typed(self) -> None:
        if self.edit.text().strip().lower().startswith("file:"):
            self.set_value(self.edit.text())

    def _changed(self, text: str) -> None:
        text = text.strip()
        image = QImage()
        if text.startswith(("http://", "https://")):
            image = thumbnails().request(text, THUMB) or QImage()
        elif text and not text.startswith("data:"):
            image = local_thumbnail(as_input(text), THUMB)
        self._show_thumb(image, "URL" if text.startswith("http") else "")
        self.value_changed.emit()

    def _show_thumb(self, image: QImage, text: str = "") -> None:
        self.thumb.setPixmap(QPixmap.fromImage(image) if not image.isNull() else QPixmap())
        self.thumb.setText("" if not image.isNull() else text)

    def _url_thumbnail(self, url: str, image: QImage) -> None:
        if url == self.edit.text().strip():
            self._show_thumb(image, "URL")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        """Ctrl+V with a copied image or file puts it in the field, not just its text."""
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and event.matches(QKeySequence.StandardKey.Paste)
        ):
            return self.paste_from(QGuiApplication.clipboard().mimeData())
        return super().eventFilter(watched, event)

    def paste_from(self, mime) -> bool:
        """Take an image, a file or a URL from clipboard data; ``False`` if there is none."""
        if mime is None or not (mime.hasUrls() or mime.hasImage()):
            return False
        found = images_from_mime(mime, pasted_folder(self))
        if found:
            self.set_value(found[0])
        return bool(found)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        found = images_from_mime(event.mimeData(), pasted_folder(self))
        if found:
            self.set_value(found[0])
        event.acceptProposedAction()

    def value(self) -> Any:
        text = as_input(self.edit.text())
        return text if text or self.spec.required else self.spec.unset_value

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else as_input(str(value)))
