"""Before and after in one view: split slider, side by side, or toggle; zoom and pan synced.

Both images live in the after image's pixel coordinates (the before image is stretched to
the after image's size, so pixels line up). Each is kept as a mip pyramid, and a frame
draws only the visible part of the level that fits the zoom, so an 8192×8192 result stays
smooth.

Keys: ←/→ move the split (Shift: faster), Home/End put it at the edges, +/− zoom,
0 or F fits, 1 shows pixels 1:1, Space flips before/after in toggle mode.
Mouse: drag the split line to move it, drag elsewhere to pan, wheel zooms at the cursor.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["CompareView", "MipImage", "MODES"]

MODES = ("split", "side", "toggle")
SMALLEST_LEVEL = 512
GRAB_DISTANCE = 10


class MipImage:
    """An image and its halvings, each level scaled to ``size / 2**level``."""

    def __init__(self, image: QImage, size: QSize) -> None:
        base = (
            image
            if image.size() == size
            else image.scaled(
                size,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.levels = [base]
        for level_size in self.level_sizes(size)[1:]:
            self.levels.append(
                self.levels[-1].scaled(
                    level_size,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    @staticmethod
    def level_sizes(size: QSize) -> list[QSize]:
        sizes = [size]
        while max(sizes[-1].width(), sizes[-1].height()) > SMALLEST_LEVEL:
            sizes.append(QSize(max(1, sizes[-1].width() // 2), max(1, sizes[-1].height() // 2)))
        return sizes

    @classmethod
    def from_file(cls, path: str, size: QSize, read) -> MipImage:
        """Every level decoded from the file at its own size, off the GIL (``read`` is
        ``image_view.read_image``); for worker threads."""
        mip = cls.__new__(cls)
        mip.levels = [read(path, level_size) for level_size in cls.level_sizes(size)]
        return mip

    def draw(self, painter: QPainter, target: QRectF, source: QRectF, zoom: float) -> None:
        """Draw ``source`` (in level-0 pixels) into ``target`` with the level that fits ``zoom``."""
        level = 0 if zoom >= 1 else min(int(math.log2(1 / zoom)), len(self.levels) - 1)
        factor = 2**level
        image = self.levels[level]
        scaled = QRectF(
            source.x() / factor,
            source.y() / factor,
            source.width() / factor,
            source.height() / factor,
        )
        painter.drawImage(target, image, scaled)


class CompareView(QWidget):
    split_changed = Signal(float)
    zoom_changed = Signal(float)
    mode_changed = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, empty_text: str = "Drop images here to upscale them"
    ) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.empty_text = empty_text
        self._after: MipImage | None = None
        self._before: MipImage | None = None
        self._size = QSize()
        self.mode = "split"
        self.split = 0.5
        self.zoom = 1.0
        self.center = QPointF()
        self.showing_before = False
        self._fit = True
        self._drag: str | None = None
        self._last = QPointF()

    # -- content -----------------------------------------------------------------------

    @staticmethod
    def build(
        before: QImage | None, after: QImage | None
    ) -> tuple[MipImage | None, MipImage | None]:
        """The mip pyramids for a pair; slow for big images, so call it off the GUI thread."""
        if after is None or after.isNull():
            return None, None
        mip_after = MipImage(after, after.size())
        mip_before = (
            MipImage(before, after.size()) if before is not None and not before.isNull() else None
        )
        return mip_before, mip_after

    def set_images(self, before: QImage | None, after: QImage | None) -> None:
        self.set_mips(*self.build(before, after))

    def set_mips(self, before: MipImage | None, after: MipImage | None) -> None:
        self._after, self._before = after, before if after is not None else None
        self._size = after.levels[0].size() if after is not None else QSize()
        self.showing_before = False  # a new result opens on After, whatever was flipped to last
        self.fit()

    @property
    def image_size(self) -> QSize:
        return self._size

    @property
    def has_before(self) -> bool:
        return self._before is not None

    # -- view state ------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        """Show ``mode``. Side by side always fits each half; the other modes keep a zoom
        the user chose and fit otherwise (the pane size may have changed)."""
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        if mode == "side" or self._fit:
            self.fit()
        self.update()
        self.mode_changed.emit(mode)

    def set_split(self, value: float) -> None:
        self.split = min(max(value, 0.0), 1.0)
        self.update()
        self.split_changed.emit(self.split)

    def _pane_size(self) -> QSize:
        side = self.mode == "side" and self._before is not None
        return QSize(self.width() // 2, self.height()) if side else self.size()

    def fit(self) -> None:
        self._fit = True
        if self._size.isEmpty():
            self.update()
            return
        pane = self._pane_size()
        self.zoom = min(pane.width() / self._size.width(), pane.height() / self._size.height())
        self.center = QPointF(self._size.width() / 2, self._size.height() / 2)
        self.update()
        self.zoom_changed.emit(self.zoom)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom so the image point under ``anchor`` (view coordinates) stays put."""
        if self._size.isEmpty():
            return
        zoom = min(max(zoom, 0.01), 32.0)
        pane_anchor = (
            anchor
            if anchor is not None
            else QPointF(self._pane_size().width() / 2, self.height() / 2)
        )
        if self.mode == "side" and pane_anchor.x() > self.width() / 2:
            pane_anchor = QPointF(pane_anchor.x() - self.width() / 2, pane_anchor.y())
        fixed = self.to_image(pane_anchor)
        self.zoom = zoom
        pane = self._pane_size()
        self.center = QPointF(
            fixed.x() - (pane_anchor.x() - pane.width() / 2) / zoom,
            fixed.y() - (pane_anchor.y() - pane.height() / 2) / zoom,
        )
        self._fit = False
        self.update()
        self.zoom_changed.emit(zoom)

    def to_image(self, point: QPointF) -> QPointF:
        """A point in pane coordinates → after-image pixels."""
        pane = self._pane_size()
        return QPointF(
            self.center.x() + (point.x() - pane.width() / 2) / self.zoom,
            self.center.y() + (point.y() - pane.height() / 2) / self.zoom,
        )

    def pan(self, dx: float, dy: float) -> None:
        self.center = QPointF(self.center.x() - dx / self.zoom, self.center.y() - dy / self.zoom)
        self._fit = False
        self.update()

    # -- drawing ------------------------------------------------------------------------

    def _visible(self, pane: QRectF) -> tuple[QRectF, QRectF]:
        """The image rect shown in ``pane`` and where it goes on screen, clipped to the image."""
        left = self.center.x() - pane.width() / 2 / self.zoom
        top = self.center.y() - pane.height() / 2 / self.zoom
        source = QRectF(left, top, pane.width() / self.zoom, pane.height() / self.zoom)
        source = source.intersected(QRectF(0, 0, self._size.width(), self._size.height()))
        target = QRectF(
            pane.x() + (source.x() - left) * self.zoom,
            pane.y() + (source.y() - top) * self.zoom,
            source.width() * self.zoom,
            source.height() * self.zoom,
        )
        return source, target

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window().color().darker(108))
        if self._after is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 2)
        if self._before is None:  # one picture (the full-window viewer): no halves, no labels
            source, target = self._visible(QRectF(self.rect()))
            self._after.draw(painter, target, source, self.zoom)
            return
        before = self._before
        if self.mode == "side":
            half = self.width() / 2
            for image, x in ((before, 0.0), (self._after, half)):
                source, target = self._visible(QRectF(x, 0, half, self.height()))
                painter.save()
                painter.setClipRect(QRectF(x, 0, half, self.height()))
                image.draw(painter, target, source, self.zoom)
                painter.restore()
            painter.fillRect(QRectF(half - 1, 0, 2, self.height()), self.palette().mid())
            self._label(painter, "Before", QPointF(10, 10))
            self._label(painter, "After", QPointF(half + 10, 10))
            return
        source, target = self._visible(QRectF(self.rect()))
        if self.mode == "toggle":
            (before if self.showing_before else self._after).draw(
                painter, target, source, self.zoom
            )
            self._label(painter, "Before" if self.showing_before else "After", QPointF(10, 10))
            return
        x = self.split * self.width()
        painter.save()
        painter.setClipRect(QRectF(0, 0, x, self.height()))
        before.draw(painter, target, source, self.zoom)
        painter.restore()
        painter.save()
        painter.setClipRect(QRectF(x, 0, self.width() - x, self.height()))
        self._after.draw(painter, target, source, self.zoom)
        painter.restore()
        self._handle(painter, x)
        self._label(painter, "Before", QPointF(10, 10))
        self._label(painter, "After", QPointF(self.width() - 60, 10))

    def _handle(self, painter: QPainter, x: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 150), 4))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setPen(QPen(QColor("white"), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        middle = QPointF(x, self.height() / 2)
        painter.setBrush(QColor("white"))
        painter.setPen(QPen(QColor(0, 0, 0, 170), 2))
        painter.drawEllipse(middle, 14, 14)
        arrows = QPainterPath()
        for sign in (-1, 1):
            tip = QPointF(x + sign * 9, middle.y())
            arrows.moveTo(tip)
            arrows.lineTo(x + sign * 3, middle.y() - 5)
            arrows.lineTo(x + sign * 3, middle.y() + 5)
            arrows.closeSubpath()
        painter.fillPath(arrows, QColor(40, 40, 40))

    def _label(self, painter: QPainter, text: str, at: QPointF) -> None:
        rect = QRectF(at, QPointF(at.x() + 54, at.y() + 20))
        painter.fillRect(rect, QColor(0, 0, 0, 140))
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # -- input ---------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._fit:
            self.fit()
        super().resizeEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._last = event.position()
        near_split = abs(event.position().x() - self.split * self.width()) <= GRAB_DISTANCE
        splitting = self.mode == "split" and near_split and self._before is not None
        self._drag = "split" if splitting else "pan"
        if self._drag == "split":
            self.setCursor(Qt.CursorShape.SplitHCursor)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag == "split":
            self.set_split(event.position().x() / max(1, self.width()))
        elif self._drag == "pan":
            delta = event.position() - self._last
            self.pan(delta.x(), delta.y())
        elif self.mode == "split":
            near = abs(event.position().x() - self.split * self.width()) <= GRAB_DISTANCE
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
        self._last = event.position()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._drag = None
        self.unsetCursor()

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * (1.25**steps), event.position())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        step = 0.1 if shift else 0.02
        if key == Qt.Key.Key_Left:
            self.set_split(self.split - step)
        elif key == Qt.Key.Key_Right:
            self.set_split(self.split + step)
        elif key == Qt.Key.Key_Home:
            self.set_split(0.0)
        elif key == Qt.Key.Key_End:
            self.set_split(1.0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self.zoom * 1.25)
        elif key == Qt.Key.Key_Minus:
            self.set_zoom(self.zoom / 1.25)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_F):
            self.fit()
        elif key == Qt.Key.Key_1:
            self.set_zoom(1.0)
        elif key == Qt.Key.Key_Space:
            self.showing_before = not self.showing_before
            self.update()
        else:
            super().keyPressEvent(event)
