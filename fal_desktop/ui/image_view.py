"""Shows one result image, scaled to fit, decoded off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader, QPixmap
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
    done = Signal(str, QImage, QImage)  # path, preview, fitted to the view (either may be null)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wanted: str | None = None  # the file the view shows now; set on the GUI thread


def _fitted_size(path: str, box: QSize) -> QSize:
    """The size to decode ``path`` at (before its EXIF turn) to fit ``box`` once turned."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if not full.isValid() or not box.isValid() or box.isEmpty():
        return QSize()
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        box = box.transposed()
    return full.scaled(box, Qt.AspectRatioMode.KeepAspectRatio) if (
        full.width() > box.width() or full.height() > box.height()) else full


class _DecodeTask(QRunnable):
    """Decode a file for the view: the preview it keeps (unless only a refit is wanted) and the
    picture fitted to the view's size, both straight from the file, so no scaling holds the
    GIL on any thread."""

    def __init__(self, path: str, signals: _Decoded, box: QSize, *, preview: bool = True) -> None:
        super().__init__()
        self.path, self.signals, self.box, self.preview = path, signals, box, preview

    def run(self) -> None:
        if self.signals.wanted != self.path:
            return  # another file was shown since: its decode is queued behind this one
        preview = read_image(self.path, max_side=PREVIEW_SIDE) if self.preview else QImage()
        fitted = QImage()
        if not self.preview or not preview.isNull():
            size = _fitted_size(self.path, self.box)
            fitted = read_image(self.path, size) if size.isValid() else QImage()
        try:
            self.signals.done.emit(self.path, preview, fitted)
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
        self._pool.setMaxThreadCount(1)  # in order: a refit never overtakes its decode
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(60)
        self._refit.timeout.connect(self._start_refit)
        self.setText(placeholder)

    @property
    def image(self) -> QImage:
        return self._image

    @property
    def path(self) -> str | None:
        return self._path

    def _box(self) -> QSize:
        return self.size() * self.devicePixelRatioF()

    def show_file(self, path: str | None) -> None:
        self._path = self._signals.wanted = path
        self._image = QImage()
        if not path:
            self.setPixmap(QPixmap())
            self.setText(self._placeholder)
            return
        self.setText("Loading…")
        self._pool.start(_DecodeTask(path, self._signals, self._box()))

    def _on_decoded(self, path: str, preview: QImage, fitted: QImage) -> None:
        if path != self._path:
            return
        if not preview.isNull():
            self._image = preview
        if self._image.isNull():
            self.setText("This result could not be shown: it is not an image this app can read.")
            return
        if not fitted.isNull():
            pixmap = QPixmap.fromImage(fitted)
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            self.setPixmap(pixmap)

    def _start_refit(self) -> None:
        if self._path and not self._image.isNull():
            self._pool.start(_DecodeTask(self._path, self._signals, self._box(), preview=False))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._refit.start()  # once the size settles, decoded again at that size off this thread

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
