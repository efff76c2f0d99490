"""The image input: a local file (picked, dropped or pasted) or a URL, with a thumbnail."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QKeySequence, QPixmap
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QPushButton, QWidget

from fal_desktop.forms.fields import IMAGE_FILTER, MISSING, FieldWidget
from fal_desktop.forms.spec import FieldSpec

__all__ = ["ImageField"]


class ImageField(FieldWidget):
    """A local image file (picked, dropped, pasted) or a URL, with a thumbnail."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.setAcceptDrops(True)
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(QSize(56, 56))
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px dashed palette(mid); border-radius: 4px;")
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Drop or paste an image, or type a URL")
        self.edit.installEventFilter(self)
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self._browse)
        self.edit.textChanged.connect(self._changed)
        for widget in (self.thumb, self.edit, self.browse):
            self.row.addWidget(widget)
        self.row.setStretchFactor(self.edit, 1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an image", "", IMAGE_FILTER)
        if path:
            self.set_value(path)

    def _changed(self, text: str) -> None:
        path = Path(text)
        pixmap = QPixmap()
        if text and not text.startswith(("http://", "https://", "data:")) and path.is_file():
            reader = QImageReader(str(path))
            reader.setAutoTransform(True)
            size = reader.size()
            if size.isValid():
                reader.setScaledSize(size.scaled(QSize(56, 56), Qt.AspectRatioMode.KeepAspectRatio))
            image = reader.read()
            if not image.isNull():
                pixmap = QPixmap.fromImage(image)
        self.thumb.setPixmap(pixmap)
        self.thumb.setText("" if not pixmap.isNull() else ("URL" if text.startswith("http") else ""))
        self.value_changed.emit()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        """Ctrl+V with a copied image or file puts it in the field, not just its text."""
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and event.matches(QKeySequence.StandardKey.Paste):
            return self.paste_from(QGuiApplication.clipboard().mimeData())
        return super().eventFilter(watched, event)

    def paste_from(self, mime) -> bool:
        """Take an image, a file or a URL from clipboard data; ``False`` if there is none."""
        if mime is None:
            return False
        if mime.hasUrls() and mime.urls():
            url = mime.urls()[0]
            self.set_value(url.toLocalFile() if url.isLocalFile() else url.toString())
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if image.isNull():
                return False
            folder = Path(tempfile.gettempdir()) / "fal-desktop-pasted"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"pasted-{uuid.uuid4().hex[:12]}.png"
            image.save(str(path), "PNG")
            self.set_value(str(path))
            return True
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        mime = event.mimeData()
        if mime.hasUrls() and mime.urls():
            url = mime.urls()[0]
            self.set_value(url.toLocalFile() if url.isLocalFile() else url.toString())
        elif mime.hasText():
            self.set_value(mime.text().strip())
        event.acceptProposedAction()

    def value(self) -> Any:
        text = self.edit.text().strip()
        return text if text or self.spec.required else MISSING

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))
