"""Shows one result image, scaled to fit, decoded off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

__all__ = ["ImageView", "read_image"]


def read_image(path: str, size: QSize | None = None, *, max_side: int | None = None) -> QImage:
    """Decode an image file in any thread: upright (EXIF), no 256 MB allocation cap.

    ``size`` or ``max_side`` decode straight to a smaller size. Qt does that without holding
    Python's GIL, unlike ``QImage.scaled`` which would stall the GUI thread meanwhile.
    """
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    QImageReader.setAllocationLimit(0)
    full = reader.size()
    if size is None and max_side is not None and full.isValid() and max(full.width(), full.height()) > max_side:
        size = full.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio)
    if size is not None and size.isValid():
        reader.setScaledSize(size)
    return reader.read()


PREVIEW_SIDE = 2048  # what the view keeps: enough for any screen, cheap to rescale


class _Decoded(QObject):
    done = Signal(str, QImage)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wanted: str | None = None  # the file the view shows now; set on the GUI thread


class _DecodeTask(QRunnable):
    def __init__(self, path: str, signals: _Decoded) -> None:
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        if self.signals.wanted != self.path:
            return  # another file was shown since: its decode is queued behind this one
        image = read_image(self.path, max_side=PREVIEW_SIDE)
        try:
            self.signals.done.emit(self.path, image)
        except RuntimeError:
            pass  # the view was closed while this decoded


class ImageView(QLabel):
    drag_requested = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(200, 200))
        self._placeholder = placeholder
        self._image = QImage()
        self._path: str | None = None
        self._signals = _Decoded(self)
        self._signals.done.connect(self._on_decoded)
        self._pool = QThreadPool(self)
        self.setText(placeholder)

    @property
    def image(self) -> QImage:
        return self._image

    @property
    def path(self) -> str | None:
        return self._path

    def show_file(self, path: str | None) -> None:
        self._path = self._signals.wanted = path
        if not path:
            self._image = QImage()
            self.setPixmap(QPixmap())
            self.setText(self._placeholder)
            return
        self.setText("Loading…")
        self._pool.start(_DecodeTask(path, self._signals))

    def _on_decoded(self, path: str, image: QImage) -> None:
        if path != self._path:
            return
        if image.isNull():
            self._image = QImage()
            self.setText("This result could not be shown: it is not an image this app can read.")
            return
        self._image = image
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            return
        target = self.size()
        scaled = self._image.scaled(target, Qt.AspectRatioMode.KeepAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(QPixmap.fromImage(scaled))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._rescale()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        start = getattr(self, "_press", None)
        if start is not None and not self._image.isNull() and \
                (event.position() - start).manhattanLength() >= QApplication.startDragDistance():
            self._press = None
            self.drag_requested.emit()

    def wait_idle(self, ms: int = 10000) -> None:
        self._pool.waitForDone(ms)
