"""Frame time of the mask painter while brushing over a 4096×4096 image.

Each frame is one mouse move sent to the canvas (the stroke painted into the mask at image
resolution) and the repaint it causes, done before the next move. Baseline, in the same run: a
naive canvas that repaints the whole view on every move and scales the whole image and mask
to the view each time. Prints a table and writes ``bench/results/mask_painting.json``.

    QT_QPA_PLATFORM=offscreen python bench/mask_painting.py
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QLinearGradient, QMouseEvent, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fal_desktop.forms.mask_canvas import OVERLAY_OPACITY, MaskCanvas  # noqa: E402

SIDE = 4096
VIEW = (1280, 800)
MOVES = 240
BRUSH = 64


def picture(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, size, size)
    gradient.setColorAt(0, QColor.fromHsv(30, 200, 230))
    gradient.setColorAt(1, QColor.fromHsv(210, 200, 90))
    painter.fillRect(image.rect(), gradient)
    painter.end()
    return image


class NaiveCanvas(MaskCanvas):
    """What a first attempt does: the whole view repainted per move, both images scaled anew."""

    def paint_segment(self, start, end):
        rect = super().paint_segment(start, end)
        self.update()
        return rect

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.darkGray)
        w, h = round(self.image.width() * self.zoom), round(self.image.height() * self.zoom)
        mode = Qt.TransformationMode.SmoothTransformation
        painter.drawImage(
            self.offset, self.image.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, mode)
        )
        painter.setOpacity(OVERLAY_OPACITY)
        painter.drawImage(self.offset, self.overlay.scaled(w, h))
        painter.end()


def stroke_points(canvas: MaskCanvas) -> list[QPointF]:
    """A zigzag over the visible part of the view, in view coordinates."""
    w, h = canvas.width(), canvas.height()
    return [
        QPointF(w * (0.1 + 0.8 * i / MOVES), h * (0.5 + 0.35 * math.sin(i / 9)))
        for i in range(MOVES)
    ]


def send(canvas: MaskCanvas, kind: QEvent.Type, point: QPointF) -> None:
    buttons = (
        Qt.MouseButton.NoButton
        if kind == QEvent.Type.MouseButtonRelease
        else Qt.MouseButton.LeftButton
    )
    event = QMouseEvent(
        kind,
        point,
        canvas.mapToGlobal(point),
        Qt.MouseButton.LeftButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(canvas, event)


def brush(canvas: MaskCanvas) -> list[float]:
    points = stroke_points(canvas)
    send(canvas, QEvent.Type.MouseButtonPress, points[0])
    QApplication.processEvents()
    times = []
    for point in points[1:]:
        start = time.perf_counter()
        send(canvas, QEvent.Type.MouseMove, point)
        QApplication.processEvents()  # the repaint the move asked for
        times.append((time.perf_counter() - start) * 1000)
    send(canvas, QEvent.Type.MouseButtonRelease, points[-1])
    QApplication.processEvents()
    return times


def whole_view(canvas: MaskCanvas, frames: int = 30) -> list[float]:
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        canvas.repaint()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)],
        "max_ms": ordered[-1],
    }


def main() -> int:
    QApplication.instance() or QApplication([])
    image = picture(SIDE)
    results = {}
    canvases = {}
    for name, cls in (("ours", MaskCanvas), ("naive", NaiveCanvas)):
        canvas = cls(image)
        canvas.resize(*VIEW)
        canvas.show()
        canvas.set_brush_size(BRUSH)
        QApplication.processEvents()
        canvases[name] = canvas
    for label in ("fit", "1:1", "400 %"):
        row = {}
        for name, canvas in canvases.items():
            if name == "naive" and label == "400 %":
                continue  # it would scale the image to 16384² (1 GiB) on every move: seconds each
            if label == "fit":
                canvas.fit()
            else:
                canvas.set_zoom(1.0 if label == "1:1" else 4.0)
            QApplication.processEvents()
            row[name] = summary(brush(canvas))
            canvas.undo()
            if name == "ours":  # a pan or zoom frame repaints the whole view
                row["ours_whole_view"] = summary(whole_view(canvas))
        if "naive" in row:
            row["ratio_p95"] = row["ours"]["p95_ms"] / max(row["naive"]["p95_ms"], 1e-9)
        results[label] = row
    print(
        f"mask painting, {SIDE}² image, {VIEW[0]}×{VIEW[1]} view, {MOVES} moves, brush {BRUSH} px, "
        f"{platform.machine()} {os.cpu_count()} cores"
    )
    print(
        f"{'zoom':<7} {'ours median':>12} {'ours p95':>9} {'naive median':>13} {'naive p95':>10} {'p95 ratio':>10}"
    )
    for label, r in results.items():
        naive = (
            f"{r['naive']['median_ms']:>11.2f}ms {r['naive']['p95_ms']:>8.2f}ms {r['ratio_p95']:>10.3f}"
            if "naive" in r
            else f"{'(not run)':>13} {'':>10} {'':>10}"
        )
        print(f"{label:<7} {r['ours']['median_ms']:>10.2f}ms {r['ours']['p95_ms']:>7.2f}ms {naive}")
    print(
        "whole-view repaint (pan, zoom) of ours, p95: "
        + ", ".join(
            f"{label} {r['ours_whole_view']['p95_ms']:.1f} ms" for label, r in results.items()
        )
    )
    worst = max(r["ours"]["p95_ms"] for r in results.values())
    print(
        f"worst p95 of ours: {worst:.2f} ms ({'within' if worst <= 16 else 'OVER'} the 16 ms target)"
    )
    out = Path(__file__).resolve().parent / "results" / "mask_painting.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "side": SIDE,
                "view": VIEW,
                "moves": MOVES,
                "brush": BRUSH,
                **results,
            },
            indent=2,
        )
    )
    print(f"written {out}")
    return 0 if worst <= 16 else 1


if __name__ == "__main__":
    sys.exit(main())
