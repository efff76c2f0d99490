"""Shows one result image, scaled to fit, decoded off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

from fal_desktop.widgets.background import Background

__all__ = ["ImageView", "read_image"]


def read_image(path: str, size: QSize | None = None) -> QImage:
    """Decode an image file in any thread: upright (EXIF), no 256 MB allocation cap.

    ``size`` decodes straight to a smaller size. Qt does that without holding Python's GIL,
    unlike ``QImage.scaled`` which would stall the GUI thread meanwhile.
    """
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    QImageReader.setAllocationLimit(0)
    if size is not None and size.isValid():
        reader.setScaledSize(size)
    return reader.read()


def _fitted_size(reader: QImageReader, box: QSize) -> QSize:
    """The size to decode at (before the EXIF turn) to fit ``box`` once turned; never larger."""
    full = reader.size()
    if not full.isValid() or not box.isValid() or box.isEmpty():
        return QSize()
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        box = box.transposed()
    return (
        full.scaled(box, Qt.AspectRatioMode.KeepAspectRatio)
        if (full.width() > box.width() or full.height() > box.height())
        else full
    )


def decode_fitted(path: str, box: QSize) -> tuple[str, QImage, QSize, QSize]:
    """(path, picture, file's upright size, box): the file decoded straight at the size that
    fits ``box`` — one decode, and no ``QImage.scaled``, which holds the GIL in PySide6."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = _fitted_size(reader, box)
    full = reader.size()
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        full = full.transposed()
    image = read_image(path, size) if size.isValid() else QImage()
    return path, image, full, box


class ImageView(QLabel):
    """Signals: drag_requested() when the user starts dragging the shown picture; clicked()
    on a click that did not start a drag."""

    drag_requested = Signal()
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(200, 200))
        self._placeholder = placeholder
        self.setWordWrap(True)  # a failed run's sentence, say
        self.setMargin(16)
        self._image = QImage()
        self._source_size = QSize()
        self._path: str | None = None
        self._wanted: str | None = None  # the file shown now: read by the decode thread
        self.work = Background(self, threads=1)  # in order: a refit never overtakes its decode
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(60)
        self._refit.timeout.connect(self._start_refit)
        self.setText(placeholder)

    @property
    def image(self) -> QImage:
        """The picture as shown: decoded at the view's size."""
        return self._image

    @property
    def source_size(self) -> QSize:
        """The shown file's own size (upright), invalid while nothing is shown."""
        return self._source_size

    @property
    def path(self) -> str | None:
        return self._path

    def _box(self) -> QSize:
        """The device pixels a picture may fill: inside the frame and the label's margin, so
        it is never drawn larger than the space it has (and cropped at the edges)."""
        inner = (
            self.contentsRect()
            .size()
            .shrunkBy(QMargins(self.margin(), self.margin(), self.margin(), self.margin()))
        )
        return inner.expandedTo(QSize(1, 1)) * self.devicePixelRatioF()

    def show_file(self, path: str | None, placeholder: str | None = None) -> None:
        """Show ``path``; with none, ``placeholder`` (what the selected job is doing) or the
        view's own placeholder."""
        self._path = self._wanted = path
        self._image, self._source_size = QImage(), QSize()
        if not path:
            self.setPixmap(QPixmap())
            self.setText(placeholder or self._placeholder)
            return
        self.setText("Loading…")
        self._decode(path)

    def _decode(self, path: str) -> None:
        def job(box: QSize) -> tuple[str, QImage, QSize, QSize] | None:
            if self._wanted != path:
                return None  # another file was shown since: its decode is queued behind this one
            return decode_fitted(path, box)

        self.work.run(job, self._box(), done=self._on_decoded)

    def _on_decoded(self, answer: tuple[str, QImage, QSize, QSize] | None) -> None:
        if answer is None:
            return
        path, image, full, box = answer
        if path != self._path:
            return
        if box != self._box():
            self._refit.start()  # the view changed size while this decoded: fit it again
        if image.isNull():
            self._image, self._source_size = QImage(), QSize()
            self.setText("This result could not be shown: it is not an image this app can read.")
            return
        self._image, self._source_size = image, full
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.setPixmap(pixmap)

    def _start_refit(self) -> None:
        if self._path:  # also while the first decode runs: it was sized for the old box
            self._decode(self._path)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._refit.start()  # once the size settles, decoded again at that size off this thread

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        start = getattr(self, "_press", None)
        if (
            start is not None
            and not self._image.isNull()
            and (event.position() - start).manhattanLength() >= QApplication.startDragDistance()
        ):
            self._press = None
            self.drag_requested.emit()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if (
            getattr(self, "_press", None) is not None
            and event.button() == Qt.MouseButton.LeftButton
        ):
            self._press = None
            self.clicked.emit()

    def wait_idle(self, ms: int = 10000) -> None:
        self.work.wait(ms)

    def stop(self, ms: int = 5000) -> None:
        """Drop decodes not started yet and wait for the one under way (closing the window)."""
        self.work.stop(ms)
