"""The mask painter's canvas: an image with a mask painted over it at the image's resolution.

The mask (``overlay``) is a QImage of the image's size (painted = opaque overlay colour, kept
= clear); a brush or eraser stroke paints into it with QPainter and repaints only the stroke's
rectangle of the view, which draws both images scaled by its transform. Undo keeps the
256-pixel tiles a stroke touched, not copies of the whole mask. ``mask_image()`` is what fal's
inpainting models take: white where painted (change), black elsewhere (keep).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["MaskCanvas", "mask_from_file", "OVERLAY"]

OVERLAY = QColor(255, 40, 90)  # the painted part, drawn half transparent over the image
OVERLAY_OPACITY = 0.55
TILE = 256
HISTORY_BYTES = 512 << 20  # undo keeps at most this much pixel data
MIN_SIZE, MAX_SIZE = 1, 1000
ZOOM_LIMITS = (0.02, 32.0)


@dataclass
class _Edit:
    """One undoable step: the tiles it changed, before and after, or an invert."""

    patches: list[tuple[QPoint, QImage, QImage]] = field(default_factory=list)
    invert: bool = False

    @property
    def size(self) -> int:
        return sum(b.sizeInBytes() + a.sizeInBytes() for _, b, a in self.patches)


def _coloured(alpha: QImage, size: QSize) -> QImage:
    """A mask (painted = overlay colour) from a grey or alpha picture: white/opaque = painted."""
    grey = alpha.convertToFormat(QImage.Format.Format_Grayscale8)
    if grey.size() != size:
        grey = grey.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio)
    as_alpha = QImage(
        grey.constBits(),
        grey.width(),
        grey.height(),
        grey.bytesPerLine(),
        QImage.Format.Format_Alpha8,
    ).copy()
    mask = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    mask.fill(OVERLAY)
    painter = QPainter(mask)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
    painter.drawImage(0, 0, as_alpha)
    painter.end()
    return mask


def mask_from_file(path: str, size: QSize) -> QImage | None:
    """A mask PNG (white = change) of exactly ``size``, as the canvas paints it; else ``None``."""
    picture = QImage(path)
    if picture.isNull() or picture.size() != size:
        return None
    return _coloured(picture, size)


class MaskCanvas(QWidget):
    """Paints a mask over an image. Left button paints (brush) or erases (eraser); the wheel
    zooms at the pointer; the middle button, or Space held with the left one, pans."""

    changed = Signal()  # the mask or its history changed
    view_changed = Signal()  # zoom or pan
    size_changed = Signal(int)

    def __init__(self, image: QImage, mask: QImage | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        if mask is not None and mask.size() == image.size():
            self.overlay = mask.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        else:
            self.overlay = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
            self.overlay.fill(Qt.GlobalColor.transparent)
        self.eraser = False
        self.brush_size = max(4, min(image.width(), image.height()) // 20)
        self.zoom, self.offset, self._fitted = 1.0, QPointF(0, 0), True
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._stroke: dict[tuple[int, int], QImage] | None = None
        self._last: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._space = False
        self._pointer: QPointF | None = None

    # -- view ----------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(720, 540)

    def transform(self) -> QTransform:
        return QTransform(self.zoom, 0, 0, self.zoom, self.offset.x(), self.offset.y())

    def to_image(self, point: QPointF) -> QPointF:
        return (point - self.offset) / self.zoom

    def to_view(self, rect: QRectF) -> QRect:
        return self.transform().mapRect(rect).toAlignedRect().adjusted(-2, -2, 2, 2)

    def fit(self) -> None:
        """The whole image in view, centred."""
        w, h = self.image.width(), self.image.height()
        self.zoom = max(min(self.width() / w, self.height() / h, 1.0), ZOOM_LIMITS[0])
        self.offset = QPointF(
            (self.width() - w * self.zoom) / 2, (self.height() - h * self.zoom) / 2
        )
        self._fitted = True
        self.update()
        self.view_changed.emit()

    def set_zoom(self, zoom: float, around: QPointF | None = None) -> None:
        """Zoom keeping the image point under ``around`` (default: the centre) where it is."""
        around = QPointF(self.width() / 2, self.height() / 2) if around is None else around
        fixed = self.to_image(around)
        self.zoom = min(max(zoom, ZOOM_LIMITS[0]), ZOOM_LIMITS[1])
        self.offset = around - fixed * self.zoom
        self._fitted = False
        self.update()
        self.view_changed.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._fitted:
            self.fit()
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        area = event.rect()
        painter.setClipRect(area)
        painter.fillRect(area, self.palette().color(self.backgroundRole()).darker(115))
        painter.setTransform(self.transform())
        if self.zoom < 1:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(0, 0, self.image)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setOpacity(OVERLAY_OPACITY)
        painter.drawImage(0, 0, self.overlay)
        painter.resetTransform()
        painter.setOpacity(1.0)
        if self._pointer is not None and self._pan_from is None:
            radius = self.brush_size * self.zoom / 2
            for colour, width in ((Qt.GlobalColor.black, 3), (Qt.GlobalColor.white, 1)):
                painter.setPen(QPen(colour, width))
                painter.drawEllipse(self._pointer, radius, radius)
        painter.end()

    def _cursor_rect(self, point: QPointF | None) -> QRect:
        if point is None:
            return QRect()
        r = self.brush_size * self.zoom / 2 + 3
        return QRectF(point.x() - r, point.y() - r, 2 * r, 2 * r).toAlignedRect()

    def _move_pointer(self, point: QPointF | None) -> None:
        self.update(self._cursor_rect(self._pointer))
        self._pointer = point
        self.update(self._cursor_rect(point))

    # -- painting ------------------------------------------------------------------

    def set_brush_size(self, size: int) -> None:
        size = min(max(int(size), MIN_SIZE), MAX_SIZE)
        if size != self.brush_size:
            self.update(self._cursor_rect(self._pointer))
            self.brush_size = size
            self.update(self._cursor_rect(self._pointer))
            self.size_changed.emit(size)

    def _save_tiles(self, rect: QRect) -> None:
        """Keep the tiles under ``rect`` as they were before this stroke (once each)."""
        assert self._stroke is not None
        for ty in range(rect.top() // TILE, rect.bottom() // TILE + 1):
            for tx in range(rect.left() // TILE, rect.right() // TILE + 1):
                if (tx, ty) not in self._stroke:
                    self._stroke[(tx, ty)] = self.overlay.copy(tx * TILE, ty * TILE, TILE, TILE)

    def paint_segment(self, start: QPointF, end: QPointF) -> QRect:
        """Paint (or erase) from ``start`` to ``end`` in image pixels; the rectangle changed."""
        radius = self.brush_size / 2 + 1
        rect = (
            QRectF(start, end)
            .normalized()
            .adjusted(-radius, -radius, radius, radius)
            .toAlignedRect()
            & self.overlay.rect()
        )
        if rect.isEmpty():
            return rect
        if self._stroke is not None:
            self._save_tiles(rect)
        painter = QPainter(self.overlay)
        painter.setCompositionMode(
            QPainter.CompositionMode.CompositionMode_Clear
            if self.eraser
            else QPainter.CompositionMode.CompositionMode_Source
        )
        pen = QPen(OVERLAY, self.brush_size)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update(self.to_view(QRectF(rect)))
        return rect

    def begin_stroke(self, point: QPointF) -> None:
        self._stroke, self._last = {}, point
        self.paint_segment(point, point)

    def continue_stroke(self, point: QPointF) -> None:
        if self._last is not None:
            self.paint_segment(self._last, point)
            self._last = point

    def end_stroke(self) -> None:
        if self._stroke is None:
            return
        edit = _Edit()
        for (tx, ty), before in self._stroke.items():
            origin = QPoint(tx * TILE, ty * TILE)
            edit.patches.append((origin, before, self.overlay.copy(QRect(origin, before.size()))))
        self._stroke, self._last = None, None
        self._push(edit)

    def _push(self, edit: _Edit) -> None:
        self._undo.append(edit)
        self._redo.clear()
        while len(self._undo) > 1 and sum(e.size for e in self._undo) > HISTORY_BYTES:
            self._undo.pop(0)
        self.changed.emit()

    def _apply(self, edit: _Edit, *, forward: bool) -> None:
        if edit.invert:
            self._invert_pixels()
        else:
            painter = QPainter(self.overlay)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            for origin, before, after in edit.patches:
                painter.drawImage(origin, after if forward else before)
            painter.end()
        self.update()

    def undo(self) -> None:
        if self._undo and self._stroke is None:
            edit = self._undo.pop()
            self._apply(edit, forward=False)
            self._redo.append(edit)
            self.changed.emit()

    def redo(self) -> None:
        if self._redo and self._stroke is None:
            edit = self._redo.pop()
            self._apply(edit, forward=True)
            self._undo.append(edit)
            self.changed.emit()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def _invert_pixels(self) -> None:
        painter = QPainter(
            self.overlay
        )  # XOR with opaque colour: clear ↔ painted, alpha → 1 - alpha
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Xor)
        painter.fillRect(self.overlay.rect(), OVERLAY)
        painter.end()

    def invert(self) -> None:
        """Painted becomes kept and kept becomes painted."""
        self._invert_pixels()
        self._push(_Edit(invert=True))
        self.update()

    def clear(self) -> None:
        """Nothing painted (undoable)."""
        before = self.overlay.copy()
        self.overlay.fill(Qt.GlobalColor.transparent)
        self._push(_Edit(patches=[(QPoint(0, 0), before, self.overlay.copy())]))
        self.update()

    def is_empty(self) -> bool:
        """Whether nothing is painted."""
        alpha = self.overlay.convertToFormat(QImage.Format.Format_Alpha8)
        return not any(bytes(alpha.constBits()))

    def mask_image(self) -> QImage:
        """The mask as fal takes it: RGB of the image's size, white = change, black = keep."""
        alpha = self.overlay.convertToFormat(QImage.Format.Format_Alpha8)
        grey = QImage(
            alpha.constBits(),
            alpha.width(),
            alpha.height(),
            alpha.bytesPerLine(),
            QImage.Format.Format_Grayscale8,
        )
        return grey.convertToFormat(QImage.Format.Format_RGB888)

    # -- input ---------------------------------------------------------------------

    def _panning(self, event) -> bool:
        return event.buttons() & Qt.MouseButton.MiddleButton or (
            self._space and event.buttons() & Qt.MouseButton.LeftButton
        )

    def mousePressEvent(self, event) -> None:  # noqa: N802
        point = event.position()
        if self._panning(event):
            self._pan_from = point
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.begin_stroke(self.to_image(point))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        point = event.position()
        if self._pan_from is not None:
            self.offset += point - self._pan_from
            self._pan_from = point
            self._fitted = False
            self.update()
            self.view_changed.emit()
            return
        self._move_pointer(point)
        if self._stroke is not None:
            self.continue_stroke(self.to_image(point))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            self.setCursor(Qt.CursorShape.CrossCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.end_stroke()

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._move_pointer(None)
        super().leaveEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * 1.25**steps, event.position())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setCursor(Qt.CursorShape.CrossCursor)
            return
        super().keyReleaseEvent(event)
